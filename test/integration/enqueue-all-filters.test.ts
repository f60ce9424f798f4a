/**
 * Which actors `enqueueAll` picks: all, the stale ones (snapshot missing or older than the actor), and
 * not those whose current version failed validation (`skipFailed`) — through the library, the CLI and
 * the API alike.
 */
import type { Job } from 'bullmq';
import { ActorRepository, SnapshotRepository } from '../../src/adapters/pg';
import { recordFailures } from '../../src/adapters/pg/resolution-errors';
import { ActorCoreError } from '../../src/core/errors';
import type { EnqueueAllFilter } from '../../src/producer';
import type { ResolveJobData } from '../../src/queue/resolve-jobs';
import { runCliAsync, assertBuilt } from '../support/cli';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';
import { closeAll, connect, openProducer, testQueue } from '../support/producer';

let db: TestDatabase;

/** One actor of each kind the filters tell apart. */
const ACTORS = {
  current: 'current', // snapshot at its version
  behind: 'behind', // snapshot of an older version
  unresolved: 'unresolved', // no snapshot
  failed: 'failed', // no snapshot, and its version failed validation
  fixed: 'fixed', // failed at an older version, written since
} as const;

beforeAll(async () => {
  assertBuilt();
  db = await migratedDatabase('enqueue_all_filters');
  const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  for (const id of Object.values(ACTORS)) await actors.putSubsystem(id, outputOf('items', 1));
  const snapshots = new SnapshotRepository(db.pool);
  const registryVersion = db.registries.registryVersion;
  const snapshotJson = '{}';
  await snapshots.writeSnapshots([{ actorId: ACTORS.current, version: 1, registryVersion, snapshotJson }]);
  await snapshots.writeSnapshots([{ actorId: ACTORS.behind, version: 1, registryVersion, snapshotJson }]);
  await actors.putSubsystem(ACTORS.behind, outputOf('items', 2));
  const error = new ActorCoreError(
    'INVALID_TYPE',
    'bucket must be FLAT, MULT, POST_ADD or OVERRIDE',
  ).toJSON();
  await recordFailures(db.pool, [
    { actorId: ACTORS.failed, version: 1, error },
    { actorId: ACTORS.fixed, version: 1, error },
  ]);
  await actors.putSubsystem(ACTORS.fixed, outputOf('items', 2));
});
afterEach(closeAll);
afterAll(async () => {
  await db.close();
});

/** The actors of the jobs `filter` enqueues, sorted. */
async function picked(filter: EnqueueAllFilter): Promise<string[]> {
  const producer = openProducer({ connection: connect(), queue: testQueue('enqueue-all'), pool: db.pool });
  await producer.enqueueAll(filter);
  const jobs = (await producer.queue.getJobs(['prioritized', 'wait'])) as Job<ResolveJobData>[];
  return jobs.flatMap((job) => job.data.actorIds).sort();
}

describe('enqueueAll', () => {
  it('picks every actor, the stale ones, or those not failed at their version', async () => {
    expect(await picked({})).toEqual(Object.values(ACTORS).sort());
    expect(await picked({ stale: true })).toEqual(['behind', 'failed', 'fixed', 'unresolved']);
    expect(await picked({ stale: true, skipFailed: true })).toEqual(['behind', 'fixed', 'unresolved']);
    expect(await picked({ skipFailed: true })).toEqual(['behind', 'current', 'fixed', 'unresolved']);
  });

  it('takes the same filter from the CLI: enqueue --all --stale --skip-failed', async () => {
    const queue = testQueue('enqueue-all-cli');
    const env = { DATABASE_URL: db.url, QUEUE_NAME: queue.name, QUEUE_PREFIX: queue.prefix };
    const result = await runCliAsync(['enqueue', '--all', '--stale', '--skip-failed'], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('enqueued 3 actors in 1 jobs\n');
  });
});
