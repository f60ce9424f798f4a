/**
 * One command per item, sent without waiting for replies in between.
 *
 * - A single Redis: one explicit pipeline, one write and one round trip. One item is sent as it is:
 *   a pipeline would still be one write, and ioredis copies every script defined on the client onto
 *   each pipeline it opens (~30 µs on a client BullMQ shares, which defines ~60).
 * - Redis Cluster: ioredis only pipelines keys served by the same node (otherwise the whole pipeline
 *   is rejected), and a multi-key pipeline is not retried on a partial MOVED/ASK. So each command is
 *   sent on its own, all at once, and ioredis routes and redirects each; their round trips overlap
 *   (and with the client's `enableAutoPipelining` they are batched per node).
 *
 * Replies come back in item order; the first failed command's error is thrown as ioredis gave it.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

export async function runBatch<T>(
  redis: Redis | Cluster,
  items: readonly T[],
  enqueue: (pipeline: ChainableCommander, item: T) => void,
  single: (item: T) => Promise<unknown>,
): Promise<unknown[]> {
  if (items.length === 0) return [];
  if (redis.isCluster) return Promise.all(items.map(single));
  if (items.length === 1) return [await single(items[0]!)];
  const pipeline = redis.pipeline();
  for (const item of items) enqueue(pipeline, item);
  const replies = await pipeline.exec();
  if (replies === null) throw new Error('pipeline discarded');
  return replies.map(([err, reply]) => {
    if (err !== null) throw err;
    return reply;
  });
}
