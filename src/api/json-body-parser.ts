/**
 * express.json for the routes that read `jsonBody`, keeping each body's text beside its request, so
 * that a key repeated in one object is refused instead of stored with only its last value (what
 * JSON.parse keeps). The text is kept only for UTF-8 bodies, the charset clients send.
 */
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';

const bodyTexts = new WeakMap<IncomingMessage, string>();

export function jsonBodyParser(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    verify: (req, _res, bytes, encoding) => {
      if (/^utf-?8$/i.test(encoding)) bodyTexts.set(req, bytes.toString('utf8'));
    },
  });
}

/** The text `jsonBodyParser` parsed for this request, if it kept it. */
export function bodyText(req: IncomingMessage): string | undefined {
  return bodyTexts.get(req);
}
