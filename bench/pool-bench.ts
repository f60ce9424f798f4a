/**
 * In process vs a piscina pool, on the same actor lines: (a) the main thread, resolveLineToJson on each
 * line; (b) a pool of 1 thread and (c) a pool of 2 threads, each for several chunk sizes (actors per
 * task). The per-task overhead says which chunk size makes a task worth sending to a thread.
 *
 *   npm run bench:pool -- [--input FILE.jsonl] [--actors N] [--chunk 1,10,100,1000] [--threads 1,2]
 *                         [--rounds R] [--registry FILE] [--json]
 *
 * Without --input, N (default 10,000) standard actors come from ../shared/workload/generate.mjs.
 * Every case: one warm-up pass, then R measured passes (default 3); the median pass is reported.
 * A pass submits all chunks at once and waits for all results; the pool results are checked to be
 * byte-identical to the in-process ones.
 */
import { parseArgs } from 'node:util';
import { resolveLineToJson, type CompiledRegistries } from '../src/core';
import { createResolvePool, type ChunkResult, type ResolvePool, type ResolveTask } from '../src/pool';
import {
  WORKLOAD_OPTIONS,
  environment,
  fig,
  intList,
  loadBenchInput,
  median,
  refuseFigures,
  settle,
  table,
} from './support';

interface PoolCase {
  threads: number;
  chunk: number;
  tasks: number;
  wallNs: number;
  /** Σ resolveNs the threads reported: their own work, without messaging. */
  threadNs: number;
  errors: number;
  identical: boolean;
}

function inProcessPass(lines: readonly string[], registries: CompiledRegistries): string[] {
  const out = new Array<string>(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = resolveLineToJson(lines[i]!, registries, i + 1);
  return out;
}

function chunkTasks(lines: readonly string[], chunk: number): ResolveTask[] {
  const tasks: ResolveTask[] = [];
  for (let i = 0; i < lines.length; i += chunk)
    tasks.push({ lines: lines.slice(i, i + chunk).join('\n'), firstLine: i + 1 });
  return tasks;
}

async function poolPass(pool: ResolvePool, tasks: readonly ResolveTask[]): Promise<ChunkResult[]> {
  return Promise.all(tasks.map((task) => pool.run(task)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...WORKLOAD_OPTIONS,
      chunk: { type: 'string', default: '1,10,100,1000' },
      threads: { type: 'string', default: '1,2' },
    },
    strict: true,
    allowPositionals: false,
  });
  const { rounds, workload, lines, registries } = loadBenchInput(values);
  const chunks = [...new Set(intList(values.chunk, '--chunk'))].sort((a, b) => a - b);
  const threadCounts = [...new Set(intList(values.threads, '--threads'))].sort((a, b) => a - b);
  const n = lines.length;
  const env = environment();
  console.log(`pool bench: ${n} actors from ${workload.source}`);
  console.log(
    `chunks ${chunks.join(', ')} actors/task; pools of ${threadCounts.join(', ')} thread(s); ` +
      `1 warm-up + ${rounds} measured passes each, median reported; ${env.node}, ${env.cpu}, ` +
      `${env.parallelism} hardware threads`,
  );

  // (a) in process, on the main thread.
  inProcessPass(lines, registries.compiled);
  const inProcessNs: number[] = [];
  let expected: string[] = [];
  for (let r = 0; r < rounds; r++) {
    await settle();
    const start = process.hrtime.bigint();
    expected = inProcessPass(lines, registries.compiled);
    inProcessNs.push(Number(process.hrtime.bigint() - start));
  }
  const inNs = median(inProcessNs);
  const inUsPerActor = inNs / n / 1000;
  const expectedText = expected.join('\n');
  const expectedErrors = expected.filter((line) => 'error' in (JSON.parse(line) as object)).length;

  // (b), (c): pools.
  const cases: PoolCase[] = [];
  for (const threads of threadCounts) {
    const pool = createResolvePool({ threads, registries, maxQueue: Infinity });
    try {
      await poolPass(pool, chunkTasks(lines, 100)); // warm-up: threads started, JIT warm in each
      for (const chunk of chunks) {
        const tasks = chunkTasks(lines, chunk);
        await poolPass(pool, tasks);
        const passes: { wallNs: number; results: ChunkResult[] }[] = [];
        for (let r = 0; r < rounds; r++) {
          await settle();
          const start = process.hrtime.bigint();
          const results = await poolPass(pool, tasks);
          passes.push({ wallNs: Number(process.hrtime.bigint() - start), results });
        }
        passes.sort((a, b) => a.wallNs - b.wallNs);
        const pass = passes[(passes.length - 1) >> 1]!;
        const actors = pass.results.reduce((sum, result) => sum + result.actors, 0);
        if (actors !== n)
          throw new Error(`pool of ${threads}, chunk ${chunk}: ${actors} results for ${n} actors`);
        cases.push({
          threads,
          chunk,
          tasks: tasks.length,
          wallNs: pass.wallNs,
          threadNs: pass.results.reduce((sum, result) => sum + (result.resolveNs ?? 0), 0),
          errors: pass.results.reduce((sum, result) => sum + result.errors, 0),
          identical: pass.results.map((result) => result.results).join('\n') === expectedText,
        });
      }
    } finally {
      await pool.close();
    }
  }

  const workPerTaskUs = (c: PoolCase): number => (inUsPerActor * n) / c.tasks;
  const rows: (string | number)[][] = [
    [
      'mode',
      'chunk',
      'tasks',
      'wall ms',
      'actors/s',
      'µs/actor',
      'thread µs/actor',
      'work µs/task',
      'overhead µs/task',
      'overhead %',
      'errors',
      'same bytes',
    ],
    [
      'in process',
      '-',
      '-',
      fig(inNs / 1e6),
      fig(n / (inNs / 1e9)),
      fig(inUsPerActor),
      '-',
      '-',
      '-',
      '-',
      expectedErrors,
      '-',
    ],
  ];
  for (const c of cases) {
    const workPerTask = workPerTaskUs(c);
    // Thread-time per task beyond the in-process work: (wall × threads − in-process wall) / tasks.
    const overhead = (c.wallNs * c.threads - inNs) / 1000 / c.tasks;
    rows.push([
      `pool ${c.threads}`,
      c.chunk,
      c.tasks,
      fig(c.wallNs / 1e6),
      fig(n / (c.wallNs / 1e9)),
      fig(c.wallNs / n / 1000),
      fig(c.threadNs / n / 1000),
      fig(workPerTask),
      fig(overhead),
      `${((100 * overhead) / workPerTask).toFixed(1)}%`,
      c.errors,
      c.identical ? 'yes' : 'NO',
    ]);
  }
  console.log('');
  console.log(table(rows));

  const largest = threadCounts[threadCounts.length - 1]!;
  const top = cases.filter((c) => c.threads === largest);
  // Chunks of ≥ 1 ms of work (all, if none is that big); of those, the smallest within 5 % of the
  // fastest: as much throughput with less latency per task and less memory.
  const worthIt = top.some((c) => workPerTaskUs(c) >= 1000)
    ? top.filter((c) => workPerTaskUs(c) >= 1000)
    : top;
  const fastest = Math.min(...worthIt.map((c) => c.wallNs));
  const bestChunk = worthIt.find((c) => c.wallNs <= fastest * 1.05)!.chunk;
  const chunkFor1ms = Math.ceil(1000 / inUsPerActor);
  console.log(
    `\nwork µs/task = in-process µs/actor × chunk; overhead µs/task = (wall × threads − in-process wall) / tasks,` +
      `\ni.e. the thread-time a task costs beyond its work (messaging, copying the strings, split/join, idle).` +
      `\nthread µs/actor = the threads' own resolve time (resolveNs), without messaging.` +
      `\n≥ 1 ms of work per task needs chunk ≥ ${chunkFor1ms} actors; best chunk: ${bestChunk} (pool ${largest}: ` +
      `the smallest tested chunk of ≥ 1 ms work within 5% of the best throughput among those).` +
      `\nIndicative only: ${env.parallelism} hardware threads shared with the main thread and other processes.`,
  );
  if (cases.some((c) => !c.identical))
    console.log('WARNING: some pool results differ from the in-process ones');
  if (cases.some((c) => !c.identical)) process.exitCode = 1;

  if (refuseFigures('bench:pool', expectedErrors, n)) return;
  if (values.json) {
    const summary: Record<string, unknown> = {
      actors: n,
      in_process_actors_per_s: fig(n / (inNs / 1e9)),
      in_process_us_per_actor: fig(inUsPerActor),
    };
    for (const threads of threadCounts) {
      const mine = cases.filter((c) => c.threads === threads);
      summary[`pool${threads}`] = Object.fromEntries(mine.map((c) => [c.chunk, fig(n / (c.wallNs / 1e9))]));
      summary[`pool${threads}_overhead_us_per_task`] = Object.fromEntries(
        mine.map((c) => [c.chunk, fig((c.wallNs * c.threads - inNs) / 1000 / c.tasks)]),
      );
    }
    Object.assign(summary, {
      best_chunk: bestChunk,
      chunk_for_1ms_task: chunkFor1ms,
      errors: expectedErrors,
      identical: cases.every((c) => c.identical),
      rounds,
      node: env.node,
      cpu: env.cpu,
    });
    console.log(JSON.stringify(summary));
  }
}

main().catch((err: unknown) => {
  console.error(`bench:pool: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
