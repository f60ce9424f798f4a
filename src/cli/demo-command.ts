/** `actor-core demo`: seed, resolve through the worker cluster, and report, all on this machine. */
import { InvalidArgumentError, type Command } from 'commander';
import { loadSettings } from '../../config/settings';
import { demoSucceeded } from '../demo/demo-summary';
import { DEMO_DATABASE, DEMO_DEFAULTS, runDemo } from '../demo/run-demo';
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
    .description(
      'the main job end to end: seed standard actors, resolve them with worker processes and the sidecar, report',
    )
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
    .option(
      '--keep',
      "leave the servers, workers and sidecar running after the summary, until Ctrl-C, and print Bull Board's URL",
    )
    .addHelpText(
      'after',
      `
Without DATABASE_URL / REDIS_URL it starts private Postgres and Redis servers (stopped at the end).
With them, it works in a database of its own (${DEMO_DATABASE}, dropped at the end) and under a queue
name and key prefixes of its own (deleted at the end), so real data is never touched. Actors come from
../shared/workload/generate.mjs. Beside the workers runs the sidecar, \`actor-core api\` on 127.0.0.1 at a
free port: /health, /ready, /metrics, Bull Board (/admin/queues) and the producer API. It verifies
tokens signed with a secret of the run's own (never JWT_SECRET), so its admin token opens nothing else.
The JSON logs go to .data/demo/workers.log and .data/demo/api.log. Ctrl-C stops the workers, the
sidecar and the servers cleanly. With --keep, the URLs are printed, Bull Board's among them, with an
admin token to sign in.

Exit code 0 when every actor got its snapshot and the sidecar answers /ready (or after Ctrl-C), 1 when not.`,
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
        const problems = [
          ...(summary.actorsWithoutSnapshot > summary.failures || summary.failedJobs > 0
            ? [`${summary.actorsWithoutSnapshot} actors have no current snapshot (see ${summary.logFile})`]
            : []),
          ...(summary.sidecar.ready
            ? []
            : [`the sidecar's /ready did not answer 200 (see ${summary.sidecar.logFile})`]),
        ];
        throw new Error(problems.join('; '));
      }
    });
}
