/**
 * The version-guarded SET, run atomically inside Redis (registered with ioredis `defineCommand`, so it
 * travels as EVALSHA once the script is known to the connection).
 *
 *   KEYS[1]  the snapshot key (the only key: on Redis Cluster the call goes to that key's node)
 *   ARGV[1]  the new version, a decimal integer
 *   ARGV[2]  the new value, `{"version":N,...}` (see cached-value.ts)
 *   ARGV[3]  the time to live in seconds
 *
 * Returns 1 when it wrote, 0 when it kept a stored value of a NEWER version.
 *
 * - The stored version is read cheaply: GETRANGE of the first 64 bytes (enough for `{"version":` and
 *   any safe integer) matched against `^{"version":(%d+)[,}]`, instead of GET + cjson.decode of the
 *   whole value. The terminator `[,}]` rejects a digit run cut short by the range.
 * - No value (GETRANGE of a missing key is ""), or a value whose head does not match (corrupt, or a
 *   foreign format), is overwritten: the cache repairs itself.
 * - EQUAL versions overwrite: re-resolving an actor at the same version with new registries (a new
 *   `registryVersion`) must refresh the cached snapshot, and rewriting identical content is harmless.
 *   Only a strictly older version is refused, so an older version never replaces a newer one.
 * - Versions are safe integers (≤ 2^53 - 1, checked before encoding), exact as Lua numbers (doubles).
 */
export const GUARDED_SET_LUA = `
local head = redis.call('GETRANGE', KEYS[1], 0, 63)
local stored = string.match(head, '^{"version":(%d+)[,}]')
if stored and tonumber(stored) > tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/** The name the script is registered under on the client (and its pipelines). */
export const GUARDED_SET_COMMAND = 'actorCoreSnapshotGuardedSet';

/** The method `defineCommand` adds: on a client it returns a promise of 0/1, on a pipeline the pipeline. */
export interface GuardedSetCommand<R> {
  [GUARDED_SET_COMMAND](key: string, version: string, value: string, ttlSeconds: string): R;
}
