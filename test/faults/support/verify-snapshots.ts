/**
 * The end check of a scenario, over every actor (not a sample), in pages of bulk queries: each actor
 * has, in Postgres and in Redis, a snapshot at its current `actors.version` under the current
 * registries, whose content equals a fresh in-process resolve of its current outputs. A snapshot from
 * stale data (an older version, or content resolved from older outputs) is a problem, named.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { actorLine, loadActorLines } from '../../../src/adapters/pg';
import { resolveActorLine } from '../../../src/core';
import type { LoadedRegistries } from '../../../src/registry';
import { pgSnapshots, redisSnapshots } from '../../support/cluster';
import { sameJson } from '../../support/shared';

export interface Verification {
  /** Rows in `actors`. */
  actors: number;
  /** Actors whose Postgres snapshot is at their version and registry (one SQL count). */
  pgAtVersion: number;
  /** Actors whose cached Redis value is at their version and registry. */
  redisAtVersion: number;
  /** Actors whose Postgres snapshot equals resolveActorLine of their current stored outputs. */
  pgContentEqual: number;
  /** The same for the Redis value. */
  redisContentEqual: number;
  problemCount: number;
  /** The first problems, one line each. */
  problems: string[];
}

const PAGE = 1000;
const SHOWN_PROBLEMS = 20;

export async function verifyAllSnapshots(
  pool: pg.Pool,
  redis: Redis,
  keyPrefix: string,
  registries: LoadedRegistries,
): Promise<Verification> {
  const registryVersion = registries.registryVersion;
  const counted = await pool.query<{ actors: string; at_version: string }>(
    `SELECT count(*) AS actors,
            count(s.actor_id) FILTER (WHERE s.version = a.version AND s.registry_version = $1) AS at_version
     FROM actors a LEFT JOIN snapshots s ON s.actor_id = a.id`,
    [registryVersion],
  );
  const result: Verification = {
    actors: Number(counted.rows[0]!.actors),
    pgAtVersion: Number(counted.rows[0]!.at_version),
    redisAtVersion: 0,
    pgContentEqual: 0,
    redisContentEqual: 0,
    problemCount: 0,
    problems: [],
  };
  const problem = (line: string): void => {
    result.problemCount++;
    if (result.problems.length < SHOWN_PROBLEMS) result.problems.push(line);
  };

  let after = '';
  for (;;) {
    const page = await pool.query<{ id: string }>(
      'SELECT id FROM actors WHERE id > $1 ORDER BY id LIMIT $2',
      [after, PAGE],
    );
    const ids = page.rows.map((row) => row.id);
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const [loaded, inPg, inRedis] = await Promise.all([
      loadActorLines(pool, ids, { text: true }),
      pgSnapshots(pool, ids),
      redisSnapshots(redis, keyPrefix, ids),
    ]);
    for (const id of loaded.missing) problem(`${id}: deleted during the check`);
    for (const actor of loaded.actors) {
      const id = actor.actorId;
      const expected = resolveActorLine(actorLine(actor), registries.compiled);
      if (!('snapshot' in expected)) {
        problem(`${id}: its stored outputs do not resolve (${expected.error.code})`);
        continue;
      }
      for (const [store, record] of [
        ['Postgres', inPg.get(id)],
        ['Redis', inRedis.get(id)],
      ] as const) {
        if (record === undefined) {
          problem(`${id}: no snapshot in ${store} (actor v${actor.version})`);
          continue;
        }
        const atVersion = record.version === actor.version && record.registryVersion === registryVersion;
        if (!atVersion) {
          problem(
            `${id}: ${store} holds v${record.version} (${record.registryVersion}), actor is v${actor.version}`,
          );
        } else if (store === 'Redis') {
          result.redisAtVersion++;
        }
        if (sameJson(record.snapshot, expected.snapshot)) {
          if (store === 'Postgres') result.pgContentEqual++;
          else result.redisContentEqual++;
        } else {
          problem(`${id}: the ${store} snapshot differs from a fresh resolve of its current outputs`);
        }
      }
    }
    if (ids.length < PAGE) break;
  }
  return result;
}
