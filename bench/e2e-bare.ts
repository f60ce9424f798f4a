/**
 * Bare BullMQ on the same Redis, as the yardstick of the pipeline: the same queue and worker options,
 * no-op jobs, worker processes of their own (e2e-noop-worker.ts). A run adds the jobs (addBulk, 1,000
 * at a time) to workers that are already listening, and its clock runs from the first add to the last
 * completion (as the workers saw it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueSettings, WorkerSettings } from '../config/settings';
import { deleteKeys } from '../src/demo/isolated-stores';
import { wrapCommand } from '../src/local-services/run-command';
import { queueOptions } from '../src/queue/queue-options';
import type { NoopWorkerArgs } from './e2e-noop-worker';

export interface BareJob {
  data: unknown;
  opts?: JobsOptions;
}

export interface BareRunOptions {
  redisUrl: string;
  /** The queue (a fresh name: its keys are deleted afterwards). */
  queue: QueueSettings;
  worker: WorkerSettings;
  /** Worker processes (each with `worker.concurrency`). */
  processes: number;
  jobs: readonly BareJob[];
  timeoutMs?: number;
  /** Rejecting it ends the run early (its workers are stopped and its keys deleted all the same). */
  abort?: Promise<never>;
}

export interface BareResult {
  jobs: number;
  processes: number;
  concurrency: number;
  seconds: number;
  jobsPerSecond: number;
  /** How long adding them took (the workers were already taking them). */
  addSeconds: number;
}

interface NoopChild {
  process: ChildProcess;
  ready: Promise<void>;
  completed: number;
  last: number;
}

const ADD_CHUNK = 1000;

function startNoopWorker(args: NoopWorkerArgs, onReport: () => void): NoopChild {
  const script = path.join(__dirname, 'e2e-noop-worker.js');
  const line = wrapCommand(process.execPath, [script, JSON.stringify(args)], {
    parentDeathSignal: 'SIGTERM',
  });
  const child = spawn(line.command, line.args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const state: NoopChild = { process: child, ready: Promise.resolve(), completed: 0, last: 0 };
  state.ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`noop worker exited (${code ?? signal})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      const message = JSON.parse(text) as { ready?: boolean; completed?: number; last?: number };
      if (message.ready) resolve();
      if (message.completed !== undefined) {
        state.completed = message.completed;
        state.last = message.last!;
        onReport();
      }
    });
  });
  state.ready.catch(() => undefined);
  return state;
}

async function stopNoopWorker(child: NoopChild): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function runBare(options: BareRunOptions): Promise<BareResult> {
  const expected = options.jobs.length;
  let wake = (): void => undefined;
  const children: NoopChild[] = [];
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(options.queue.name, queueOptions(options.queue, connection as ConnectionOptions));
  const timeoutMs = options.timeoutMs ?? 600_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < options.processes; i++) {
      children.push(
        startNoopWorker({ redisUrl: options.redisUrl, queue: options.queue, worker: options.worker }, () =>
          wake(),
        ),
      );
    }
    const abort = options.abort ?? new Promise<never>(() => undefined);
    await Promise.race([Promise.all(children.map((c) => c.ready)), abort]);
    const finished = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`bare run: jobs not finished after ${timeoutMs} ms`)),
        timeoutMs,
      );
      wake = () => {
        if (children.reduce((n, c) => n + c.completed, 0) >= expected) resolve();
      };
    });
    finished.catch(() => undefined); // raced below
    const t0 = Date.now();
    for (let i = 0; i < expected; i += ADD_CHUNK) {
      await queue.addBulk(
        options.jobs.slice(i, i + ADD_CHUNK).map((job) => ({ name: 'noop', data: job.data, opts: job.opts })),
      );
    }
    const addSeconds = (Date.now() - t0) / 1000;
    await Promise.race([finished, abort]);
    const seconds = Math.max(Math.max(...children.map((c) => c.last)) - t0, 1) / 1000;
    return {
      jobs: expected,
      processes: options.processes,
      concurrency: options.worker.concurrency,
      seconds,
      jobsPerSecond: expected / seconds,
      addSeconds,
    };
  } finally {
    clearTimeout(timer);
    await Promise.all(children.map(stopNoopWorker));
    await queue.close();
    await deleteKeys(connection, `${options.queue.prefix}:${options.queue.name}:*`);
    connection.disconnect();
  }
}
