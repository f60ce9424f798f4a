/**
 * Express middleware recording `actor_core_requests_total{method,route,status}` and
 * `actor_core_request_duration_seconds{method,route}` for every request, labelled with the matched
 * route pattern (`/actors/:id`), never the raw URL: one series per route, not one per actor id.
 *
 * The pattern is captured when the router assigns `req.route`, together with the `req.baseUrl` of that
 * moment: by the time the response finishes, a router that passed an error on may have restored
 * `baseUrl` already. Requests no route matched are labelled `<mount>/*` when served by middleware under
 * a mount path (static files) and `unmatched` otherwise (404s), so scanners cannot mint new series.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Metrics } from './create-metrics';

/** What `req.route` holds: an express Route, whose path is a string (or, rarely, a RegExp or an array). */
interface RouteLike {
  path?: unknown;
}

export const UNMATCHED_ROUTE = 'unmatched';

function patternOf(route: RouteLike | undefined): string {
  const path = route?.path;
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(String).join('|');
  return path === undefined ? '' : String(path);
}

const ROUTE = Symbol('actor-core.route');
const MATCHED = Symbol('actor-core.matchedRoute');

interface TrackedRequest {
  [ROUTE]?: unknown;
  [MATCHED]?: string;
  baseUrl: string;
}

/**
 * The router assigns `req.route`; an accessor catches the assignment. It is defined once on the
 * request prototype, not per request: a per-request `defineProperty` gives every request object its
 * own shape and closures, which measurably raised the hot route's p99 through promoted garbage.
 */
const tracked = new WeakSet<object>();

function trackRouteAssignments(req: Request): void {
  const proto = Object.getPrototypeOf(req) as object;
  if (tracked.has(proto)) return;
  tracked.add(proto);
  Object.defineProperty(proto, 'route', {
    configurable: true,
    enumerable: false,
    get(this: TrackedRequest) {
      return this[ROUTE];
    },
    set(this: TrackedRequest, value: unknown) {
      this[ROUTE] = value;
      this[MATCHED] = `${this.baseUrl}${patternOf(value as RouteLike)}` || '/';
    },
  });
}

/**
 * Records one request's metrics when its response is done: `route()` gives the label then. A response
 * whose client went away before it was sent is nginx's 499, so it is not counted as a 200.
 */
export type ObserveRequest = (
  method: string,
  res: ServerResponse,
  start: bigint,
  route: () => string,
) => void;

export function requestObserver(metrics: Pick<Metrics, 'requestsTotal' | 'requestDuration'>): ObserveRequest {
  return (method, res, start, route) => {
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const label = route();
      const status = res.writableFinished ? String(res.statusCode) : '499';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.requestsTotal.inc({ method, route: label, status });
      metrics.requestDuration.observe({ method, route: label }, seconds);
    };
    res.once('finish', record);
    res.once('close', record);
  };
}

/** Records the request metrics; mount it first, before the routers. */
export function requestMetrics(metrics: Pick<Metrics, 'requestsTotal' | 'requestDuration'>): RequestHandler {
  const observe = requestObserver(metrics);
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    trackRouteAssignments(req);
    observe(req.method, res, start, () => {
      const matched = (req as unknown as TrackedRequest)[MATCHED];
      return matched ?? (req.baseUrl !== '' && res.statusCode < 400 ? `${req.baseUrl}/*` : UNMATCHED_ROUTE);
    });
    next();
  };
}
