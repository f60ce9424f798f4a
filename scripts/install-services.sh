#!/usr/bin/env bash
# Installs the PostgreSQL, Redis and HAProxy binaries the integration tests (and the demo, the benchmarks)
# start privately when DATABASE_URL / REDIS_URL are not set, and promtool, which a deploy test runs when
# it is there. Installing needs root and apt-get (Debian/Ubuntu, e.g. CI); anyone else is told in one
# line what to install. src/local-services installs
# a missing server by itself too; CI calls this first so that apt's minutes show up as their own step.
set -euo pipefail

has_postgres() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/postgres" ]] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

need=()
if [[ -z "${DATABASE_URL:-}" ]] && ! has_postgres; then need+=(postgresql); fi
if [[ -z "${REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null 2>&1; then need+=(redis-server); fi
# HAProxy: the blue-green switch test (deploy/blue-green.sh) runs a real one. pg_dump/pg_restore for
# the backup test come with the postgresql package.
if ! command -v haproxy >/dev/null 2>&1 && [[ ! -x /usr/sbin/haproxy ]]; then need+=(haproxy); fi
# openssl: the HTTPS test of deploy/haproxy.cfg makes a self-signed certificate with it.
if ! command -v openssl >/dev/null 2>&1; then need+=(openssl); fi
# promtool (from Debian's prometheus package; its server is not started): the deploy-monitoring test
# checks deploy/prometheus's configuration, alert rules and every dashboard query with it.
# Optional: without root it is only named.
optional=()
if ! command -v promtool >/dev/null 2>&1; then optional+=(prometheus); fi

if ((${#need[@]} + ${#optional[@]} == 0)); then
  echo "install-services: nothing to install (PostgreSQL, Redis, HAProxy, openssl and promtool present, or URLs given)"
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  if ((${#need[@]} == 0)); then
    echo "install-services: promtool is missing (package prometheus): the test that runs it is skipped"
    exit 0
  fi
  echo "install-services: missing ${need[*]}: install the package(s) ${need[*]} (Debian/Ubuntu: sudo apt-get install -y ${need[*]}), or set DATABASE_URL and REDIS_URL" >&2
  exit 1
fi
need+=("${optional[@]}")

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -o DPkg::Lock::Timeout=600)
echo "install-services: installing ${need[*]}"
# A fresh image has no package lists: fetch them only then, or when the install cannot find a package.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then "${apt[@]}" update; fi
if ! "${apt[@]}" install -y --no-install-recommends "${need[@]}"; then
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${need[@]}"
fi
echo "install-services: installed ${need[*]}"
