/**
 * The `actor-core` command line: `resolve`, `explain`, and the database commands. `main` never throws and never exits the
 * process; it returns the exit code (0 ok, 1 internal error, 2 bad input / registry / usage / configuration,
 * 3 a store is unavailable).
 */
import { Command, CommanderError } from 'commander';
import { isConfigError } from '../../config/config-error';
import { isActorCoreError } from '../core';
import { isOutputClosed, oneLine, processIo, type CliIo } from './cli-io';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_UNAVAILABLE } from './exit-codes';
import { addDatabaseCommands } from './database-commands';
import { addDemoCommand } from './demo-command';
import { addEnqueueCommand } from './enqueue-command';
import { addExplainCommand } from './explain-command';
import { packageVersion } from './package-version';
import { addResolveCommand } from './resolve-command';
import { addWorkerCommand } from './worker-command';
import { addApiCommand } from './api-command';
import { addTokenCommand } from './token-command';

export function buildProgram(io: CliIo): Command {
  const program = new Command('actor-core')
    .description('Actor Core v3: deterministic stat aggregation for game actors.')
    .version(packageVersion(), '-V, --version', 'print the version of actor-core')
    .helpOption('-h, --help', 'show help')
    .enablePositionalOptions()
    .allowExcessArguments(false) // `resolve a.json b.json` must not resolve a.json alone
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // A usage error is one line, prefixed as every other error: "actor-core: unknown option …".
      // Commander joins its "argument 'x' is invalid." to our reason, which starts in lower case.
      outputError: (text, write) =>
        write(
          `actor-core: ${oneLine(text.replace(/^error: /, '').replace(/ is invalid\. (?=[a-z-])/, ' is invalid: '))}\n`,
        ),
    });
  addResolveCommand(program, io);
  addExplainCommand(program, io);
  addDatabaseCommands(program, io);
  addWorkerCommand(program);
  addEnqueueCommand(program, io);
  addDemoCommand(program, io);
  addApiCommand(program);
  addTokenCommand(program, io);
  program.addHelpText(
    'after',
    '\nRun "actor-core help <command>" for the options and exit codes of a command.',
  );
  return program;
}

/** The one stderr line and exit code for an error that reached the top. */
function report(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (help and --version exit 0).
    return err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (isOutputClosed(err)) return EXIT_OK;
  if (isConfigError(err)) {
    // Every configuration problem on its own line, so that an operator fixes them all in one pass.
    for (const problem of err.problems) io.stderr.write(`actor-core: ${err.code}: ${oneLine(problem)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (isActorCoreError(err)) {
    io.stderr.write(`actor-core: ${oneLine(err.describe())}\n`);
    return err.permanent ? EXIT_BAD_INPUT : EXIT_UNAVAILABLE;
  }
  if ((err as NodeJS.ErrnoException | null)?.syscall === 'write') {
    io.stderr.write(`actor-core: cannot write the output: ${oneLine((err as Error).message)}\n`);
    return EXIT_INTERNAL;
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  io.stderr.write(`actor-core: internal error: ${oneLine(message)}\n`);
  return EXIT_INTERNAL;
}

/** Runs the CLI on `args` (the arguments after the program name) and returns the exit code. */
export async function main(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  // A failing stdout emits 'error' (EPIPE when the reader went away); without a listener that crashes.
  let outputError: unknown;
  io.stdout.on('error', (err) => {
    outputError ??= err;
  });
  let code = EXIT_OK;
  try {
    const program = buildProgram(io);
    const unknownTopic = args[0] === 'help' && args[1] !== undefined && !hasCommand(program, args[1]);
    if (args.length === 0) io.stdout.write(program.helpInformation());
    else if (unknownTopic) code = usageError(io, `unknown command '${args[1]}' (see actor-core --help)`);
    else await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    code = report(err, io);
  }
  if (code !== EXIT_OK) return code;
  // A failed write (e.g. help into a full disk) is emitted after the write returned.
  await new Promise((resolve) => setImmediate(resolve));
  return outputError === undefined ? EXIT_OK : report(outputError, io);
}

function hasCommand(program: Command, name: string): boolean {
  return (
    name === 'help' ||
    program.commands.some((command) => command.name() === name || command.aliases().includes(name))
  );
}

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`actor-core: ${message}\n`);
  return EXIT_BAD_INPUT;
}
