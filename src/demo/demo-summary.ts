/**
 * What a demo run reports: its summary, the check of the sidecar's /ready that goes into it, whether the
 * run did its job, and how the summary is printed.
 */
import { BULL_BOARD_PATH } from '../api/auth/admin-routes';
import type { LatencySummary } from './latency';

export interface DemoSummary {
  actors: number;
  workers: number;
  threads: number;
  concurrency: number;
  batch: number;
  jobs: number;
  seconds: number;
  actorsPerSecond: number;
  latency: LatencySummary;
  /** Actors whose outputs are invalid (outcome 'failed'). */
  failures: number;
  /** Jobs that failed for good (after their retries). */
  failedJobs: number;
  /** Rows in `snapshots`, and actors without a current one. */
  snapshots: number;
  actorsWithoutSnapshot: number;
  /** Keys under `<prefix>:snapshot:`. */
  cachedSnapshots: number;
  logFile: string;
  /** The sidecar's address, and whether its /ready answered 200 after the run. */
  sidecar: { url: string; ready: boolean; logFile: string };
}

/** Whether the sidecar's /ready answers 200 (its Postgres, Redis and migrations are fine). */
export async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

/**
 * Whether the run did its job: every actor has its snapshot, except those with invalid outputs, and
 * the sidecar is ready.
 */
export function demoSucceeded(s: DemoSummary): boolean {
  return s.actorsWithoutSnapshot === s.failures && s.failedJobs === 0 && s.sidecar.ready;
}

export function printSummary(s: DemoSummary, say: (line: string) => void): void {
  const ok = demoSucceeded(s);
  say('');
  say(
    `demo: ${formatInt(s.actors)} actors, ${s.workers} workers × ${s.threads} thread(s), ` +
      `concurrency ${s.concurrency}, ${s.jobs} jobs of up to ${s.batch} actors`,
  );
  say(`  seconds            ${s.seconds.toFixed(2)}  (from enqueueAll to the last job's completed event)`);
  say(`  actors/s           ${formatInt(s.actorsPerSecond)}`);
  say(
    `  latency p50 / p99  ${formatInt(s.latency.p50)} / ${formatInt(s.latency.p99)} ms` +
      '  (per actor: enqueuedAt to its job’s completed event)',
  );
  say(`  failures           ${s.failures} actors${s.failedJobs > 0 ? `, ${s.failedJobs} jobs failed` : ''}`);
  say(
    `  snapshots          ${formatInt(s.snapshots)} rows in Postgres, ${formatInt(s.cachedSnapshots)} in Redis; ` +
      (s.actorsWithoutSnapshot === 0
        ? 'every actor has a current snapshot'
        : `${formatInt(s.actorsWithoutSnapshot)} actors without a current snapshot`) +
      (ok ? '' : ' — NOT OK'),
  );
  say(`  worker logs        ${s.logFile}`);
  say(
    `  sidecar            ${s.sidecar.url}: /ready ${s.sidecar.ready ? 'OK' : 'NOT OK'}, ` +
      `Bull Board at ${BULL_BOARD_PATH} (logs: ${s.sidecar.logFile})`,
  );
}
