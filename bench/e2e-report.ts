/**
 * What the end-to-end benchmark prints and writes: the tables, the results file
 * (bench/results/e2e-<timestamp>.json, small), the sweep chart and the last JSON line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BareResult } from './e2e-bare';
import type { E2eResult } from './e2e-run';
import { INTERACTIVE_STAGES } from './e2e-stages';
import { groupedBarChart } from './svg-chart';
import type { SettledDatabase } from './settle-database';
import { fig, repoRoot, table, type Environment } from './support';

export interface ConfigReport {
  result: E2eResult;
  /** Bare BullMQ with the same jobs (count, data, priorities), no-op processors. */
  bare: BareResult;
}

export interface BenchReport {
  env: Environment;
  stores: { postgres: boolean; redis: boolean };
  seed: { actors: number; seconds: number };
  /** VACUUM ANALYZE and CHECKPOINT after the seed, before any clock starts. */
  settled: SettledDatabase;
  configs: ConfigReport[];
  bareSingles: BareResult[];
}

/** Every actor written once, nothing failed, and as many snapshots in Postgres and in Redis. */
export function verified(e: E2eResult): boolean {
  const total = e.actors + e.interactive;
  return e.failedJobs === 0 && e.counts.failed === 0 && e.pgSnapshots === total && e.redisSnapshots === total;
}

export function bestConfig(configs: readonly ConfigReport[]): ConfigReport | undefined {
  return configs.reduce<ConfigReport | undefined>(
    (a, r) => (a === undefined || r.result.actorsPerSecond > a.result.actorsPerSecond ? r : a),
    undefined,
  );
}

/** One configuration as a flat record (results file and JSON line). */
export function compact({ result: e, bare }: ConfigReport): Record<string, unknown> {
  return {
    workers: e.workers,
    threads: e.threads,
    batch: e.batch,
    concurrency: e.concurrency,
    interactive_workers: e.interactiveWorkers,
    bulk_nice: e.interactiveWorkers > 0 ? e.bulkNice : 0,
    warm_up_ms: e.warmUpMs,
    warm_pass_actors: e.warmPassActors,
    warm_pass_rounds: e.warmPassActors > 0 ? e.warmRounds : 0,
    warm_pass_ms: e.warmPassMs,
    actors: e.actors,
    interactive: e.interactive,
    seconds: fig(e.seconds),
    actors_per_s: Math.round(e.actorsPerSecond),
    p50_ms: Math.round(e.latency.p50),
    p99_ms: Math.round(e.latency.p99),
    interactive_p50_ms: Math.round(e.interactiveLatency.p50),
    interactive_p99_ms: Math.round(e.interactiveLatency.p99),
    interactive_stored_p50_ms: Math.round(e.interactiveStoredLatency.p50),
    interactive_stored_p99_ms: Math.round(e.interactiveStoredLatency.p99),
    interactive_stored_ms: e.interactiveStoredMs,
    interactive_during_bulk: e.interactiveDuringBulk,
    failures: e.counts.failed,
    failed_jobs: e.failedJobs,
    outcomes: e.counts,
    pg_snapshots: e.pgSnapshots,
    redis_snapshots: e.redisSnapshots,
    jobs: e.bulkJobs + e.interactive,
    load_ms_per_job: fig(e.timings.loadMs),
    resolve_ms_per_job: fig(e.timings.resolveMs),
    write_ms_per_job: fig(e.timings.writeMs),
    job_ms: fig(e.timings.jobMs),
    event_lag_ms: fig(e.timings.eventLagMs),
    slot_use: fig(e.timings.slotUse),
    interactive_stages_ms: Object.fromEntries(
      INTERACTIVE_STAGES.map((stage) => {
        const l = e.interactiveStages[stage];
        return [stage, { p50: fig(l.p50), p99: fig(l.p99), max: fig(l.max) }];
      }),
    ),
    ...(e.cpu === undefined
      ? {}
      : {
          cpu_s: {
            workers: fig(e.cpu.workers),
            workers_main: fig(e.cpu.workersMain),
            postgres: fig(e.cpu.postgres),
            redis: fig(e.cpu.redis),
            bench: fig(e.cpu.bench),
          },
        }),
    bare_same_jobs_s: fig(bare.seconds),
    bare_same_jobs_per_s: Math.round(bare.jobsPerSecond),
    pipeline_vs_bare_ratio: fig(e.seconds / bare.seconds),
  };
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

function warmPassText(result: E2eResult | undefined): string {
  if (result === undefined || result.warmPassActors === 0) return 'no warm pass';
  const times = result.warmRounds === 1 ? 'once' : `${result.warmRounds} times`;
  return `a warm pass: ${result.warmPassActors} other actors through the pipeline ${times} (its results removed)`;
}

export function printReport(report: BenchReport): void {
  const { env, configs } = report;
  const first = configs[0]?.result;
  const seedRate = Math.round(report.seed.actors / report.seed.seconds);
  console.log(
    `e2e bench: ${first?.actors ?? 0} standard actors (+${first?.interactive ?? 0} interactive, ` +
      `+${first?.warmPassActors ?? 0} for the warm pass), ${report.seed.actors} seeded in ` +
      `${report.seed.seconds.toFixed(1)} s (${seedRate} actors/s); ${env.cpus} CPUs (${env.cpu}), Node ${env.node}`,
  );
  const { checkpoint, seconds } = report.settled;
  console.log(
    `then VACUUM ANALYZE and CHECKPOINT (${checkpoint}) in ${seconds.toFixed(1)} s` +
      (checkpoint === 'done'
        ? ', so that no checkpoint of the seed overlaps a timed run'
        : ': a checkpoint of the seed may overlap the timed runs (grant pg_checkpoint to avoid it)'),
  );
  console.log(
    `postgres ${report.stores.postgres ? 'private (started here)' : 'from DATABASE_URL'}, ` +
      `redis ${report.stores.redis ? 'private (started here)' : 'from REDIS_URL'}; clock: first enqueue → ` +
      'last completed event (each job has then written Postgres and Redis; both counted after); ' +
      `workers started and warmed up (${first?.warmUpMs ?? 0} ms), then ${warmPassText(first)}, ` +
      'before it; latencies: enqueue → ' +
      'completed event at the producer, "stored": enqueue → the job\'s writes finished',
  );
  console.log(
    first === undefined || first.interactiveWorkers === 0
      ? 'lanes: every worker process serves bulk and interactive jobs, at normal priority\n'
      : `lanes: ${first.interactiveWorkers} interactive-lane process(es) besides the W bulk-lane ones, ` +
          `which run at nice ${first.bulkNice}\n`,
  );
  const head = ['W', 'T', 'batch'];
  const key = (e: E2eResult): number[] => [e.workers, e.threads, e.batch];
  console.log(
    table([
      [
        ...head,
        'conc',
        'actors/s',
        's',
        'p50 ms',
        'p99 ms',
        'int p50',
        'int p99',
        'int p99 stored',
        'bare s',
        '× bare',
        'ok',
      ],
      ...configs.map(({ result: e, bare }) => [
        ...key(e),
        e.concurrency,
        Math.round(e.actorsPerSecond),
        fig(e.seconds),
        Math.round(e.latency.p50),
        Math.round(e.latency.p99),
        Math.round(e.interactiveLatency.p50),
        Math.round(e.interactiveLatency.p99),
        Math.round(e.interactiveStoredLatency.p99),
        fig(bare.seconds),
        fig(e.seconds / bare.seconds),
        verified(e)
          ? 'yes'
          : `NO (pg ${e.pgSnapshots}, redis ${e.redisSnapshots}, failed ${e.counts.failed})`,
      ]),
    ]),
  );
  console.log(
    '\nwhere a bulk job spends its time (means per job, from the workers\' debug "batch timings"):\n',
  );
  console.log(
    table([
      [...head, 'load ms', 'resolve ms', 'write ms', 'job ms', 'job µs/actor', 'event lag ms', 'slot use'],
      ...configs.map(({ result: e }) => [
        ...key(e),
        fig(e.timings.loadMs),
        fig(e.timings.resolveMs),
        fig(e.timings.writeMs),
        fig(e.timings.jobMs),
        fig((e.timings.jobMs * 1000) / e.batch),
        fig(e.timings.eventLagMs),
        pct(e.timings.slotUse),
      ]),
    ]),
  );
  console.log(
    '\nwhere an interactive job spends its time, ms, p50 / p99 / max over its jobs (wait = enqueue → taken,' +
      ' event = finished → completed event at the producer):\n',
  );
  console.log(
    table([
      [...head, ...INTERACTIVE_STAGES],
      ...configs.map(({ result: e }) => [
        ...key(e),
        ...INTERACTIVE_STAGES.map((stage) => {
          const l = e.interactiveStages[stage];
          return `${fig(l.p50)} / ${fig(l.p99)} / ${fig(l.max)}`;
        }),
      ]),
    ]),
  );
  const withCpu = configs.filter((r) => r.result.cpu !== undefined);
  if (withCpu.length > 0) {
    console.log(
      '\nCPU during the run, µs per actor (user + system; worker threads = all but the main thread, mostly ' +
        `resolve); "of available" = all CPU seconds / (run seconds × ${env.cpus} CPUs):\n`,
    );
    console.log(
      table([
        [...head, 'worker main', 'worker threads', 'postgres', 'redis', 'bench', 'total', 'of available'],
        ...withCpu.map(({ result: e }) => {
          const c = e.cpu!;
          const us = (seconds: number): number => fig((seconds * 1e6) / (e.actors + e.interactive));
          const sum = c.workers + c.postgres + c.redis + c.bench;
          return [
            ...key(e),
            us(c.workersMain),
            us(c.workers - c.workersMain),
            us(c.postgres),
            us(c.redis),
            us(c.bench),
            us(sum),
            pct(sum / (e.seconds * env.cpus)),
          ];
        }),
      ]),
    );
  }
  const best = bestConfig(configs);
  if (report.bareSingles.length > 0) {
    console.log('\nbare BullMQ, single no-op jobs (1 worker process):\n');
    console.log(
      table([
        ['jobs', 'concurrency', 'jobs/s', 's', 'add s', 'pipeline actors/s ÷ jobs/s'],
        ...report.bareSingles.map((b) => [
          b.jobs,
          b.concurrency,
          Math.round(b.jobsPerSecond),
          fig(b.seconds),
          fig(b.addSeconds),
          best === undefined ? '' : fig(best.result.actorsPerSecond / b.jobsPerSecond),
        ]),
      ]),
    );
  }
}

function bareSingleRecords(
  report: BenchReport,
): { jobs: number; concurrency: number; jobs_per_s: number; seconds: number }[] {
  return report.bareSingles.map((b) => ({
    jobs: b.jobs,
    concurrency: b.concurrency,
    jobs_per_s: Math.round(b.jobsPerSecond),
    seconds: fig(b.seconds),
  }));
}

export const RESULTS_DIR = path.join(repoRoot, 'bench', 'results');

/** Writes bench/results/e2e-<stamp>.json; returns its path. */
export function writeResults(report: BenchReport, stamp: string): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `e2e-${stamp}.json`);
  const body = {
    date: new Date().toISOString(),
    environment: report.env,
    stores: report.stores,
    seed: {
      actors: report.seed.actors,
      seconds: fig(report.seed.seconds),
      actors_per_s: Math.round(report.seed.actors / report.seed.seconds),
    },
    settled: { checkpoint: report.settled.checkpoint, seconds: fig(report.settled.seconds) },
    configs: report.configs.map(compact),
    bare_single: bareSingleRecords(report),
  };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 1)}\n`);
  return file;
}

/** `2 workers × 1 thread`. */
function pairLabel(workers: number, threads: number): string {
  return `${workers} worker${workers === 1 ? '' : 's'} × ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Writes bench/results/e2e-throughput.svg: actors/s per batch size, one bar per workers × threads. */
export function writeChart(report: BenchReport, batches: readonly number[], stamp: string): string {
  const results = report.configs.map((r) => r.result);
  const pairs = [...new Map(results.map((e) => [`${e.workers}×${e.threads}`, e])).values()];
  const first = results[0];
  const svg = groupedBarChart({
    title: 'Actor Core end to end: actors/s by workers × threads and batch size',
    subtitle:
      `${first?.actors ?? 0} standard actors, concurrency ${first?.concurrency ?? '?'} per worker, ` +
      `${report.env.cpus} CPUs, local Postgres + Redis, ${stamp.slice(0, 10)}`,
    yLabel: 'actors/s (first enqueue → last snapshot)',
    xLabel: 'actors per job (batch)',
    groups: batches.map((b) => `batch ${b}`),
    series: pairs.map((pair) => ({
      label: pairLabel(pair.workers, pair.threads),
      values: batches.map(
        (b) =>
          results.find((e) => e.workers === pair.workers && e.threads === pair.threads && e.batch === b)
            ?.actorsPerSecond,
      ),
    })),
  });
  const file = path.join(RESULTS_DIR, 'e2e-throughput.svg');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(file, svg);
  return file;
}

/** The last line with --json: the best configuration, the bare figures, and where the results are. */
export function jsonLine(report: BenchReport, resultsFile: string): string | undefined {
  const best = bestConfig(report.configs);
  if (best === undefined) return undefined;
  const singles = bareSingleRecords(report);
  const single = (c: number): number | null => singles.find((b) => b.concurrency === c)?.jobs_per_s ?? null;
  return JSON.stringify({
    ...compact(best),
    bare_single_c1_jobs_per_s: single(1),
    bare_single_c50_jobs_per_s: single(50),
    verified: report.configs.every((r) => verified(r.result)),
    configs: report.configs.length,
    cpus: report.env.cpus,
    node: report.env.node,
    results_file: path.relative(repoRoot, resultsFile),
  });
}
