/** What both benchmarks share: the workload, the environment line, and table printing. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SnapshotRecord } from '../src/adapters/snapshot-record';
import { isActorCoreError, parseActorLine, resolveActorLine } from '../src/core';
import { loadRegistries, type LoadedRegistries } from '../src/registry';

export const DEFAULT_ACTORS = 10_000;

/** The repository root, from bench/ (ts) or dist/bench/ (built). */
export const repoRoot =
  [path.resolve(__dirname, '..'), path.resolve(__dirname, '../..')].find((dir) =>
    fs.existsSync(path.join(dir, 'package.json')),
  ) ?? path.resolve(__dirname, '../..');
export const generatorFile = path.resolve(repoRoot, '../shared/workload/generate.mjs');

export interface Workload {
  /** Non-empty actor lines. */
  lines: string[];
  /** Each line's number in the input (1-based, blank lines counted), as `resolve --jsonl` numbers it. */
  lineNumbers: number[];
  /** Where they came from, for the report. */
  source: string;
  bytes: number;
}

function splitLines(text: string, limit: number | undefined): Pick<Workload, 'lines' | 'lineNumbers'> {
  const lines: string[] = [];
  const lineNumbers: number[] = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length && (limit === undefined || lines.length < limit); i++) {
    if (all[i]!.length === 0) continue;
    lines.push(all[i]!);
    lineNumbers.push(i + 1);
  }
  return { lines, lineNumbers };
}

function workloadOf(text: string, limit: number | undefined, source: string): Workload {
  const { lines, lineNumbers } = splitLines(text, limit);
  if (limit !== undefined && lines.length < limit)
    console.error(`note: --actors ${limit}, but ${source} holds ${lines.length} actor lines; using those`);
  return { lines, lineNumbers, source, bytes: lines.reduce((n, line) => n + line.length + 1, 0) };
}

/**
 * The actor lines of `input`, or — without it — `actors` standard actors written by
 * ../shared/workload/generate.mjs into a temporary file (removed afterwards).
 */
export function loadWorkload(input: string | undefined, actors: number | undefined): Workload {
  if (input !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(input, 'utf8');
    } catch (err) {
      throw new Error(
        `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return workloadOf(text, actors, input);
  }
  const count = actors ?? DEFAULT_ACTORS;
  if (!fs.existsSync(generatorFile)) throw new Error(`workload generator not found: ${generatorFile}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-bench-'));
  const file = path.join(dir, 'actors.jsonl');
  try {
    const fd = fs.openSync(file, 'w');
    try {
      const run = spawnSync(process.execPath, [generatorFile, '--actors', String(count)], {
        cwd: repoRoot,
        stdio: ['ignore', fd, 'inherit'],
      });
      if (run.error !== undefined) throw run.error;
      if (run.status !== 0) throw new Error(`generate.mjs exited with ${run.status ?? run.signal}`);
    } finally {
      fs.closeSync(fd);
    }
    return workloadOf(
      fs.readFileSync(file, 'utf8'),
      undefined,
      `generate.mjs --actors ${count} (standard workload)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Ends a benchmark whose actors did not all resolve: its figures are not those of a valid workload,
 * so no JSON line is printed for a script to record, and the exit code is 1.
 */
export function refuseFigures(bench: string, errors: number, actors: number): boolean {
  if (errors === 0) return false;
  console.error(`${bench}: ${errors} of ${actors} actors did not resolve; no figures are reported for them`);
  process.exitCode = 1;
  return true;
}

/** Prints the first error lines (JSON, each naming its line and actor), as the reason figures are refused. */
export function printErrorLines(errorLines: readonly string[], shown = 10): void {
  if (errorLines.length === 0) return;
  console.log(`\n${errorLines.length} error results (expected 0 for the standard workload); first ones:`);
  for (const line of errorLines.slice(0, shown)) console.log(line);
}

/** How many rounds over `actors` actors warm the JIT up: at least 10,000 resolutions in all. */
export function warmUpRounds(actors: number): number {
  return Math.max(1, Math.ceil(10_000 / actors));
}

/** A benchmark's last word on a failure: an ActorCoreError with where it was (file, line, field). */
export function benchFailed(bench: string, err: unknown): void {
  const text = isActorCoreError(err) ? err.describe() : err instanceof Error ? err.message : String(err);
  console.error(`${bench}: ${text}`);
  process.exitCode = 1;
}

/** The options every benchmark takes (node:util parseArgs form): the workload and the registries. */
export const WORKLOAD_OPTIONS = {
  input: { type: 'string' },
  actors: { type: 'string' },
  rounds: { type: 'string' },
  registry: { type: 'string' },
  'cap-layers': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** What every benchmark starts from: its rounds, the actor lines (at least one) and the registries. */
export interface BenchInput {
  rounds: number;
  workload: Workload;
  lines: string[];
  registries: LoadedRegistries;
}

export function loadBenchInput(values: {
  input?: string | undefined;
  actors?: string | undefined;
  rounds?: string | undefined;
  registry?: string | undefined;
  'cap-layers'?: string | undefined;
}): BenchInput {
  const rounds = positiveInt(values.rounds, '--rounds') ?? 3;
  const workload = loadWorkload(values.input, positiveInt(values.actors, '--actors'));
  if (workload.lines.length === 0) throw new Error(`${workload.source}: no actor lines`);
  const first = workload.lineNumbers[0]!;
  try {
    parseActorLine(workload.lines[0]!, first);
  } catch (err) {
    throw new Error(
      `${workload.source} is not JSON lines of actors: line ${first}: ${(err as Error).message}`,
    );
  }
  const registries = loadRegistries({ registry: values.registry, capLayers: values['cap-layers'] });
  return { rounds, workload, lines: workload.lines, registries };
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be an integer ≥ 1, got ${value}`);
  return n;
}

export function intList(value: string, flag: string): number[] {
  return value.split(',').map((part) => positiveInt(part.trim(), flag)!);
}

export interface Environment {
  node: string;
  cpu: string;
  cpus: number;
  parallelism: number;
}

export function environment(): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    parallelism: os.availableParallelism(),
  };
}

/** A text table: the first row is the header; numeric columns are right-aligned. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const numeric = (c: number): boolean => rows.slice(1).some((row) => typeof row[c] === 'number');
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (numeric(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (let r = 1; r < cells.length; r++) out.push(line(cells[r]!));
  return out.join('\n');
}

/** Rounds a figure for display and JSON: 3 significant decimals below 100, integers above. */
export function fig(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value);
  if (abs >= 10) return Math.round(value * 10) / 10;
  if (abs >= 1) return Math.round(value * 100) / 100;
  return Math.round(value * 1000) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Gives the event loop and the GC a moment between measured rounds. */
export function settle(): Promise<void> {
  global.gc?.();
  return new Promise((resolve) => setTimeout(resolve, 50));
}

/** A standard actor line's snapshot as the stores keep it, resolved in process; throws naming the actor. */
export function snapshotRecordOf(line: string, registries: LoadedRegistries): SnapshotRecord {
  const result = resolveActorLine(line, registries.compiled);
  if (!('snapshot' in result)) {
    throw new Error(
      `actor ${result.actorId ?? '?'} does not resolve: ${result.error.code} ${result.error.message}`,
    );
  }
  return {
    actorId: result.actorId!,
    version: result.snapshot.Version,
    registryVersion: registries.registryVersion,
    snapshotJson: JSON.stringify(result.snapshot),
  };
}

/** Runs a benchmark's `main`: a failure is printed and the exit code set, nothing is thrown. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
