/**
 * GET /v1/actors/:id/snapshot, the hot path (p99 < 1 ms at 1,000 req/s from Redis). Most requests never
 * get here: the fast path (../snapshot-fast-path.ts) answers a plain request with a known token before
 * Express, and hands everything else (a 429, a 404, a store error) over to this route with the outcome
 * of its read, so that the request is counted once and every error takes the one error path.
 *
 * This route serves the rest itself: it is registered ahead of the router's rate-limit middleware
 * because it counts the request itself, in the same Redis call as its cache read (snapshot-reader.ts):
 * one round trip, not two. The body is the JSON text the cache holds, written with one `res.end`: no
 * parse, no stringify, and no Express `res.send` (which would hash the body for an ETag of its own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response, Router } from 'express';
import type { SnapshotRecord } from '../../adapters/snapshot-record';
import { notFound } from '../api-error';
import { authorize, principalOf } from '../auth/authenticate';
import { etagMatches, snapshotEtag } from '../etag';
import { rateLimited, type RateLimiter } from '../rate-limiter';
import type { SnapshotHandover } from '../snapshot-handover';
import type { CountedRead, SnapshotReader } from '../snapshot-reader';
import { actorIdParam } from '../validate';

export interface SnapshotRouteDeps {
  reader: SnapshotReader;
  /** The reader's limiter: counts requests refused before the read. */
  limiter: RateLimiter;
  /** Outcomes of reads the fast path made and handed over. */
  handover?: SnapshotHandover;
}

/** The route's label in the request metrics (its mount path and pattern). */
export const SNAPSHOT_ROUTE = '/v1/actors/:id/snapshot';

const JSON_TYPE = 'application/json; charset=utf-8';
// Authenticated, per-actor data: caches may keep it for this client only, and must revalidate.
const CACHE_CONTROL = 'private, no-cache';

/** Answers with `record`: its validators, then 304 when the client holds it, else its JSON. */
export function sendSnapshot(req: IncomingMessage, res: ServerResponse, record: SnapshotRecord): void {
  const etag = snapshotEtag(record.version, record.registryVersion);
  res.setHeader('ETag', etag);
  res.setHeader('X-Actor-Version', record.version);
  res.setHeader('Cache-Control', CACHE_CONTROL);
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', JSON_TYPE);
  res.end(record.snapshotJson);
}

export function addSnapshotRoute(router: Router, deps: SnapshotRouteDeps): void {
  const { reader, limiter, handover } = deps;

  /** Authorizes, validates and counts the request, then reads the snapshot. */
  const countedRead = async (req: Request, res: Response): Promise<CountedRead> => {
    const rateKey = limiter.keyOf(principalOf(res), req);
    let actorId: string;
    try {
      const denied = authorize(res, 'snapshots:read');
      if (denied !== undefined) throw denied;
      actorId = actorIdParam(req);
    } catch (err) {
      // A refused request still counts, and over the limit it is the 429 that answers.
      const decision = await limiter.hit(rateKey);
      throw decision.allowed ? err : rateLimited(decision);
    }
    return reader.read(actorId, rateKey);
  };

  router.get('/actors/:id/snapshot', async (req, res) => {
    const { decision, record } = handover?.take(req) ?? (await countedRead(req, res));
    if (!decision.allowed) throw rateLimited(decision);
    if (record === undefined) throw notFound('no snapshot for this actor');
    sendSnapshot(req, res, record);
  });
}
