/**
 * The core on one thread, in process: per actor line, JSON parse → resolveSnapshot → JSON.stringify of
 * the result line, each phase timed on its own with process.hrtime.bigint, the way the pipeline runs
 * (parse, then resolve at once while the object graph is cache-hot, then serialize).
 *
 *   npm run bench:core -- [--input FILE.jsonl] [--actors N] [--rounds R] [--registry FILE]
 *                         [--cap-layers FILE] [--json]
 *
 * Without --input, N (default 10,000) standard actors come from ../shared/workload/generate.mjs.
 * One warm-up round, then R measured rounds (default 3); the round with the median total is reported.
 */
import { parseArgs } from 'node:util';
import {
  isActorCoreError,
  parseActorLine,
  resolveSnapshot,
  type ActorLine,
  type CompiledRegistries,
  type LineResult,
} from '../src/core';
import { WORKLOAD_OPTIONS, environment, fig, loadBenchInput, refuseFigures, settle, table } from './support';

interface Round {
  parseNs: number;
  resolveNs: number;
  stringifyNs: number;
  totalNs: number;
  wallNs: number;
  errors: LineResult[];
  outputBytes: number;
}

function runRound(lines: readonly string[], registries: CompiledRegistries): Round {
  let parseNs = 0n;
  let resolveNs = 0n;
  let stringifyNs = 0n;
  let outputBytes = 0;
  const errors: LineResult[] = [];
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNumber = i + 1;
    let result: LineResult;
    let actorId: string | null = null;
    // (a) parse: JSON.parse plus the line's shape check, as resolveActorLine does it.
    const t0 = process.hrtime.bigint();
    let actor: ActorLine | undefined;
    try {
      actor = parseActorLine(line, lineNumber);
      actorId = actor.actorId;
    } catch (err) {
      if (!isActorCoreError(err)) throw err;
      result = { actorId, error: err.toJSON() };
    }
    const t1 = process.hrtime.bigint();
    // (b) resolve: validation + merge + caps, nothing else.
    if (actor !== undefined) {
      try {
        result = { actorId, snapshot: resolveSnapshot(actor.subsystems, registries, actor.version) };
      } catch (err) {
        if (!isActorCoreError(err)) throw err;
        result = { actorId, error: err.locate({ line: lineNumber, actorId: actor.actorId }).toJSON() };
      }
    }
    const t2 = process.hrtime.bigint();
    // (c) stringify the output line.
    const json = JSON.stringify(result!);
    const t3 = process.hrtime.bigint();
    parseNs += t1 - t0;
    resolveNs += t2 - t1;
    stringifyNs += t3 - t2;
    outputBytes += json.length + 1;
    if ('error' in result!) errors.push(result!);
  }
  const wallNs = Number(process.hrtime.bigint() - wallStart);
  const phases = { parseNs: Number(parseNs), resolveNs: Number(resolveNs), stringifyNs: Number(stringifyNs) };
  return {
    ...phases,
    totalNs: phases.parseNs + phases.resolveNs + phases.stringifyNs,
    wallNs,
    errors,
    outputBytes,
  };
}

/** What one process.hrtime.bigint() reading costs, in ns (each phase pays about one). */
function timerCostNs(): number {
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) process.hrtime.bigint();
  return Number(process.hrtime.bigint() - start) / n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...WORKLOAD_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  const { rounds, workload, lines, registries: loaded } = loadBenchInput(values);
  const n = lines.length;
  const env = environment();

  console.log(
    `core bench: ${n} actors from ${workload.source}, ${(workload.bytes / n / 1024).toFixed(1)} KiB/actor`,
  );
  console.log(`registry ${loaded.registryVersion}; 1 warm-up round + ${rounds} measured rounds, one thread`);

  runRound(lines, loaded.compiled); // warm-up: JIT, inline caches, heap sizing
  const measured: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    await settle();
    measured.push(runRound(lines, loaded.compiled));
  }
  const byTotal = [...measured].sort((a, b) => a.totalNs - b.totalNs);
  const report = byTotal[(byTotal.length - 1) >> 1]!; // the median round (the lower one of an even count)
  const best = byTotal[0]!;
  const us = (ns: number): number => ns / n / 1000;
  const usPerActor = us(report.totalNs);

  console.log('');
  console.log(
    table([
      ['phase (median round)', 'µs/actor', 'share', 'best round µs/actor'],
      [
        'parse (JSON.parse + shape)',
        fig(us(report.parseNs)),
        pct(report.parseNs, report.totalNs),
        fig(us(best.parseNs)),
      ],
      [
        'resolve (resolveSnapshot)',
        fig(us(report.resolveNs)),
        pct(report.resolveNs, report.totalNs),
        fig(us(best.resolveNs)),
      ],
      [
        'stringify (result line)',
        fig(us(report.stringifyNs)),
        pct(report.stringifyNs, report.totalNs),
        fig(us(best.stringifyNs)),
      ],
      ['total', fig(usPerActor), '100%', fig(us(best.totalNs))],
    ]),
  );
  console.log('');
  console.log(
    table([
      ['actors', 'actors/s (1 thread)', 'rounds µs/actor', 'output KiB/actor', 'errors', 'node', 'cpu'],
      [
        n,
        fig(1e6 / usPerActor),
        measured.map((round) => fig(us(round.totalNs))).join(' / '),
        fig(report.outputBytes / n / 1024),
        report.errors.length,
        env.node,
        `${env.cpu} (${env.parallelism} threads)`,
      ],
    ]),
  );
  const timer = timerCostNs();
  const loopOverhead = us(report.wallNs - report.totalNs);
  console.log(
    `\nreported: the median round by total. Timer: ~${fig(timer)} ns per hrtime reading (not subtracted; ` +
      `~${fig((3 * timer) / 1000)} µs/actor across the phases); loop bookkeeping outside the phases ` +
      `${fig(loopOverhead)} µs/actor. Indicative only on a shared machine.`,
  );
  if (report.errors.length > 0) {
    console.log(
      `\n${report.errors.length} error results (expected 0 for the standard workload); first ones:`,
    );
    for (const error of report.errors.slice(0, 10)) console.log(JSON.stringify(error));
  } else {
    console.log('correctness: 0 error results');
  }

  if (refuseFigures('bench:core', report.errors.length, n)) return;
  if (values.json) {
    const summary = {
      actors: n,
      // The acceptance figure: the aggregation alone (validation, merge, caps), parsing measured apart.
      us_per_actor: fig(us(report.resolveNs)),
      parse_us_per_actor: fig(us(report.parseNs)),
      stringify_us_per_actor: fig(us(report.stringifyNs)),
      total_us_per_actor: fig(usPerActor),
      actors_per_s: fig(1e6 / usPerActor),
      errors: report.errors.length,
      rounds,
      round: 'median',
      node: env.node,
      cpu: env.cpu,
    };
    console.log(
      `{${Object.entries(summary)
        .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
        .join(', ')}}`,
    );
  }
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

main().catch((err: unknown) => {
  console.error(`bench:core: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
