/**
 * What the producer tests share: a queue of their own on the test Redis, the connections and producers
 * they open (all closed by `closeAll`), and a stand-in worker (plain BullMQ, no Postgres) that holds
 * each job for a while and returns which job ran and when it started.
 */
import { Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { QueueSettings } from '../../config/settings';
import { producerRedisOptions, ResolveProducer, type ProducerOptions } from '../../src/producer';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/queue/queue-settings';
import {
  emptyCounts,
  interactiveQueueName,
  type ResolveJobData,
  type ResolveJobResult,
} from '../../src/queue/resolve-jobs';
import { requiredEnv, uniquePrefix } from './databases';

const open: Array<{ close: () => Promise<unknown> }> = [];
const prefixes: string[] = [];

/** Queue settings (name and key prefix) unique to this test; `closeAll` deletes its keys. */
export function testQueue(label: string): QueueSettings {
  const unique = uniquePrefix(label).replace(/:/g, '.');
  prefixes.push(`{${unique}}`);
  return { ...DEFAULT_QUEUE_SETTINGS, name: unique, prefix: `{${unique}}` };
}

/** A connection, closed by `closeAll`; errors are the calls' business. */
export function connect(url = requiredEnv('REDIS_URL'), options: RedisOptions = {}): Redis {
  // disconnectTimeout: a connection dropped while it reconnects leaves no 2 s timer behind.
  const connection = new Redis(url, { ...producerRedisOptions, disconnectTimeout: 100, ...options });
  connection.on('error', () => undefined);
  open.push({ close: async () => connection.disconnect() });
  return connection;
}

/** A producer, closed by `closeAll` (before the connections). */
export function openProducer(options: ProducerOptions): ResolveProducer {
  const producer = new ResolveProducer(options);
  open.unshift({ close: () => producer.close() });
  return producer;
}

/** The result a stand-in job returns: which job ran, and when it started. */
export interface StandInResult extends ResolveJobResult {
  run: string;
  startedAt: number;
  forced: boolean;
}

/** A plain BullMQ worker on both lanes of `queue`: each job takes `holdMs`. */
export function standInWorker(queue: QueueSettings, holdMs: number): { ran: string[]; worker: Worker[] } {
  const ran: string[] = [];
  const processor = async (job: Job<ResolveJobData, ResolveJobResult>): Promise<StandInResult> => {
    const startedAt = Date.now();
    ran.push(job.id!);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const outcomes = Object.fromEntries(job.data.actorIds.map((id) => [id, 'written' as const]));
    return {
      outcomes,
      counts: { ...emptyCounts(), written: job.data.actorIds.length },
      errors: {},
      finishedAt: Date.now(),
      run: job.id!,
      startedAt,
      forced: job.data.force === true,
    };
  };
  const url = new URL(requiredEnv('REDIS_URL'));
  const worker = [queue.name, interactiveQueueName(queue.name)].map(
    (name) =>
      new Worker<ResolveJobData, ResolveJobResult>(name, processor, {
        connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
        prefix: queue.prefix,
      }),
  );
  for (const w of worker) {
    w.on('error', () => undefined);
    open.unshift({ close: () => w.close() });
  }
  return { ran, worker };
}

/** Closes what the test opened, producers and workers first, and deletes its keys; never throws. */
export async function closeAll(): Promise<void> {
  for (const item of open.splice(0)) await item.close().catch(() => undefined);
  if (prefixes.length === 0) return;
  const admin = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  try {
    for (const prefix of prefixes.splice(0)) {
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
    }
  } catch {
    // A test that stopped Redis leaves its keys to the end of the run.
  } finally {
    admin.disconnect();
  }
}
