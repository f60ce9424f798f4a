/**
 * The version-guarded SET of one or more snapshots, run atomically inside Redis (registered with
 * ioredis `defineCommand`, so it travels as EVALSHA once the script is known to the connection).
 *
 *   KEYS[i]        the snapshot keys, i = 1..n
 *   ARGV[1]        the time to live in seconds, for every key
 *   ARGV[2i]       key i's new version, a decimal integer
 *   ARGV[2i + 1]   key i's new value, `{"version":N,...}` (see cached-value.ts)
 *
 * Returns an array of n integers, in key order: 1 where it wrote, 0 where it kept a stored value of a
 * NEWER version. Keys are handled in order, so a key listed twice ends as the later write allows.
 *
 * - Many keys per call: one script call costs Redis and ioredis more than the work it does for one key,
 *   so a single Redis gets a batch's keys in a few calls. On Redis Cluster, every key of one call must
 *   be in the same slot: the cache then calls it with one key, which ioredis routes to that key's node.
 * - The stored version is read cheaply: GETRANGE of the first 64 bytes (enough for `{"version":` and
 *   any safe integer) matched against `^{"version":(%d+)[,}]`, instead of GET + cjson.decode of the
 *   whole value. The terminator `[,}]` rejects a digit run cut short by the range.
 * - No value, a value whose head does not match (corrupt, or a foreign format), or a key of another
 *   type (a hash or list someone wrote there: TYPE is checked first, as GETRANGE of it would fail the
 *   whole call with WRONGTYPE) has no version and is overwritten — SET replaces a key of any type —:
 *   the cache repairs itself.
 * - EQUAL versions overwrite: re-resolving an actor at the same version with new registries (a new
 *   `registryVersion`) must refresh the cached snapshot, and rewriting identical content is harmless.
 *   Only a strictly older version is refused, so an older version never replaces a newer one.
 * - Versions are safe integers (≤ 2^53 - 1, checked before encoding), exact as Lua numbers (doubles).
 */
export const GUARDED_SET_LUA = `
local ttl = ARGV[1]
local written = {}
for i = 1, #KEYS do
  local version = tonumber(ARGV[2 * i])
  local stored = nil
  if redis.call('TYPE', KEYS[i]).ok == 'string' then
    stored = string.match(redis.call('GETRANGE', KEYS[i], 0, 63), '^{"version":(%d+)[,}]')
  end
  if stored and tonumber(stored) > version then
    written[i] = 0
  else
    redis.call('SET', KEYS[i], ARGV[2 * i + 1], 'EX', ttl)
    written[i] = 1
  end
end
return written
`;

/** The name the script is registered under on the client (and its pipelines). */
export const GUARDED_SET_COMMAND = 'actorCoreSnapshotGuardedSet';

/** Keys per script call on a single Redis: long enough to amortize the call, short enough not to block Redis (~0.5 ms). */
export const GUARDED_SET_KEYS_PER_CALL = 100;

/**
 * The method `defineCommand` adds (registered without a fixed key count, so the first argument is the
 * number of keys): on a client it returns a promise of the 0/1 array, on a pipeline the pipeline.
 */
export interface GuardedSetCommand<R> {
  [GUARDED_SET_COMMAND](keyCount: number, ...keysThenArgs: string[]): R;
}

/** The arguments of one call for `writes`: the key count, the keys, the TTL, then version and value per key. */
export function guardedSetArgs(
  writes: readonly { key: string; version: string; value: string }[],
  ttlSeconds: string,
): [number, ...string[]] {
  const n = writes.length;
  const args = new Array<number | string>(3 * n + 2) as [number, ...string[]];
  args[0] = n;
  args[n + 1] = ttlSeconds;
  for (let i = 0; i < n; i++) {
    const w = writes[i]!;
    args[1 + i] = w.key;
    args[n + 2 + 2 * i] = w.version;
    args[n + 3 + 2 * i] = w.value;
  }
  return args;
}
