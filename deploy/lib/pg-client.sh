# Shared by deploy/backup.sh and deploy/restore.sh (sourced; the caller sets SELF, its name in
# messages): one-line errors, timing, and the PostgreSQL client helpers.
# shellcheck shell=bash

die() {
  printf '%s: %s\n' "$SELF" "$*" >&2
  exit 1
}
note() { printf '%s: %s\n' "$SELF" "$*" >&2; }
# Seconds since START (an $EPOCHREALTIME), to a tenth.
elapsed() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }'; }

# --- PostgreSQL client helpers -----------------------------------------------------------------------
# Moves the URL's password into PGPASSWORD, so that it is not in the argv of psql/pg_dump/pg_restore (`ps`).
pg_connection_env() {
  PG_CONNECTION="$DATABASE_URL"
  if [[ "$DATABASE_URL" =~ ^(postgres(ql)?://)([^:@/?#]+):([^@/?#]*)@(.*)$ ]]; then
    local encoded="${BASH_REMATCH[4]}"
    PG_CONNECTION="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
    encoded="${encoded//\\/\\\\}"
    printf -v PGPASSWORD '%b' "${encoded//%/\\x}"
    export PGPASSWORD
  fi
}

# The server's major version (15, 16, …); dies naming the connection problem.
pg_server_major() {
  local out
  command -v psql >/dev/null 2>&1 || die "psql not found: install the PostgreSQL client (postgresql-client)"
  out="$(psql -X -A -t -q -w -d "$PG_CONNECTION" -c 'SHOW server_version_num' 2>&1)" ||
    die "cannot connect to DATABASE_URL: $(printf '%s' "$out" | head -n 1)"
  [[ "$out" =~ ^[0-9]+$ ]] || die "unexpected server_version_num from PostgreSQL: $out"
  printf '%s\n' "$((out / 10000))"
}

# The client tool NAME for server major MAJOR: PG_BIN_DIR, else the installed version matching the
# server (Debian: /usr/lib/postgresql/<v>/bin), else the oldest newer one, else NAME on PATH. A client
# older than the server cannot dump it, and an archive from a newer pg_dump may not restore.
pg_tool() {
  local name="$1" major="$2" dir version best="" path
  if [[ -n "${PG_BIN_DIR:-}" ]]; then
    [[ -x "$PG_BIN_DIR/$name" ]] || die "PG_BIN_DIR: no $name in $PG_BIN_DIR"
    printf '%s\n' "$PG_BIN_DIR/$name"
    return
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    version="$(basename -- "$(dirname -- "$dir")")"
    [[ "$version" =~ ^[0-9]+$ && -x "$dir/$name" ]] || continue
    if ((version == major)); then
      printf '%s\n' "$dir/$name"
      return
    fi
    if ((version > major)) && [[ -z "$best" || "$version" -lt "$best" ]]; then best="$version"; fi
  done
  if [[ -n "$best" ]]; then
    printf '%s\n' "/usr/lib/postgresql/$best/bin/$name"
    return
  fi
  path="$(command -v "$name" 2>/dev/null)" || die "$name not found: install postgresql-client-$major"
  version="$("$path" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  if ! [[ "$version" =~ ^[0-9]+$ ]] || ((version < major)); then
    die "$path is version $version, older than the PostgreSQL $major server: install postgresql-client-$major"
  fi
  printf '%s\n' "$path"
}
# ------------------------------------------------------------------------------------------------------
