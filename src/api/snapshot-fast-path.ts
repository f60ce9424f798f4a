/**
 * The hot path before Express: a plain `GET /v1/actors/<id>/snapshot` whose bearer token was verified
 * in the last minute is answered here, straight on Node's request and response. Express's router,
 * helmet and the metrics middleware cost ~30 µs of CPU a request here, which is a sixth of the
 * server's work for this route and shows in its p99 at 1,000 req/s (bench:api: 0.86–1.16 ms through
 * Express, 0.68–0.82 ms from here, same machine and load).
 *
 * It takes only what it can answer exactly as Express would, and declines everything else (returns
 * false, and the app serves the request): another method or URL form (a query string, a trailing
 * slash, other letter case), no token or one not in the verifier's cache, a token without
 * `snapshots:read`, an id that Express would decode or validate differently. Once it has made the
 * counted read, a refusal, a miss or a store error is handed over to the Express route with that
 * outcome (snapshot-handover.ts): the one error path answers it, and the request is counted once.
 *
 * The response is the route's own (`sendSnapshot`), with the security headers helmet sets on every
 * other response (taken from the app's helmet middleware at start, see security-headers.ts), and the
 * request metrics are recorded under the route's label, as the middleware would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkActorId } from '../adapters/pg/actor-id';
import type { ObserveRequest } from '../metrics/request-metrics';
import { bearerToken } from './auth/authenticate';
import { hasScope } from './auth/scopes';
import type { TokenVerifier } from './auth/token-verifier';
import type { RateLimiter } from './rate-limiter';
import { sendSnapshot, SNAPSHOT_ROUTE } from './routes/snapshot-route';
import type { SnapshotHandover } from './snapshot-handover';
import type { SnapshotReader } from './snapshot-reader';

/** Answers the request and returns true, or returns false having touched nothing. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Hands a request to the app (Express). */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface SnapshotFastPathDeps {
  reader: SnapshotReader;
  limiter: RateLimiter;
  verifier: TokenVerifier;
  handover: SnapshotHandover;
  /** The app: gets the requests handed over. */
  app: RequestListener;
  /** [name, value] pairs set on every response (helmet's). */
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  observe?: ObserveRequest;
}

const PREFIX = '/v1/actors/';
const SUFFIX = '/snapshot';
const routeLabel = (): string => SNAPSHOT_ROUTE;
const NO_ADDRESS = {};

/** The actor id of a canonical snapshot URL, decoded and valid, else undefined. */
function actorIdOf(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith(PREFIX) || !url.endsWith(SUFFIX)) return undefined;
  const raw = url.slice(PREFIX.length, url.length - SUFFIX.length);
  // Another path (a '/' inside), or a query string that happens to end in "/snapshot".
  if (raw.length === 0 || raw.includes('/') || raw.includes('?')) return undefined;
  try {
    return checkActorId(raw.includes('%') ? decodeURIComponent(raw) : raw, 'id');
  } catch {
    return undefined; // Express answers: 400 for a bad escape or a bad id
  }
}

export function snapshotFastPath(deps: SnapshotFastPathDeps): FastPath {
  const { reader, limiter, verifier, handover, app, securityHeaders, observe } = deps;

  return (req, res) => {
    if (req.method !== 'GET') return false;
    const token = bearerToken(req);
    if (token === undefined || token === '') return false;
    const principal = verifier.cached(token);
    // Without a subject the rate limit counts by IP address, which is Express's to work out (trust proxy).
    if (principal?.subject === undefined || !hasScope(principal.scopes, 'snapshots:read')) return false;
    const actorId = actorIdOf(req.url);
    if (actorId === undefined) return false;

    const start = process.hrtime.bigint();
    // With a subject, the subject alone keys the count (no request property is read).
    reader.read(actorId, limiter.keyOf(principal, NO_ADDRESS)).then(
      (read) => {
        if (read.decision.allowed && read.record !== undefined) {
          observe?.('GET', res, start, routeLabel);
          for (const [name, value] of securityHeaders) res.setHeader(name, value);
          sendSnapshot(req, res, read.record);
        } else {
          handover.put(req, { read });
          app(req, res);
        }
      },
      (error: unknown) => {
        handover.put(req, { error });
        app(req, res);
      },
    );
    return true;
  };
}
