/**
 * The headers a header-setting middleware (the app's helmet) puts on every response, taken once at
 * start by running it on a recorder, so that responses written outside Express (the snapshot fast
 * path) carry exactly the same ones, from the same configuration. A middleware whose headers depend
 * on the request (a CSP nonce, say) cannot be taken this way: the request it is given throws on any
 * read, and that is an error at start, not a response without its headers.
 */
import type { RequestHandler } from 'express';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export function headersSetBy(middleware: RequestHandler): HeaderList {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  const request = new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`the middleware reads the request (${String(property)}): its headers vary`);
      },
    },
  );
  let outcome: { err: unknown } | undefined;
  middleware(request as never, recorder as never, (err?: unknown) => {
    outcome = { err };
  });
  if (outcome === undefined) throw new Error('the middleware did not call next() synchronously');
  if (outcome.err !== undefined) throw outcome.err;
  return [...headers];
}
