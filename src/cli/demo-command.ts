/** `actor-core demo`: seed, resolve through the worker cluster, and report, all on this machine. */
import { InvalidArgumentError, type Command } from 'commander';
import { loadSettings } from '../../config/settings';
import { BULL_BOARD_LINE, DEMO_DATABASE, DEMO_DEFAULTS, demoSucceeded, runDemo } from '../demo/run-demo';
import type { CliIo } from './cli-io';

function positive(flag: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from 1 to ${max}.`);
    }
    return n;
  };
}

interface DemoCommandOptions {
  actors: number;
  workers: number;
  threads?: number;
  keep?: boolean;
}

export function addDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('the main job end to end: seed standard actors, resolve them with worker processes, report')
    .option(
      '--actors <n>',
      `standard actors to seed and resolve (default ${DEMO_DEFAULTS.actors})`,
      positive('--actors', 10_000_000),
      DEMO_DEFAULTS.actors,
    )
    .option(
      '--workers <n>',
      `worker processes (default ${DEMO_DEFAULTS.workers})`,
      positive('--workers', 64),
      DEMO_DEFAULTS.workers,
    )
    .option(
      '--threads <n>',
      'resolve threads per worker (default: the CPUs shared out among the workers)',
      positive('--threads', 256),
    )
    .option('--keep', 'leave the servers and workers running after the summary, until Ctrl-C')
    .addHelpText(
      'after',
      `
Without DATABASE_URL / REDIS_URL it starts private Postgres and Redis servers (stopped at the end).
With them, it works in a database of its own (${DEMO_DATABASE}, dropped at the end) and under a queue
name and key prefixes of its own (deleted at the end), so real data is never touched. Actors come from
../shared/workload/generate.mjs. The workers' JSON logs go to .data/demo/workers.log. Ctrl-C stops the
workers and the servers cleanly. With --keep, the URLs are printed (${BULL_BOARD_LINE}).

Exit code 0 when every actor got its snapshot (or after Ctrl-C), 1 when some did not.`,
    )
    .action(async (options: DemoCommandOptions) => {
      const summary = await runDemo({
        actors: options.actors,
        workers: options.workers,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        keep: options.keep === true,
        settings: loadSettings(),
        out: io.stdout,
        err: io.stderr,
      });
      if (summary !== undefined && !demoSucceeded(summary)) {
        throw new Error(
          `${summary.actorsWithoutSnapshot} actors have no current snapshot (see ${summary.logFile})`,
        );
      }
    });
}
