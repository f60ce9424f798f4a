/** The configuration's Redis client settings over a connection's own tuned options. */
import { redisClientOptions } from '../../src/adapters/redis/client-options';

const role = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  commandTimeout: 2000,
};

it('keeps the role’s tuned options where the configuration sets nothing', () => {
  const unset = { connectTimeoutMs: undefined, commandTimeoutMs: undefined, maxRetries: undefined };
  expect(redisClientOptions(role, unset)).toEqual(role);
});

it('takes each setting the configuration gives over the role’s, and leaves the others', () => {
  expect(
    redisClientOptions(role, { connectTimeoutMs: 800, commandTimeoutMs: 3000, maxRetries: undefined }),
  ).toEqual({
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 800,
    commandTimeout: 3000,
  });
  expect(
    redisClientOptions(role, { connectTimeoutMs: undefined, commandTimeoutMs: undefined, maxRetries: 0 }),
  ).toEqual({ ...role, maxRetriesPerRequest: 0 });
});
