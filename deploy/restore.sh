#!/usr/bin/env bash
# Restores a backup.sh dump into the Actor Core database, all or nothing, then deletes the cached
# snapshots from Redis so that none from before the restore is served (or blocks, by its higher
# version, the restored one from being cached again).
#
#   restore.sh [--purge-queue] FILE.dump
#   restore.sh [--purge-queue] s3://BUCKET/KEY.dump    (as backup.sh uploaded it, with KEY.dump.sha256)
#
#   --purge-queue          also obliterate the BullMQ queues (QUEUE_NAME and its -interactive lane):
#                          their retained job ids (actor.<id>.v<N>) would swallow the jobs of versions
#                          that the restored actors reach again. Stop every worker and API first.
#   DATABASE_URL           required: the database to restore into (its tables are dropped and recreated)
#   REDIS_URL              required: the cache to purge
#   REDIS_KEY_PREFIX       default actor-core: the keys deleted are <prefix>:snapshot:*
#   QUEUE_NAME, QUEUE_PREFIX   defaults actor-resolve, {actor-core} (with --purge-queue)
#   RESTORE_LOCK_TIMEOUT   default 30s: give up (and change nothing) when a session holds a table that long
#   RESTORE_REDIS_CLIENT   auto (default: node with the project's ioredis, else redis-cli), node, redis-cli
#   ACTOR_CORE_ROOT        the installed project, for node_modules; default: this script's folder's parent
#   PG_BIN_DIR             where pg_restore is; default: the installed client matching the server's major version
#   With s3://: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (default us-east-1), S3_ENDPOINT_URL
#   (S3-compatible store, path-style), RESTORE_DOWNLOAD_DIR (default $TMPDIR or /tmp: the dump and its
#   .sha256 are downloaded there with curl, verified, restored, then deleted)
set -euo pipefail

readonly SELF=restore.sh
# shellcheck source=deploy/lib/pg-client.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/pg-client.sh"
# shellcheck source=deploy/lib/s3.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/s3.sh"

purge_queue=false
file=""
while (($# > 0)); do
  case "$1" in
    --purge-queue) purge_queue=true ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $1 (usage: restore.sh [--purge-queue] FILE.dump)" ;;
    *)
      [[ -z "$file" ]] || die "one dump file at a time (usage: restore.sh [--purge-queue] FILE.dump)"
      file="$1"
      ;;
  esac
  shift
done
[[ -n "$file" ]] || die "no dump file given (usage: restore.sh [--purge-queue] FILE.dump)"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set (postgres://user:pass@host:5432/db)"
[[ -n "${REDIS_URL:-}" ]] || die "REDIS_URL is not set: the cached snapshots must be purged after a restore"
key_prefix="${REDIS_KEY_PREFIX:-actor-core}"
# The pattern config/schema.ts accepts: no glob characters, so the SCAN pattern needs no escaping.
[[ "$key_prefix" =~ ^[A-Za-z0-9_{}.-]+(:[A-Za-z0-9_{}.-]+)*$ ]] ||
  die "REDIS_KEY_PREFIX '$key_prefix' must be letters, digits, _ { } . - separated by ':'"
lock_timeout="${RESTORE_LOCK_TIMEOUT:-30s}"
[[ "$lock_timeout" =~ ^[0-9]+(ms|s|min)?$ ]] || die "RESTORE_LOCK_TIMEOUT must be like 30s, got '$lock_timeout'"
source_url=""
if [[ "$file" =~ ^s3://([^/]+)/(.+)$ ]]; then
  source_url="$file"
  S3_BUCKET="${BASH_REMATCH[1]}"
  s3_key="${BASH_REMATCH[2]}"
  s3_check_settings "the dump is on $source_url"
  command -v curl >/dev/null 2>&1 || die "curl (≥ 7.75) is needed to download $source_url"
else
  [[ -f "$file" && -r "$file" ]] || die "$file: no such readable file"
  [[ -s "$file" ]] || die "$file is empty"
fi

# Node with the project's own ioredis (the URL stays in the environment, out of argv); redis-cli else.
actor_core_root="${ACTOR_CORE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
node_has() {
  command -v node >/dev/null 2>&1 &&
    node -e 'require.resolve(process.argv[1], { paths: [process.argv[2]] })' "$1" "$actor_core_root" 2>/dev/null
}

# Deletes the keys matching $1 (SCAN + UNLINK in batches) with node and prints how many; with "", pings.
purge_keys_node() {
  # shellcheck disable=SC2016 # the ${…} are JavaScript's
  PURGE_ROOT="$actor_core_root" PURGE_PATTERN="$1" node -e '
    const { Redis } = require(require.resolve("ioredis", { paths: [process.env.PURGE_ROOT] }));
    const redis = new Redis(process.env.REDIS_URL, {
      lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 10000, retryStrategy: () => null,
    });
    let lastError;
    redis.on("error", (err) => (lastError = err));
    (async () => {
      await redis.connect();
      if (process.env.PURGE_PATTERN === "") return void process.stdout.write(`${await redis.ping()}\n`);
      let cursor = "0", deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", process.env.PURGE_PATTERN, "COUNT", 1000);
        if (keys.length > 0) deleted += await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
      process.stdout.write(`${deleted}\n`);
    })().then(() => redis.disconnect(), (err) => {
      process.stderr.write(`${(lastError || err).message || err}\n`);
      redis.disconnect();
      process.exit(1);
    });'
}

# The same with redis-cli; the password goes in through REDISCLI_AUTH, not argv.
purge_keys_redis_cli() {
  local url="$REDIS_URL" args=() user="" password=""
  if [[ "$url" =~ ^(rediss?://)([^@/]*)@(.*)$ ]]; then
    local userinfo="${BASH_REMATCH[2]}"
    url="${BASH_REMATCH[1]}${BASH_REMATCH[3]}"
    if [[ "$userinfo" == *:* ]]; then
      user="${userinfo%%:*}"
      password="${userinfo#*:}"
    else
      password="$userinfo"
    fi
    password="${password//\\/\\\\}"
    printf -v password '%b' "${password//%/\\x}"
  fi
  args=(--no-auth-warning -u "$url")
  [[ -z "$user" ]] || args+=(--user "$user")
  export REDISCLI_AUTH="$password"
  [[ -n "$password" ]] || unset REDISCLI_AUTH
  if [[ -z "$1" ]]; then
    redis-cli "${args[@]}" ping
    return
  fi
  # A SCAN loop of our own: redis-cli --scan has no --count before Redis 7.2 (10 keys per call).
  local cursor=0 deleted=0 reply count
  local -a lines
  while :; do
    reply="$(redis-cli "${args[@]}" scan "$cursor" MATCH "$1" COUNT 1000)" || return 1
    mapfile -t lines <<<"$reply"
    cursor="${lines[0]}"
    [[ "$cursor" =~ ^[0-9]+$ ]] || {
      printf 'redis-cli scan: %s\n' "$reply" >&2
      return 1
    }
    if ((${#lines[@]} > 1)); then
      count="$(redis-cli "${args[@]}" unlink "${lines[@]:1}")" || return 1
      [[ "$count" =~ ^[0-9]+$ ]] || {
        printf 'redis-cli unlink: %s\n' "$count" >&2
        return 1
      }
      deleted=$((deleted + count))
    fi
    [[ "$cursor" != 0 ]] || break
  done
  printf '%s\n' "$deleted"
}

redis_client="${RESTORE_REDIS_CLIENT:-auto}"
case "$redis_client" in
  auto)
    if node_has ioredis; then
      redis_client=node
    elif command -v redis-cli >/dev/null 2>&1; then
      redis_client=redis-cli
    else
      die "neither node with ioredis ($actor_core_root) nor redis-cli is available to purge the cache after the restore"
    fi
    ;;
  node | redis-cli) ;;
  *) die "RESTORE_REDIS_CLIENT must be auto, node or redis-cli, got '$redis_client'" ;;
esac
if [[ "$purge_queue" == true ]] && ! node_has bullmq; then
  die "--purge-queue needs node with the project's bullmq ($actor_core_root, or set ACTOR_CORE_ROOT): nothing was restored"
fi
purge_keys() {
  if [[ "$redis_client" == node ]]; then purge_keys_node "$1"; else purge_keys_redis_cli "$1"; fi
}
client_errors="$(mktemp)"
download_dir=""
cleanup() { rm -rf -- "$client_errors" ${download_dir:+"$download_dir"}; }
trap cleanup EXIT
# Redis must be there before the database is touched: a restore whose stale cache cannot be purged
# would serve snapshots of versions that no longer exist.
pong="$(purge_keys "" 2>"$client_errors")" || pong="$(head -n 1 "$client_errors")"
[[ "$pong" == PONG ]] || die "cannot reach REDIS_URL with ${redis_client}: ${pong:-no answer}: nothing was restored"

# A dump on S3 is downloaded with its .sha256, which must then be there and match: a download has no
# other check against a truncated or swapped object.
if [[ -n "$source_url" ]]; then
  download_dir="$(mktemp -d "${RESTORE_DOWNLOAD_DIR:-${TMPDIR:-/tmp}}/actor-core-restore.XXXXXX")" ||
    die "cannot create a download folder in ${RESTORE_DOWNLOAD_DIR:-${TMPDIR:-/tmp}}: nothing was restored"
  file="${download_dir}/$(basename -- "$s3_key")"
  for object in "$s3_key" "${s3_key}.sha256"; do
    target="${download_dir}/$(basename -- "$object")"
    if ! response="$(s3_curl "$(s3_object_url "$object")" "$S3_EMPTY_PAYLOAD" --output "$target")"; then
      die "download of s3://${S3_BUCKET}/${object} failed: $(printf '%s' "$response" | tr '\n' ' ' | cut -c 1-300): nothing was restored"
    fi
  done
  [[ -s "$file" ]] || die "$source_url is empty: nothing was restored"
  note "downloaded $source_url ($(stat -c %s -- "$file") bytes) and its .sha256"
fi

sidecar_label="${file}.sha256"
[[ -z "$source_url" ]] || sidecar_label="its .sha256"
if [[ -f "${file}.sha256" ]]; then
  expected="$(cut -d ' ' -f 1 <"${file}.sha256")"
  actual="$(sha256sum -- "$file" | cut -d ' ' -f 1)"
  [[ "$expected" == "$actual" ]] ||
    die "${source_url:-$file} does not match ${sidecar_label} (corrupted or truncated copy): nothing was restored"
  note "checksum OK (${file}.sha256)"
else
  note "no ${file}.sha256 beside the dump: its checksum is not verified"
fi

pg_connection_env
server_major="$(pg_server_major)"
pg_restore_bin="$(pg_tool pg_restore "$server_major")"
if ! toc="$("$pg_restore_bin" --list "$file" 2>&1)"; then
  die "$file is not a readable pg_dump custom-format archive: $(printf '%s' "$toc" | grep -m 1 error || true)"
fi
created="$(printf '%s\n' "$toc" | sed -n 's/^; Archive created at //p')"
note "restoring $file (dumped at ${created:-unknown time}) with $pg_restore_bin"

# PostgreSQL 15 dumps do not create the public schema: recreate it if a disaster dropped it.
if [[ "$(psql -X -A -t -q -w -d "$PG_CONNECTION" -c "SELECT to_regnamespace('public') IS NULL")" == t ]]; then
  psql -X -q -w -d "$PG_CONNECTION" -c 'CREATE SCHEMA public' >/dev/null
  note "recreated the missing public schema"
fi

started=$EPOCHREALTIME
# One transaction: the drops of --clean and every COPY commit together or not at all, so a failed
# restore (truncated archive, lock timeout, lost connection) leaves the database exactly as it was.
# lock_timeout: a worker or API still holding a table fails the restore instead of hanging it.
if ! errors="$(PGOPTIONS="-c lock_timeout=${lock_timeout} -c statement_timeout=0 ${PGOPTIONS:-}" \
  "$pg_restore_bin" --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname="$PG_CONNECTION" "$file" 2>&1)"; then
  reason="$(printf '%s\n' "$errors" | grep -m 1 -E 'error|ERROR' || printf '%s\n' "$errors" | head -n 1)"
  die "pg_restore failed, the database is unchanged (the restore was one transaction, rolled back): ${reason}"
fi
note "database restored in $(elapsed "$started") s"

pattern="${key_prefix}:snapshot:*"
if ! deleted="$(purge_keys "$pattern" 2>"$client_errors")"; then
  die "database restored, but purging ${pattern} from Redis failed ($(head -n 1 "$client_errors")): delete those keys before serving (run restore.sh again, or SCAN + UNLINK them)"
fi
note "deleted ${deleted} cached snapshot(s) ${pattern} with ${redis_client}"

if [[ "$purge_queue" == true ]]; then
  queue_name="${QUEUE_NAME:-actor-resolve}"
  queue_prefix="${QUEUE_PREFIX:-}"
  [[ -n "$queue_prefix" ]] || queue_prefix='{actor-core}'
  # shellcheck disable=SC2016 # the ${…} are JavaScript's
  if ! purged="$(PURGE_ROOT="$actor_core_root" QUEUE_NAME="$queue_name" QUEUE_PREFIX="$queue_prefix" node -e '
    const from = (name) => require(require.resolve(name, { paths: [process.env.PURGE_ROOT] }));
    const { Queue } = from("bullmq");
    const { Redis } = from("ioredis");
    const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null, connectTimeout: 10000 });
    connection.on("error", () => undefined);
    (async () => {
      let jobs = 0;
      for (const name of [process.env.QUEUE_NAME, `${process.env.QUEUE_NAME}-interactive`]) {
        const queue = new Queue(name, { connection, prefix: process.env.QUEUE_PREFIX });
        const counts = await queue.getJobCounts();
        jobs += Object.values(counts).reduce((a, b) => a + b, 0);
        await queue.obliterate({ force: true });
        await queue.close();
      }
      process.stdout.write(`${jobs}\n`);
      connection.disconnect();
    })().catch((err) => {
      process.stderr.write(`${err && err.message ? err.message : err}\n`);
      connection.disconnect();
      process.exit(1);
    });' 2>"$client_errors")"; then
    die "database restored and cache purged, but obliterating the queue ${queue_name} failed: $(head -n 1 "$client_errors")"
  fi
  note "obliterated the queues ${queue_name} and ${queue_name}-interactive (${purged} job(s))"
fi

note "next: start the workers and the API, then run 'actor-core enqueue --all --stale': jobs in flight when the dump was taken are not in it, and it enqueues only the actors whose snapshot is missing or older than the actor"
[[ "$purge_queue" == true ]] ||
  note "the BullMQ queue was kept: its retained job ids (actor.<id>.v<N>, failed ones for 7 days) can swallow the jobs of versions the restored actors reach again; with workers stopped, prefer restore.sh --purge-queue"
printf 'restored %s\n' "${source_url:-$file}"
