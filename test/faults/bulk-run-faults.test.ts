/**
 * The deployment issue's fault injection: a bulk run of 20,000 standard actors on two worker processes,
 * hit mid-run (about 30 % done) by one fault per scenario —
 *   1. one worker SIGKILLed (no replacement: the other worker must take its jobs over as stalled);
 *   2. Redis SIGKILLed and started again on the same port from its AOF (appendfsync everysec);
 *   3. Redis started from its AOF as it was 1 s before (a failover to a replica that lagged: job
 *      moves, completions and cached snapshots of that time are forgotten, Postgres keeps its writes);
 *   4. PostgreSQL stopped in immediate mode (no checkpoint: crash recovery at start) and started again;
 * with, in 2 and 4, actors written during the run (before, during and after the outage). After each,
 * every actor holds, in Postgres and in Redis, a snapshot at its current version whose content equals a
 * fresh resolve of its current outputs — all of them, checked in bulk — no job failed for good, no job
 * id is missing, and the workers ride through on their own and drain cleanly on SIGTERM. Each scenario
 * prints its recovery times and retries (FAULT_SUMMARY lines).
 *
 * The servers are the suite's own (seeded once); each scenario resets the snapshots and uses a queue
 * and key prefix of its own. FAULT_ACTORS overrides the actor count (e.g. for a quick local run).
 */
import { sleep } from '../support/cluster';
import { copyAof } from './support/aof-copy';
import { BulkRun, type BulkRunOptions } from './support/bulk-run';
import { log, startFaultStores, type FaultStores } from './support/fault-stores';
import { printSummary, summarize, type ScenarioSummary } from './support/run-summary';
import { verifyAllSnapshots } from './support/verify-snapshots';

const ACTORS = Number(process.env.FAULT_ACTORS ?? 20_000);
/** Short lock and stalled intervals, so that a dead worker's jobs are taken over within seconds. */
const RUN: Omit<BulkRunOptions, 'label'> = {
  workers: 2,
  batchSize: 250,
  lockDurationMs: 5000,
  stalledIntervalMs: 5000,
};
/**
 * How long a restarted server stays down (port closed), about what a process restart takes;
 * FAULT_DOWNTIME_MS overrides it (to find how long an outage the retries ride through).
 */
const DOWNTIME_MS = Number(process.env.FAULT_DOWNTIME_MS ?? 3000);
/** How far behind the replica a failover promotes is (its data is the AOF as it was that long before). */
const LAG_MS = 1000;
/** The share of bulk jobs done when the fault is injected; writes begin a little earlier. */
const FAULT_AT = 0.3;
const WRITES_FROM = 0.15;
/** Writes go on this long after the server is back. */
const WRITES_AFTER_MS = 1500;
const WRITE_PAUSE_MS = 20;

let stores: FaultStores | undefined;
const summaries: ScenarioSummary[] = [];

beforeAll(async () => {
  stores = await startFaultStores(ACTORS);
}, 300_000);

afterAll(async () => {
  await stores?.stop();
  if (summaries.length > 0) {
    process.stdout.write(`[faults] all scenarios:\n${summaries.map((s) => JSON.stringify(s)).join('\n')}\n`);
  }
});

interface Fault {
  name: string;
  /** Whether actors are written during the run (and through the fault). */
  writes: boolean;
  /** Injects the fault; resolves once the servers are back (the workers must recover on their own). */
  inject(run: BulkRun, stores: FaultStores): Promise<void>;
}

async function runScenario(scenario: string, fault: Fault): Promise<ScenarioSummary> {
  const s = stores!;
  const run = await BulkRun.open(s, { ...RUN, label: `faults-${scenario}` });
  try {
    await run.enqueueAll();
    if (fault.writes) {
      await run.waitForProgress(WRITES_FROM);
      run.updater.start(WRITE_PAUSE_MS);
    }
    await run.waitForProgress(FAULT_AT);
    const progressAtFault = run.bulkProgress();
    const faultAt = Date.now();
    log(`${scenario}: injecting "${fault.name}" at ${Math.round(progressAtFault * 100)} % of the bulk jobs`);
    await fault.inject(run, s);
    const faultEnd = Date.now();
    log(`${scenario}: fault over after ${faultEnd - faultAt} ms; waiting for the run to finish`);
    if (fault.writes) await sleep(WRITES_AFTER_MS);
    const updates = await run.updater.stop();
    await run.waitUntilDone(240_000);

    const exits = await run.stopWorkers();
    const stats = await run.jobStats();
    const verification = await verifyAllSnapshots(s.pool, run.monitor, run.keyPrefix, s.registries);
    const summary = summarize({
      scenario,
      fault: fault.name,
      actors: s.ids.length,
      enqueuedAt: run.enqueuedAt,
      faultAt,
      faultEnd,
      progressAtFault,
      stats,
      updates,
      verification,
      attemptLimit: run.settings.queue.attempts,
    });
    summaries.push(summary);
    printSummary(summary);

    // The fault hit a run in progress, and the workers rode through it on their own.
    expect(progressAtFault).toBeLessThan(1);
    expect(exits.every((exit) => exit.code === 0 && exit.signal === null)).toBe(true);
    // Nothing lost: every job anyone was given an id for completed; none failed for good.
    expect({ failed: stats.failedReasons, notCompleted: stats.notCompleted, lost: stats.lost }).toEqual({
      failed: [],
      notCompleted: [],
      lost: [],
    });
    // Every actor, in both stores, at its version and equal to a fresh resolve of its current outputs.
    expect(verification.problems).toEqual([]);
    expect(verification).toMatchObject({
      actors: s.ids.length,
      pgAtVersion: s.ids.length,
      redisAtVersion: s.ids.length,
      pgContentEqual: s.ids.length,
      redisContentEqual: s.ids.length,
      problemCount: 0,
    });
    expect(updates.otherErrors).toEqual([]);
    return summary;
  } finally {
    await run.close();
  }
}

describe('a bulk run of standard actors on two worker processes survives', () => {
  it('a worker SIGKILLed mid-run: the other worker takes its jobs over as stalled', async () => {
    const summary = await runScenario('worker-sigkill', {
      name: 'SIGKILL worker 1 of 2, no replacement',
      writes: false,
      inject: (run) => run.killWorker(0),
    });
    expect(summary.retries.stalledRecovered).toBeGreaterThan(0);
  });

  it('Redis SIGKILLed mid-run and started again from its AOF, while actors are written', async () => {
    const summary = await runScenario('redis-restart', {
      name: `Redis SIGKILL, ${DOWNTIME_MS} ms down, restart on the same port from the AOF`,
      writes: true,
      inject: async (run, s) => {
        // Whether the kill lands while Redis holds AOF writes back (everysec, slow fsync): those are lost.
        const aof = (await run.monitor.info('persistence'))
          .split('\r\n')
          .filter((line) => /^aof_(buffer_length|pending_bio_fsync|delayed_fsync|current_size):/.test(line));
        log(`redis-restart: AOF at the kill: ${aof.join(', ')}`);
        await s.redis.restart({ signal: 'SIGKILL', downtimeMs: DOWNTIME_MS });
      },
    });
    // The writes met the outage: their enqueues failed fast and were retried.
    expect(summary.updates.enqueueRetries).toBeGreaterThan(0);
  });

  it('Redis failed over to a replica that lagged behind: the work it forgot is done again, in both stores', async () => {
    let completedAtKill = 0;
    let completedAfter = 0;
    await runScenario('redis-rollback', {
      name: `Redis SIGKILLed and started from its AOF as it was ${LAG_MS} ms before (a failover to a lagging replica)`,
      writes: false,
      inject: async (run, s) => {
        const copy = await copyAof(run.monitor, s.redis.dataDir);
        try {
          await sleep(LAG_MS);
          completedAtKill = await run.completedJobs();
          await s.redis.restart({
            signal: 'SIGKILL',
            downtimeMs: DOWNTIME_MS,
            whileDown: (dir) => copy.restore(dir),
          });
          completedAfter = await run.completedJobs();
        } finally {
          copy.dispose();
        }
      },
    });
    log(`redis-rollback: ${completedAtKill} jobs completed at the kill, ${completedAfter} after the restart`);
    // Redis forgot completed jobs, and their cached snapshots (runScenario checked both stores after).
    expect(completedAfter).toBeLessThan(completedAtKill);
  });

  it('PostgreSQL stopped in immediate mode mid-run and started again, while actors are written', async () => {
    const summary = await runScenario('postgres-restart', {
      name: `PostgreSQL immediate stop, ${DOWNTIME_MS} ms down, restart with crash recovery`,
      writes: true,
      inject: (_run, s) => s.postgres.restart({ mode: 'immediate', downtimeMs: DOWNTIME_MS }),
    });
    // The writes met the outage: they failed as STORE_UNAVAILABLE and were retried.
    expect(summary.updates.writeRetries).toBeGreaterThan(0);
  });
});
