/**
 * In process vs a piscina pool, on the same actor lines: (a) the main thread, resolveLineToJson on each
 * line; (b) a pool of 1 thread and (c) a pool of 2 threads, each for several chunk sizes (actors per
 * task). The per-task overhead says which chunk size makes a task worth sending to a thread.
 *
 *   npm run bench:pool -- [--input FILE.jsonl] [--actors N] [--chunk 1,10,100,1000] [--threads 1,2]
 *                         [--rounds R] [--registry FILE] [--json]
 *
 * Without --input, N (default 10,000) standard actors come from ../shared/workload/generate.mjs.
 * Every case: warm-up passes (at least 10,000 resolutions), then R measured passes (default 3); the
 * median pass is reported. A pass submits all chunks at once and waits for all results; every pass's
 * results are checked to be byte-identical to the in-process ones, or no figures are reported.
 */
import { parseArgs } from 'node:util';
import { resolveLineToJson, type CompiledRegistries } from '../src/core';
import { createResolvePool, type ChunkResult, type ResolvePool, type ResolveTask } from '../src/pool';
import {
  WORKLOAD_OPTIONS,
  benchFailed,
  environment,
  fig,
  intList,
  loadBenchInput,
  median,
  printErrorLines,
  refuseFigures,
  settle,
  table,
  warmUpRounds,
} from './support';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

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

function inProcessPass(
  lines: readonly string[],
  lineNumbers: readonly number[],
  registries: CompiledRegistries,
): string[] {
  const out = new Array<string>(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = resolveLineToJson(lines[i]!, registries, lineNumbers[i]);
  return out;
}

/**
 * Tasks of `chunk` actor lines each. A task numbers its lines from `firstLine`, blank ones counted, so
 * the blank lines of the input between two of its actors are kept: error lines then name the input's
 * lines, as in process.
 */
function chunkTasks(lines: readonly string[], lineNumbers: readonly number[], chunk: number): ResolveTask[] {
  const tasks: ResolveTask[] = [];
  for (let i = 0; i < lines.length; i += chunk) {
    let text = lines[i]!;
    for (let k = i + 1; k < Math.min(i + chunk, lines.length); k++)
      text += '\n'.repeat(lineNumbers[k]! - lineNumbers[k - 1]!) + lines[k]!;
    tasks.push({ lines: text, firstLine: lineNumbers[i]! });
  }
  return tasks;
}

/** Thread-time a task costs beyond running it: (wall × threads − the threads' own task time) / tasks. */
function overheadUsPerTask(c: PoolCase): number {
  return (c.wallNs * c.threads - c.threadNs) / 1000 / c.tasks;
}

async function poolPass(pool: ResolvePool, tasks: readonly ResolveTask[]): Promise<ChunkResult[]> {
  return Promise.all(tasks.map((task) => pool.run(task)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...HELP_OPTION,
      ...WORKLOAD_OPTIONS,
      chunk: { type: 'string', default: '1,10,100,1000' },
      threads: { type: 'string', default: '1,2' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) printHelpAndExit(__filename);
  const { rounds, workload, lines, registries } = loadBenchInput(values);
  const { lineNumbers } = workload;
  // A chunk past the actor count is one task of them all: measured once, as a chunk of that count.
  const chunks = [...new Set(intList(values.chunk, '--chunk').map((c) => Math.min(c, lines.length)))].sort(
    (a, b) => a - b,
  );
  const threadCounts = [...new Set(intList(values.threads, '--threads'))].sort((a, b) => a - b);
  const n = lines.length;
  const env = environment();
  console.log(`pool bench: ${n} actors from ${workload.source}`);
  console.log(
    `chunks ${chunks.join(', ')} actors/task; pools of ${threadCounts.join(', ')} thread(s); ` +
      `${warmUpRounds(n)} warm-up + ${rounds} measured passes each, median reported; ${env.node}, ${env.cpu}, ` +
      `${env.parallelism} hardware threads`,
  );

  // (a) in process, on the main thread, warmed up by at least 10,000 resolutions.
  for (let r = warmUpRounds(n); r > 0; r--) inProcessPass(lines, lineNumbers, registries.compiled);
  const inProcessNs: number[] = [];
  let expected: string[] = [];
  for (let r = 0; r < rounds; r++) {
    await settle();
    const start = process.hrtime.bigint();
    expected = inProcessPass(lines, lineNumbers, registries.compiled);
    inProcessNs.push(Number(process.hrtime.bigint() - start));
  }
  const inNs = median(inProcessNs);
  const inUsPerActor = inNs / n / 1000;
  const expectedText = expected.join('\n');
  const errorLines = expected.filter((line) => 'error' in (JSON.parse(line) as object));
  const expectedErrors = errorLines.length;

  // (b), (c): pools.
  const cases: PoolCase[] = [];
  for (const threads of threadCounts) {
    const pool = createResolvePool({ threads, registries, maxQueue: Infinity });
    try {
      // Warm-up: threads started, JIT warm in each.
      for (let r = warmUpRounds(n); r > 0; r--) await poolPass(pool, chunkTasks(lines, lineNumbers, 100));
      for (const chunk of chunks) {
        const tasks = chunkTasks(lines, lineNumbers, chunk);
        await poolPass(pool, tasks);
        const passes: { wallNs: number; results: ChunkResult[] }[] = [];
        for (let r = 0; r < rounds; r++) {
          await settle();
          const start = process.hrtime.bigint();
          const results = await poolPass(pool, tasks);
          passes.push({ wallNs: Number(process.hrtime.bigint() - start), results });
        }
        // Every pass is checked, not only the one reported.
        const identical = passes.every(
          (p) => p.results.map((result) => result.results).join('\n') === expectedText,
        );
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
          identical,
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
    const overhead = overheadUsPerTask(c);
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
    `\nwork µs/task = in-process µs/actor × chunk; overhead µs/task = (wall × threads − the threads' own` +
      `\ntask time) / tasks, i.e. the thread-time a task costs beyond running it (messaging, copying the` +
      `\nstrings in and out, idle); thread µs/actor = the threads' own task time (resolveNs: split, resolve,` +
      `\nstringify, join), which is where a thread's slower resolve than the main thread's shows.` +
      `\n≥ 1 ms of work per task needs chunk ≥ ${chunkFor1ms} actors; best chunk: ${bestChunk} (pool ${largest}: ` +
      `the smallest tested chunk of ≥ 1 ms work within 5% of the best throughput among those).` +
      `\nIndicative only: ${env.parallelism} hardware threads shared with the main thread and other processes.`,
  );
  printErrorLines(errorLines);
  if (refuseFigures('bench:pool', expectedErrors, n)) return;
  if (cases.some((c) => !c.identical)) {
    // Figures of a pool that computes something else are no figures: no JSON line for a script.
    console.error('bench:pool: some pool results differ from the in-process ones; no figures are reported');
    process.exitCode = 1;
    return;
  }
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
        mine.map((c) => [c.chunk, fig(overheadUsPerTask(c))]),
      );
      summary[`pool${threads}_thread_us_per_actor`] = Object.fromEntries(
        mine.map((c) => [c.chunk, fig(c.threadNs / n / 1000)]),
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

main().catch((err: unknown) => benchFailed('bench:pool', err));
