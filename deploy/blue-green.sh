#!/usr/bin/env bash
# Blue-green switch of the Actor Core API behind HAProxy (deploy/haproxy.cfg), through HAProxy's
# runtime API. Zero downtime: the new colour is proven healthy and made live before the old one is
# drained (no new requests; those in flight finish), and the old one goes to maintenance only once
# its sessions have ended. Stop the old API processes after this script has returned.
#
#   deploy/blue-green.sh switch [blue|green]   make that colour live (default: the one that is not)
#   deploy/blue-green.sh status                each server's state, then "live: <colour>"
#
# Environment:
#   HAPROXY_SOCKET              runtime API: a unix socket path, or [ipv4@]host:port
#                               (default /var/lib/haproxy/admin.sock)
#   HAPROXY_BACKEND             backend name (default actor_core)
#   HAPROXY_STATE_FILE          when set, the servers' states are saved there after a switch, so that
#                               a restarted HAProxy keeps the live colour (the path HAProxy loads it
#                               from, as seen from here)
#   BLUE_GREEN_HEALTH_TIMEOUT   seconds the new colour has to pass its readiness checks (default 20)
#   BLUE_GREEN_DRAIN_TIMEOUT    seconds the old colour has to finish its requests (default 40)
#
# Talks to the socket with socat when installed, else with node (always there for Actor Core).
# Exit status: 0 done (or nothing to do), 1 failed (one line on stderr says why), 2 usage.
set -euo pipefail

SOCKET="${HAPROXY_SOCKET:-/var/lib/haproxy/admin.sock}"
BACKEND="${HAPROXY_BACKEND:-actor_core}"
STATE_FILE="${HAPROXY_STATE_FILE:-}"
HEALTH_TIMEOUT="${BLUE_GREEN_HEALTH_TIMEOUT:-20}"
DRAIN_TIMEOUT="${BLUE_GREEN_DRAIN_TIMEOUT:-40}"
COLOURS=(blue green)

die() {
  echo "blue-green: error: $*" >&2
  exit 1
}
say() { echo "blue-green: $*"; }
usage() {
  echo "usage: $0 switch [blue|green] | status" >&2
  exit 2
}

for value in "$HEALTH_TIMEOUT" "$DRAIN_TIMEOUT"; do
  [[ "$value" =~ ^[0-9]+$ ]] || die "BLUE_GREEN_HEALTH_TIMEOUT and BLUE_GREEN_DRAIN_TIMEOUT must be whole seconds, got '$value'"
done

# --- the runtime API -------------------------------------------------------------------------------

# Sends one command line, prints HAProxy's answer.
send() {
  local command="$1"
  if command -v socat >/dev/null 2>&1; then
    local address
    case "$SOCKET" in
      /* | ./* | unix@*) address="UNIX-CONNECT:${SOCKET#unix@}" ;;
      *) address="TCP:${SOCKET#*@}" ;;
    esac
    printf '%s\n' "$command" | socat -t 5 - "$address" 2>/dev/null ||
      die "cannot reach HAProxy's runtime API at $SOCKET (is HAProxy running? is HAPROXY_SOCKET right?)"
  else
    command -v node >/dev/null 2>&1 || die "neither socat nor node is installed: cannot talk to HAProxy"
    # shellcheck disable=SC2016 # JavaScript, not shell: nothing to expand.
    node -e '
      const net = require("node:net");
      const [target, command] = process.argv.slice(1);
      const unix = /^(\/|\.\/|unix@)/.test(target);
      const tcp = /^(?:ipv4@|ipv6@|tcp@)?\[?([^\]]*)\]?:(\d+)$/.exec(target);
      const options = unix ? { path: target.replace(/^unix@/, "") } : tcp && { host: tcp[1], port: Number(tcp[2]) };
      if (!options) { console.error(`not a socket path nor host:port: ${target}`); process.exit(1); }
      const socket = net.createConnection(options);
      const chunks = [];
      socket.setTimeout(5000, () => { console.error("timed out"); process.exit(1); });
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.on("end", () => process.stdout.write(Buffer.concat(chunks)));
      socket.on("error", (err) => { console.error(err.code || err.message); process.exit(1); });
      socket.write(command + "\n");
    ' "$SOCKET" "$command" 2>/dev/null ||
      die "cannot reach HAProxy's runtime API at $SOCKET (is HAProxy running? is HAPROXY_SOCKET right?)"
  fi
}

# A command that answers nothing when it succeeds.
apply() {
  local answer
  answer="$(send "$1")"
  [[ -z "${answer//[[:space:]]/}" ]] || die "HAProxy refused '$1': $(echo "$answer" | head -n 1)"
}

# --- reading the servers' states --------------------------------------------------------------------

declare -A ADMIN UP STATUS CHECK SESSIONS

# Fills ADMIN[colour] (ready, drain or maint), UP[colour] (yes/no), STATUS (HAProxy's status text),
# CHECK (last check) and SESSIONS (current plus queued) for both colours.
read_states() {
  local servers stats line colour
  servers="$(send "show servers state $BACKEND")"
  stats="$(send "show stat $BACKEND 4 -1")"
  for colour in "${COLOURS[@]}"; do
    # srv_admin_state is a mask: forced, inherited or DNS maintenance 0x23, forced or inherited drain
    # 0x18 (0x04, "disabled" in the file, stays set after the server was made ready at run time).
    line="$(awk -v s="$colour" '
      /^# be_id/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
      col["srv_name"] && $col["srv_name"] == s { print $col["srv_admin_state"], $col["srv_op_state"] }
    ' <<<"$servers")"
    [[ -n "$line" ]] || die "HAProxy has no server $BACKEND/$colour (is HAPROXY_BACKEND right? answer: $(head -n 1 <<<"$servers"))"
    local admin="${line% *}" op="${line#* }"
    if ((admin & 0x23)); then
      ADMIN[$colour]=maint
    elif ((admin & 0x18)); then
      ADMIN[$colour]=drain
    else
      ADMIN[$colour]=ready
    fi
    # Running (2) or starting (1): HAProxy sends it requests when its admin state allows.
    if ((op == 1 || op == 2)); then UP[$colour]=yes; else UP[$colour]=no; fi
    line="$(awk -F, -v s="$colour" '
      /^# / { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
      col["svname"] && $col["svname"] == s {
        check = $col["check_status"]
        # "* " marks a check in progress; the status after it is still the last finished one.
        sub(/^\* /, "", check)
        if ($col["check_code"] != "") check = check "/" $col["check_code"]
        print $col["status"] "|" (check == "" ? "-" : check) "|" ($col["scur"] + $col["qcur"])
      }
    ' <<<"$stats")"
    [[ -n "$line" ]] || die "HAProxy's statistics have no server $BACKEND/$colour"
    local status check sessions
    IFS='|' read -r status check sessions <<<"$line"
    STATUS[$colour]="$status"
    CHECK[$colour]="$check"
    SESSIONS[$colour]="$sessions"
  done
}

# The colours whose admin state is ready, space-separated.
live_colours() {
  local colour live=()
  for colour in "${COLOURS[@]}"; do [[ "${ADMIN[$colour]}" == ready ]] && live+=("$colour"); done
  echo "${live[*]}"
}

other() { if [[ "$1" == blue ]]; then echo green; else echo blue; fi; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- commands ---------------------------------------------------------------------------------------

status() {
  read_states
  local colour
  for colour in "${COLOURS[@]}"; do
    printf '%-6s admin=%-5s status=%-12s check=%-10s sessions=%s\n' "$colour" "${ADMIN[$colour]}" \
      "${STATUS[$colour]// /_}" "${CHECK[$colour]// /_}" "${SESSIONS[$colour]}"
  done
  local live
  live="$(live_colours)"
  echo "live: ${live:-none}"
}

# Waits until `target` has passed fresh readiness checks; on failure puts it back as it was.
prove_healthy() {
  local target="$1" was="$2"
  if [[ "$was" != ready ]]; then
    # Out of maintenance but out of load balancing, and forced down: HAProxy assumes a server leaving
    # maintenance is up, so only `rise` checks passed from here prove it healthy now.
    apply "set server $BACKEND/$target state drain"
    apply "set server $BACKEND/$target health down"
  fi
  say "waiting up to ${HEALTH_TIMEOUT} s for $target to pass its readiness checks (GET /ready)"
  local deadline=$(($(now_ms) + HEALTH_TIMEOUT * 1000))
  while :; do
    read_states
    # Up, with no transition pending ("UP 1/2" is going down).
    if [[ "${UP[$target]}" == yes && "${STATUS[$target]}" =~ ^(UP|DRAIN|NOLB)$ ]]; then return 0; fi
    if (($(now_ms) > deadline)); then
      local check="${CHECK[$target]}" status="${STATUS[$target]}"
      [[ "$was" == ready ]] || apply "set server $BACKEND/$target state $was"
      local live
      live="$(live_colours)"
      die "$target is not healthy: its readiness check did not pass within ${HEALTH_TIMEOUT} s (status $status, last check $check); nothing switched, live: ${live:-none}"
    fi
    sleep 0.2
  done
}

# Drains `old`, waits for its sessions to end (bounded), then puts it in maintenance.
retire() {
  local old="$1"
  apply "set server $BACKEND/$old state drain"
  say "draining $old: no new requests, waiting up to ${DRAIN_TIMEOUT} s for its ${SESSIONS[$old]} session(s) in flight"
  local start deadline
  start="$(now_ms)"
  deadline=$((start + DRAIN_TIMEOUT * 1000))
  while :; do
    read_states
    if ((SESSIONS[$old] == 0)); then
      say "$old has no sessions left after $(($(now_ms) - start)) ms"
      break
    fi
    if (($(now_ms) > deadline)); then
      # Maintenance does not cut them: they still finish (or hit the API's shutdown timeout).
      echo "blue-green: warning: $old still has ${SESSIONS[$old]} session(s) after ${DRAIN_TIMEOUT} s; putting it in maintenance anyway" >&2
      break
    fi
    sleep 0.2
  done
  apply "set server $BACKEND/$old state maint"
  say "$old is in maintenance (no traffic, no checks): stop its API processes now"
}

save_states() {
  [[ -n "$STATE_FILE" ]] || return 0
  local answer
  answer="$(send "show servers state")"
  [[ "$(head -n 1 <<<"$answer")" == 1 ]] || die "unexpected 'show servers state' answer: $(head -n 1 <<<"$answer")"
  if ! { printf '%s\n' "$answer" >"$STATE_FILE.tmp" && mv "$STATE_FILE.tmp" "$STATE_FILE"; }; then
    die "cannot write the server states to $STATE_FILE"
  fi
  say "saved the server states to $STATE_FILE (a restarted HAProxy keeps them)"
}

switch() {
  local target="${1:-}"
  read_states
  local live
  live="$(live_colours)"
  if [[ -z "$target" ]]; then
    case "$live" in
      blue | green) target="$(other "$live")" ;;
      "") die "no colour is live: say which one to switch to (switch blue|green)" ;;
      *) die "both colours are live: say which one to switch to (switch blue|green)" ;;
    esac
  fi
  local old
  old="$(other "$target")"
  if [[ "${ADMIN[$target]}" == ready && "${ADMIN[$old]}" != ready ]]; then
    say "$target is already live; nothing to do"
    [[ "${UP[$target]}" == yes ]] ||
      echo "blue-green: warning: $target is live but HAProxy sees it down (status ${STATUS[$target]}, last check ${CHECK[$target]})" >&2
    return 0
  fi
  say "switching to $target (live: ${live:-none}; $target is ${ADMIN[$target]}, ${STATUS[$target]})"
  prove_healthy "$target" "${ADMIN[$target]}"
  # New first, then old: at every moment at least one healthy server takes new requests.
  apply "set server $BACKEND/$target state ready"
  say "$target is live"
  if [[ "${ADMIN[$old]}" == ready ]]; then
    retire "$old"
  elif [[ "${ADMIN[$old]}" == drain ]]; then
    apply "set server $BACKEND/$old state maint"
    say "$old was draining; now in maintenance"
  fi
  save_states
  say "switched: $target is live, $old is in maintenance"
}

case "${1:-}" in
  switch)
    [[ $# -le 2 ]] || usage
    target="${2:-}"
    [[ -z "$target" || "$target" == blue || "$target" == green ]] || die "unknown colour '$target': use blue or green"
    switch "$target"
    ;;
  status)
    [[ $# -eq 1 ]] || usage
    status
    ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
