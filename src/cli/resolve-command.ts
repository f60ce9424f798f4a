/** `actor-core resolve`: SubsystemOutput[] in, Snapshot out; or, with `--jsonl`, one actor per line. */
import { InvalidArgumentError, type Command } from 'commander';
import { isActorCoreError, resolveSnapshot } from '../core';
import { writeWithBackpressure, type CliIo } from './cli-io';
import {
  addRegistryOptions,
  addVersionOption,
  loadCliRegistries,
  type RegistryOptions,
} from './common-options';
import { resolveJsonl, type JsonlStats } from './jsonl-stream';
import { DEFAULT_MAX_LINE_BYTES, sourceLines } from './source-lines';
import { repeatedKeyProblem } from '../text/json-duplicate-key';
import { inputChunks, inputName, parseOutputsInput, readInputText } from './read-input';

interface ResolveOptions extends RegistryOptions {
  version?: number;
  jsonl?: boolean;
  pretty?: boolean;
  stats?: boolean;
  maxLineMb?: number;
  strictKeys?: boolean;
}

/** Commander parser of `--max-line-mb`: a whole number of MiB from 1 to 1024. */
function parseMaxLineMb(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1024)
    throw new InvalidArgumentError('--max-line-mb must be a whole number of MiB from 1 to 1024.');
  return n;
}

const HELP_AFTER = `
Input:
  FILE holds a JSON array of SubsystemOutput, one actor's (at most 64 MiB); without FILE, or with
  "-", stdin is read.
  Prints the Snapshot as one line of JSON ({"Primary", "Derived", "CapsUsed", "Version", "Context"?}).

With --jsonl:
  Each input line is an actor {"actorId", "version", "subsystems": [SubsystemOutput, ...]}; each
  non-blank line gives one output line, in input order: {"actorId", "snapshot"}, or
  {"actorId", "error": {"code", "message", "line", ...}} when that line is bad. Per-line errors are
  reported in the output, not on stderr, and do not change the exit code. Blank lines are skipped
  (line numbers still count them). Streams in constant memory: a line over --max-line-mb
  (default 16 MiB) is read past without being buffered and gives a LINE_TOO_LONG error line.
  A key repeated in one object of a line counts once, with its last value, as JSON.parse reads it;
  with --strict-keys such a line is an INVALID_JSON error line instead (as input without --jsonl
  always is), at ~45 µs a standard line.

Exit codes:
  0  resolved (with --jsonl: the whole stream was processed, even if some lines are errors)
  1  internal error
  2  bad input, bad registry or bad command line: one line on stderr says what is wrong and where

Examples:
  $ actor-core resolve outputs.json
  $ actor-core resolve --registry registry.json --version 7 - < outputs.json
  $ actor-core resolve --jsonl --stats actors.jsonl > snapshots.jsonl`;

function formatStats(stats: JsonlStats, seconds: number, registryVersion: string): string {
  const rate = seconds > 0 ? Math.round(stats.actors / seconds) : stats.actors;
  return (
    `actor-core: ${stats.actors} actors, ${stats.errors} errors, ${seconds.toFixed(2)} s, ${rate} actors/s, ` +
    `registries ${registryVersion}\n`
  );
}

async function resolveStream(file: string | undefined, options: ResolveOptions, io: CliIo): Promise<void> {
  const registries = loadCliRegistries(options);
  const started = process.hrtime.bigint();
  const maxLineBytes =
    options.maxLineMb === undefined ? DEFAULT_MAX_LINE_BYTES : options.maxLineMb * 1024 * 1024;
  const lines = sourceLines(inputChunks(file, io.stdin), maxLineBytes);
  const checkText =
    options.strictKeys === true ? (text: string) => repeatedKeyProblem(text, true) : undefined;
  const stats = await resolveJsonl(lines, registries.compiled, io.stdout, checkText);
  if (options.stats === true) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    io.stderr.write(formatStats(stats, seconds, registries.registryVersion));
  }
}

async function resolveOne(file: string | undefined, options: ResolveOptions, io: CliIo): Promise<void> {
  const registries = loadCliRegistries(options);
  const name = inputName(file);
  const outputs = parseOutputsInput(await readInputText(file, io.stdin), name);
  let snapshot;
  try {
    snapshot = resolveSnapshot(outputs, registries.compiled, options.version ?? 1);
  } catch (err) {
    throw isActorCoreError(err) ? err.locate({ file: name }) : err;
  }
  await writeWithBackpressure(io.stdout, `${JSON.stringify(snapshot, null, options.pretty ? 2 : 0)}\n`);
}

export function addResolveCommand(program: Command, io: CliIo): Command {
  const command = program
    .command('resolve')
    .summary('resolve subsystem outputs into a snapshot')
    .description('Resolve the subsystem outputs of an actor into its Snapshot (AGGREGATION.md).')
    .argument('[file]', 'JSON input file, or "-" for stdin (default: stdin)');
  addRegistryOptions(command);
  addVersionOption(command);
  command
    .option('--jsonl', 'read JSON lines, one actor a line, and stream one result line per actor')
    .option('--pretty', 'indent the snapshot JSON (not with --jsonl)')
    .option(
      '--stats',
      'with --jsonl: print "actors, errors, actors/s" and the registries\' registryVersion to stderr when done',
    )
    .option(
      '--max-line-mb <n>',
      'with --jsonl: a longer line is an error line, read past without buffering it (default 16)',
      parseMaxLineMb,
    )
    .option('--strict-keys', 'with --jsonl: a line in which one object repeats a key is an error line')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string | undefined, options: ResolveOptions, self: Command) => {
      if (options.jsonl === true) {
        if (options.version !== undefined)
          self.error('error: --version cannot be used with --jsonl: each line carries its own version', {
            exitCode: 2,
          });
        if (options.pretty === true)
          self.error('error: --pretty cannot be used with --jsonl: each result is one line', { exitCode: 2 });
        await resolveStream(file, options, io);
      } else {
        if (options.stats === true) self.error('error: --stats needs --jsonl', { exitCode: 2 });
        if (options.maxLineMb !== undefined)
          self.error('error: --max-line-mb needs --jsonl', { exitCode: 2 });
        if (options.strictKeys === true)
          self.error('error: --strict-keys needs --jsonl: without it, a repeated key is always refused', {
            exitCode: 2,
          });
        await resolveOne(file, options, io);
      }
    });
  return command;
}
