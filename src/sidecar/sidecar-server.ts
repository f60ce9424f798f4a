/**
 * The small HTTP server every worker process runs next to its jobs, serving the ops router (/health,
 * /ready, /metrics) for probes and Prometheus. It is separate from the job path: nothing it does
 * touches a job, and a sidecar that cannot bind its port costs the worker only its endpoints.
 */
import type { Server } from 'node:http';
import express, { type Router } from 'express';

export interface SidecarOptions {
  /** > 0; 0 means "no sidecar" and is the caller's to skip. */
  port: number;
  host?: string;
  router: Router;
}

export interface Sidecar {
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting connections and closes idle keep-alive ones; resolves when closed. Idempotent. */
  close(): Promise<void>;
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const app = express();
  app.disable('x-powered-by');
  app.enable('case sensitive routing');
  app.use(options.router);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? '0.0.0.0');
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  // Probes and scrapes are short: do not let a slow client hold the process at shutdown.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}
