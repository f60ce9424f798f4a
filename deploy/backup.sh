#!/usr/bin/env bash
# Backs up the Actor Core database: pg_dump --format=custom to
# ${BACKUP_DIR}/actor-core-<UTC timestamp>.dump with a .sha256 sidecar, optionally uploaded to an
# S3-compatible store, then deletes local backups older than BACKUP_RETENTION_DAYS.
# Progress goes to stderr; the last line on stdout is the path of the new dump.
#
#   DATABASE_URL           required: postgres://user:pass@host:5432/db
#   BACKUP_DIR             default /backups
#   BACKUP_RETENTION_DAYS  default 30: local backups older than this are deleted (S3: use a lifecycle rule)
#   S3_BUCKET              when set, the dump and its .sha256 are uploaded to s3://$S3_BUCKET/$S3_PREFIX<name>
#   S3_ENDPOINT_URL        S3-compatible endpoint (MinIO…), path-style; unset: AWS, virtual-hosted style
#   S3_PREFIX              key prefix, e.g. "actor-core/" (default empty)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (default us-east-1)
#   S3_UPLOAD_TOOL         auto (default: curl --aws-sigv4 below 5 GiB, else the aws CLI), curl, aws
#   PG_BIN_DIR             where pg_dump is; default: the installed client matching the server's major version
#   PGSSLROOTCERT          libpq's CA file for sslmode=verify-ca/verify-full (deploy/backup.Dockerfile sets
#                          the system's)
set -euo pipefail
umask 077 # a backup holds every row: readable by its owner only

readonly SELF=backup.sh
# shellcheck source=deploy/lib/pg-client.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/pg-client.sh"
# shellcheck source=deploy/lib/s3.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/s3.sh"

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *) die "takes no arguments, got '$1' (configuration is by environment variables: see --help)" ;;
esac
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set (postgres://user:pass@host:5432/db)"
backup_dir="${BACKUP_DIR:-/backups}"
retention_days="${BACKUP_RETENTION_DAYS:-30}"
[[ "$retention_days" =~ ^[1-9][0-9]*$ ]] ||
  die "BACKUP_RETENTION_DAYS must be a whole number of days ≥ 1, got '$retention_days'"
[[ -z "${S3_BUCKET:-}" ]] || s3_check_settings "S3_BUCKET is set"

mkdir -p -- "$backup_dir" 2>/dev/null || die "cannot create BACKUP_DIR $backup_dir"
[[ -w "$backup_dir" ]] || die "BACKUP_DIR $backup_dir is not writable"

pg_connection_env
server_major="$(pg_server_major)"
pg_dump_bin="$(pg_tool pg_dump "$server_major")"
pg_restore_bin="$(pg_tool pg_restore "$server_major")"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="actor-core-${stamp}.dump"
final="${backup_dir}/${name}"
[[ ! -e "$final" ]] || die "$final already exists (two backups in the same second?)"
# Hidden names of this run's own, which neither the retention pattern nor an operator takes for a backup.
partial="$(mktemp "${backup_dir}/.${name}.XXXXXX.partial")"
sidecar_partial="$(mktemp "${backup_dir}/.${name}.sha256.XXXXXX.partial")"
cleanup() { rm -f -- "$partial" "$sidecar_partial"; }
trap cleanup EXIT

note "dumping PostgreSQL ${server_major} with $pg_dump_bin"
started=$EPOCHREALTIME
# One consistent snapshot of the database as of the dump's start (a repeatable-read transaction).
if ! errors="$("$pg_dump_bin" --format=custom --file="$partial" --dbname="$PG_CONNECTION" 2>&1)"; then
  die "pg_dump failed: $(printf '%s' "$errors" | head -n 1)"
fi
# The archive's table of contents must read back: a dump cut short by a full disk is caught here.
"$pg_restore_bin" --list "$partial" >/dev/null 2>&1 || die "pg_dump wrote an archive that does not read back"
sha="$(sha256sum -- "$partial" | cut -d ' ' -f 1)"
printf '%s  %s\n' "$sha" "$name" >"$sidecar_partial"
# ln, unlike mv, refuses to replace a backup that another run finished under the same name meanwhile.
ln -- "$partial" "$final" 2>/dev/null || die "$final already exists (two backups in the same second?)"
rm -f -- "$partial"
mv -- "$sidecar_partial" "${final}.sha256"
size="$(stat -c %s -- "$final")"
note "wrote $final (${size} bytes, sha256 ${sha}) in $(elapsed "$started") s"

# Uploads FILE to s3://$S3_BUCKET/$S3_PREFIX<basename> with the SHA-256 PAYLOAD_HASH.
s3_upload() {
  local file="$1" payload_hash="$2" key url region="${AWS_REGION:-us-east-1}"
  key="${S3_PREFIX:-}$(basename -- "$file")"
  url="$(s3_object_url "$key")"
  local tool="${S3_UPLOAD_TOOL:-auto}"
  if [[ "$tool" == auto ]]; then
    # One PUT carries at most 5 GiB: larger dumps need the aws CLI's multipart upload.
    if command -v curl >/dev/null 2>&1 && (($(stat -c %s -- "$file") < 5 * 1024 ** 3)); then
      tool=curl
    elif command -v aws >/dev/null 2>&1; then
      tool=aws
    else
      die "cannot upload $(basename -- "$file"): install curl (≥ 7.75; dumps under 5 GiB) or the aws CLI (the local backup $final is kept)"
    fi
  fi
  if [[ "$tool" == curl ]]; then
    local response
    if ! response="$(s3_curl "$url" "$payload_hash" --upload-file "$file")"; then
      die "upload of $(basename -- "$file") to $url failed: $(printf '%s' "$response" | tr '\n' ' ' | cut -c 1-300) (the local backup $final is kept)"
    fi
  elif [[ "$tool" == aws ]]; then
    local endpoint=()
    [[ -z "${S3_ENDPOINT_URL:-}" ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
    AWS_DEFAULT_REGION="$region" aws "${endpoint[@]}" s3 cp --only-show-errors "$file" "s3://${S3_BUCKET}/${key}" >&2 ||
      die "upload of $(basename -- "$file") to s3://${S3_BUCKET}/${key} failed (the local backup $final is kept)"
  else
    die "S3_UPLOAD_TOOL must be auto, curl or aws, got '$tool'"
  fi
  note "uploaded $(basename -- "$file") to s3://${S3_BUCKET}/${key}"
}

if [[ -n "${S3_BUCKET:-}" ]]; then
  s3_upload "$final" "$sha"
  s3_upload "${final}.sha256" "$(sha256sum -- "${final}.sha256" | cut -d ' ' -f 1)"
fi

# Retention by age, on this script's own file names only (never *.dump in general).
deleted=0
while IFS= read -r -d '' old; do
  rm -f -- "$old"
  deleted=$((deleted + 1))
done < <(find "$backup_dir" -maxdepth 1 -type f -mmin "+$((retention_days * 1440))" \
  -regextype posix-extended -regex '.*/actor-core-[0-9]{8}T[0-9]{6}Z\.dump(\.sha256)?' -print0)
# Leftovers of runs killed mid-dump (SIGKILL skips the trap): a day old, they are no run's any more.
find "$backup_dir" -maxdepth 1 -type f -name '.actor-core-*.partial' -mmin +1440 -delete
note "retention ${retention_days} days: deleted ${deleted} old file(s)"

printf '%s\n' "$final"
