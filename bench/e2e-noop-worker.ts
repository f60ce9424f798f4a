/**
 * A bare BullMQ worker process for the end-to-end benchmark's baseline: the resolve queue's worker
 * options (retention, locks), a processor that does nothing. Started by e2e-bare.ts with one JSON
 * argument; prints `{"ready":true}` once it listens, then, at most every 20 ms while jobs complete,
 * `{"completed":N,"last":T}` (jobs completed so far, and when the last one completed). SIGTERM stops it.
 */
import { Worker, type ConnectionOptions } from 'bullmq';
import type { QueueSettings, WorkerSettings } from '../config/settings';
import { workerOptions } from '../src/queue/queue-options';

export interface NoopWorkerArgs {
  redisUrl: string;
  queue: QueueSettings;
  worker: WorkerSettings;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as NoopWorkerArgs;
  const worker = new Worker(
    args.queue.name,
    async () => undefined,
    workerOptions(args.queue, args.worker, { url: args.redisUrl } as ConnectionOptions),
  );
  let completed = 0;
  let last = 0;
  let reported = 0;
  worker.on('completed', () => {
    completed++;
    last = Date.now();
  });
  worker.on('error', (err) => process.stderr.write(`noop worker: ${err.message}\n`));
  await worker.waitUntilReady();
  process.stdout.write('{"ready":true}\n');
  const timer = setInterval(() => {
    if (completed === reported) return;
    reported = completed;
    process.stdout.write(`${JSON.stringify({ completed, last })}\n`);
  }, 20);
  const stop = (): void => {
    clearInterval(timer);
    void worker.close(true).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
