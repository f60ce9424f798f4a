/**
 * The core on one thread, in process: per actor line, JSON parse → resolve → JSON.stringify of the
 * result line, each phase timed on its own with process.hrtime.bigint, the way the pipeline runs
 * (parse, then resolve at once while the object graph is cache-hot, then serialize). The resolve is
 * `resolveSnapshotForJson`, which the CLI's `--jsonl`, the thread pools and the worker run; rounds of
 * `resolveSnapshot` (records read in process) alternate with its rounds and are reported beside it.
 *
 *   npm run bench:core -- [--input FILE.jsonl] [--actors N] [--rounds R] [--registry FILE]
 *                         [--cap-layers FILE] [--json]
 *
 * Without --input, N (default 10,000) standard actors come from ../shared/workload/generate.mjs.
 * Warm-up rounds (at least 10,000 resolutions), then R measured rounds of each resolve (default 3); each
 * phase's median over the rounds is reported, and its best.
 */
import { parseArgs } from 'node:util';
import {
  isActorCoreError,
  parseActorLine,
  resolveActorLine,
  resolveActorLineForJson,
  resolveSnapshot,
  resolveSnapshotForJson,
  type ActorLine,
  type CompiledRegistries,
  type LineResultForJson,
  type SnapshotForJson,
} from '../src/core';
import {
  WORKLOAD_OPTIONS,
  benchFailed,
  environment,
  fig,
  loadBenchInput,
  printErrorLines,
  refuseFigures,
  settle,
  table,
  warmUpRounds,
} from './support';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

interface Round {
  parseNs: number;
  resolveNs: number;
  stringifyNs: number;
  totalNs: number;
  wallNs: number;
  errors: LineResultForJson[];
  outputBytes: number;
}

type Resolve = (outputs: unknown, registries: CompiledRegistries, version: unknown) => SnapshotForJson;

/** The two resolves, as their rounds alternate: the pipeline's first. */
const RESOLVES: { name: string; resolve: Resolve }[] = [
  { name: 'resolveSnapshotForJson', resolve: resolveSnapshotForJson },
  { name: 'resolveSnapshot', resolve: resolveSnapshot },
];

function runRound(
  lines: readonly string[],
  lineNumbers: readonly number[],
  registries: CompiledRegistries,
  resolve: Resolve,
): Round {
  let parseNs = 0n;
  let resolveNs = 0n;
  let stringifyNs = 0n;
  let outputBytes = 0;
  const errors: LineResultForJson[] = [];
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNumber = lineNumbers[i]!;
    let result: LineResultForJson;
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
        result = { actorId, snapshot: resolve(actor.subsystems, registries, actor.version) };
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
    options: { ...HELP_OPTION, ...WORKLOAD_OPTIONS },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) printHelpAndExit(__filename);
  const { rounds, workload, lines, registries: loaded } = loadBenchInput(values);
  const { lineNumbers } = workload;
  const n = lines.length;
  const env = environment();

  console.log(
    `core bench: ${n} actors from ${workload.source}, ${(workload.bytes / n / 1024).toFixed(1)} KiB/actor`,
  );
  const warmUps = warmUpRounds(n);
  console.log(
    `registry ${loaded.registryVersion}; ${warmUps} warm-up round(s) + ${rounds} measured rounds, one thread`,
  );

  // Warm-up: JIT, inline caches, heap sizing — at least 10,000 resolutions of each, however few the actors.
  for (let r = 0; r < warmUps; r++)
    for (const { resolve } of RESOLVES) runRound(lines, lineNumbers, loaded.compiled, resolve);
  const measured: Round[][] = RESOLVES.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let m = 0; m < RESOLVES.length; m++) {
      await settle();
      measured[m]!.push(runRound(lines, lineNumbers, loaded.compiled, RESOLVES[m]!.resolve));
    }
  }
  const us = (ns: number): number => ns / n / 1000;
  const [pipeline, records] = measured.map((rounds) => summarize(rounds)) as [Summary, Summary];
  const report = pipeline.report;
  const usPerActor = us(pipeline.total.median);
  const row = (label: string, phase: Phase, whole: number): (string | number)[] => [
    label,
    fig(us(phase.median)),
    pct(phase.median, whole),
    fig(us(phase.best)),
  ];

  console.log('');
  console.log(
    table([
      ['phase (median of the rounds)', 'µs/actor', 'share', 'best round µs/actor'],
      row('parse (JSON.parse + shape)', pipeline.parse, pipeline.total.median),
      row(`resolve (${RESOLVES[0]!.name})`, pipeline.resolve, pipeline.total.median),
      row('stringify (result line)', pipeline.stringify, pipeline.total.median),
      row('total', pipeline.total, pipeline.total.median),
      row(`  rounds of ${RESOLVES[1]!.name}: resolve`, records.resolve, records.total.median),
      row(`  rounds of ${RESOLVES[1]!.name}: stringify`, records.stringify, records.total.median),
      row(`  rounds of ${RESOLVES[1]!.name}: total`, records.total, records.total.median),
    ]),
  );
  console.log('');
  console.log(
    table([
      ['actors', 'actors/s (1 thread)', 'rounds µs/actor', 'output KiB/actor', 'errors', 'node', 'cpu'],
      [
        n,
        fig(1e6 / usPerActor),
        measured[0]!.map((round) => fig(us(round.totalNs))).join(' / '),
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
    `\nreported: each phase's median over the rounds. Timer: ~${fig(timer)} ns per hrtime reading (not subtracted; ` +
      `~${fig((3 * timer) / 1000)} µs/actor across the phases); loop bookkeeping outside the phases ` +
      `${fig(loopOverhead)} µs/actor. Indicative only on a shared machine.`,
  );
  if (report.errors.length > 0) printErrorLines(report.errors.map((error) => JSON.stringify(error)));
  else console.log('correctness: 0 error results');
  const differing = firstDifferingLine(lines, loaded.compiled);
  if (differing !== undefined) {
    throw new Error(
      `line ${lineNumbers[differing]}: ${RESOLVES.map((r) => r.name).join(' and ')} write different JSON; no figures`,
    );
  }
  console.log('the two resolves write the same JSON for every actor');

  if (refuseFigures('bench:core', report.errors.length, n)) return;
  if (values.json) {
    const summary = {
      actors: n,
      // The acceptance figure: the aggregation alone (validation, merge, caps), parsing measured apart.
      us_per_actor: fig(us(pipeline.resolve.median)),
      parse_us_per_actor: fig(us(pipeline.parse.median)),
      stringify_us_per_actor: fig(us(pipeline.stringify.median)),
      resolve_snapshot_us_per_actor: fig(us(records.resolve.median)),
      resolve_snapshot_stringify_us_per_actor: fig(us(records.stringify.median)),
      total_us_per_actor: fig(usPerActor),
      actors_per_s: fig(1e6 / usPerActor),
      errors: report.errors.length,
      rounds,
      round: 'median of each phase',
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

interface Phase {
  median: number;
  best: number;
}

interface Summary {
  parse: Phase;
  resolve: Phase;
  stringify: Phase;
  total: Phase;
  /** The median round by total. */
  report: Round;
}

/** Each phase's median and best over the rounds, each on its own. */
function summarize(rounds: readonly Round[]): Summary {
  const phase = (pick: (round: Round) => number): Phase => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return { median: sorted[(sorted.length - 1) >> 1]!, best: sorted[0]! }; // the lower of an even count
  };
  const total = phase((round) => round.totalNs);
  return {
    parse: phase((round) => round.parseNs),
    resolve: phase((round) => round.resolveNs),
    stringify: phase((round) => round.stringifyNs),
    total,
    report: rounds.find((round) => round.totalNs === total.median)!,
  };
}

/** The index of the first line whose two resolves' result lines differ, or undefined. */
function firstDifferingLine(lines: readonly string[], registries: CompiledRegistries): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    const forJson = JSON.stringify(resolveActorLineForJson(lines[i]!, registries));
    if (forJson !== JSON.stringify(resolveActorLine(lines[i]!, registries))) return i;
  }
  return undefined;
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

main().catch((err: unknown) => benchFailed('bench:core', err));
