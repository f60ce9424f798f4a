/**
 * The configuration's Redis client settings (the guide's dial_timeout, read/write_timeout, max_retries)
 * over the options a connection is tuned with for its role. Unset settings keep the role's values. Only
 * for connections whose commands all return at once: BullMQ's blocking ones (a worker waiting for jobs,
 * QueueEvents) must keep no command timeout and `maxRetriesPerRequest: null`.
 */
import type { RedisOptions } from 'ioredis';
import type { RedisClientSettings } from '../../../config/settings';

export function redisClientOptions(role: RedisOptions, client: RedisClientSettings): RedisOptions {
  return {
    ...role,
    ...(client.connectTimeoutMs === undefined ? {} : { connectTimeout: client.connectTimeoutMs }),
    ...(client.commandTimeoutMs === undefined ? {} : { commandTimeout: client.commandTimeoutMs }),
    ...(client.maxRetries === undefined ? {} : { maxRetriesPerRequest: client.maxRetries }),
  };
}
