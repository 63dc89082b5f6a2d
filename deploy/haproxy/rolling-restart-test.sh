#!/usr/bin/env bash
# Rolling restart of three smtpd-sample-app replicas behind HAProxy, under load, losing nothing.
#
# Starts three replicas (Maildir each, on 127.0.0.1) and HAProxy in front of them (haproxy.cfg),
# drives load through HAProxy with smtp-source and smtp_load.py (which records every 250), restarts
# the replicas one at a time (SIGTERM, wait for the exit, start, wait until HAProxy has it UP again),
# then checks: every message that got 250 is stored exactly once across the replicas, no client saw
# a 5xx, every message whose connection was refused or closed was retried until it got 250, and
# (with the PROXY protocol) each replica's Received: headers name the client's address, not HAProxy's.
#
# Builds nothing: it uses the jar of `mvn verify` (smtpd-sample-app/target/smtpd-sample-app-*.jar).
# Environment: PROXY_PROTOCOL=yes|no (send-proxy-v2 and smtpd.proxy-protocol.enabled), LOAD_SECONDS
# (load before and after the restarts, default 3), DRAIN_DELAY (smtpd.drain-delay, default 3s; 0s
# shows the test failing without it), KEEP_WORK=1 keeps the work directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

PROXY_PROTOCOL=${PROXY_PROTOCOL:-yes}
LOAD_SECONDS=${LOAD_SECONDS:-3}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
CLIENT_ADDRESS=127.0.0.2 # the load client connects from here ...
PROXY_ADDRESS=127.0.0.3  # ... and HAProxy to the replicas from here (Linux routes all of 127/8 to lo)
DRAIN_DELAY=${DRAIN_DELAY:-3s} # > inter (500ms) + timeout check (1s) in haproxy.cfg, with room for a busy machine

jar=$(ls "$root"/smtpd-sample-app/target/smtpd-sample-app-*.jar 2>/dev/null | grep -v -e '-plain' -e '-sources' | head -n 1 || true)
[ -n "$jar" ] || { echo "No smtpd-sample-app/target/smtpd-sample-app-*.jar: run mvn verify (or package) first" >&2; exit 2; }
[ -x "$HAPROXY" ] || { echo "HAProxy not found at $HAPROXY (Debian package haproxy)" >&2; exit 2; }
command -v smtp-source >/dev/null || { echo "smtp-source not found (Debian package postfix)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rolling-restart.XXXXXX")
declare -A pid
haproxy_pid= load_pid= source_pid=
status=1

log() { echo "[rolling-restart $(date -u +%T)] $*"; }

cleanup() {
  set +e
  touch "$work/stop"
  [ -n "$source_pid" ] && pkill -P "$source_pid" smtp-source 2>/dev/null # the loop's current run
  for p in $load_pid $source_pid; do kill "$p" 2>/dev/null; done
  for i in 1 2 3; do [ -n "${pid[$i]:-}" ] && kill -TERM "${pid[$i]}" 2>/dev/null; done
  [ -n "$haproxy_pid" ] && kill -TERM "$haproxy_pid" 2>/dev/null
  for i in 1 2 3; do
    [ -n "${pid[$i]:-}" ] || continue
    for _ in $(seq 1 60); do kill -0 "${pid[$i]}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${pid[$i]}" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$status" -ne 0 ]; then
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 25 "$f"; }; done
    echo "Work directory kept: $work"
  elif [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "Work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
read -r HAPROXY_SMTP_PORT R1_SMTP_PORT R2_SMTP_PORT R3_SMTP_PORT R1_HTTP_PORT R2_HTTP_PORT R3_HTTP_PORT <<<"$(free_ports 7)"
export HAPROXY_SMTP_PORT R1_SMTP_PORT R2_SMTP_PORT R3_SMTP_PORT R1_HTTP_PORT R2_HTTP_PORT R3_HTTP_PORT
export HAPROXY_RUN_DIR=$work HAPROXY_BIND=127.0.0.1 HAPROXY_SOURCE=$PROXY_ADDRESS
export HAPROXY_SEND_PROXY=$PROXY_PROTOCOL
smtp_port() { local v="R$1_SMTP_PORT"; echo "${!v}"; }
http_port() { local v="R$1_HTTP_PORT"; echo "${!v}"; }

start_replica() {
  local i=$1 proxy_args=()
  [ "$PROXY_PROTOCOL" = yes ] && proxy_args=(--smtpd.proxy-protocol.enabled=true
    --smtpd.proxy-protocol.trusted-proxies="$PROXY_ADDRESS/32")
  java -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" \
    --smtpd.address=127.0.0.1 --smtpd.port="$(smtp_port "$i")" \
    --management.server.address=127.0.0.1 --management.server.port="$(http_port "$i")" \
    --smtpd.hostname="replica$i.test" --smtpd.handler=maildir --smtpd.maildir.path="$work/r$i" \
    --smtpd.maildir.add-received-header=true --smtpd.drain-delay="$DRAIN_DELAY" \
    --spring.lifecycle.timeout-per-shutdown-phase=20s --sample.reject-domain= \
    --logging.level.dev.smtpd=info "${proxy_args[@]}" >>"$work/r$i.log" 2>&1 &
  pid[$i]=$!
}

# waits (bounded: STARTUP_TIMEOUT seconds, 180 by default, for a busy machine) until the replica's
# actuator answers UP
await_health() {
  local i=$1 deadline=$((SECONDS + ${STARTUP_TIMEOUT:-180}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS "http://127.0.0.1:$(http_port "$i")/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then
      return 0
    fi
    kill -0 "${pid[$i]}" 2>/dev/null || { log "replica $i exited during startup"; return 1; }
    sleep 0.25
  done
  log "replica $i not UP after ${STARTUP_TIMEOUT:-180} s"; return 1
}

# HAProxy's view of the replicas through its run-time API: "r1 UP r2 UP r3 DOWN" and the counters
haproxy_stat() {
  python3 - "$work/haproxy.sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
header = None
for line in data.decode().splitlines():
    if line.startswith("# "):
        header = line[2:].split(",")
        continue
    row = dict(zip(header or [], line.split(",")))
    if row.get("pxname") == "replicas":
        if sys.argv[2] == "status" and row["svname"] != "BACKEND":
            print(row["svname"], row["status"].split()[0], end=" ")
        elif sys.argv[2] == "counters" and row["svname"] == "BACKEND":
            print("sessions=%s connect_errors=%s retries=%s redispatches=%s" % (
                row["stot"], row["econ"], row["wretr"], row["wredis"]))
EOF
}

await_haproxy_up() {
  local i=$1
  for _ in $(seq 1 80); do
    haproxy_stat status | grep -q "r$i UP" && return 0
    sleep 0.25
  done
  log "HAProxy does not see replica $i UP: $(haproxy_stat status)"; return 1
}

log "jar $jar, PROXY protocol $PROXY_PROTOCOL, work $work"
for i in 1 2 3; do start_replica "$i"; done
for i in 1 2 3; do await_health "$i"; done
"$HAPROXY" -db -f "$here/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
for _ in $(seq 1 40); do [ -S "$work/haproxy.sock" ] && break; sleep 0.25; done
for i in 1 2 3; do await_haproxy_up "$i"; done
log "HAProxy on 127.0.0.1:$HAPROXY_SMTP_PORT: $(haproxy_stat status)"

python3 "$here/smtp_load.py" --port "$HAPROXY_SMTP_PORT" --source "$CLIENT_ADDRESS" --workers 4 \
  --long-sessions 1 --stop-file "$work/stop" --max-seconds 600 --out "$work/load" >"$work/load.log" 2>&1 &
load_pid=$!
# smtp-source beside it: 2 sessions of 50 messages at a time, again and again until the stop file
(
  while [ ! -e "$work/stop" ]; do
    smtp-source -s 2 -m 50 -l 2048 -f source@example.com -t sink@example.org "127.0.0.1:$HAPROXY_SMTP_PORT" \
      >>"$work/smtp-source.out" 2>&1 && echo ok >>"$work/smtp-source.runs" || echo failed >>"$work/smtp-source.runs"
  done
) &
source_pid=$!

sleep "$LOAD_SECONDS"
for i in 1 2 3; do
  log "restarting replica $i (SIGTERM)"
  started=$(date +%s%N)
  kill -TERM "${pid[$i]}"
  for _ in $(seq 1 120); do kill -0 "${pid[$i]}" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "${pid[$i]}" 2>/dev/null; then log "replica $i still running 30 s after SIGTERM"; exit 1; fi
  wait "${pid[$i]}" || true
  stopped=$(date +%s%N)
  start_replica "$i"
  await_health "$i"
  await_haproxy_up "$i"
  log "replica $i: stopped in $(((stopped - started) / 1000000)) ms, back in HAProxy after $((($(date +%s%N) - started) / 1000000)) ms"
done
sleep "$LOAD_SECONDS"
touch "$work/stop"
for _ in $(seq 1 240); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.25; done
wait "$load_pid" || { log "load client failed"; exit 1; }
load_pid=
wait "$source_pid" || true
source_pid=

log "HAProxy: $(haproxy_stat counters)"
# sessions HAProxy could not connect to a replica (termination state SC): a listener that closed
# while HAProxy still routed to it; the clients retry them, the checks below say whether they made it
if grep -q ' SC ' "$work/haproxy.log"; then
  log "HAProxy sessions ended by a connection error: $(grep -c ' SC ' "$work/haproxy.log"), e.g."
  grep ' SC ' "$work/haproxy.log" | head -n 3
fi
summary=$(cat "$work/load/summary.json" | tr -d '\n ')
log "load client: $summary"
runs_ok=$(grep -c ok "$work/smtp-source.runs" || true)
runs_failed=$(grep -c failed "$work/smtp-source.runs" || true)
log "smtp-source: $runs_ok runs completed, $runs_failed ended early (a 4xx or a closed connection ends a run)"

failed=0
python3 - "$work/load/summary.json" <<'EOF' || failed=1
import json, sys
s = json.load(open(sys.argv[1]))
problems = []
if s["failure_count"]:
    problems.append("5xx or other failures: %s" % s["failures"])
if s["abandoned"]:
    problems.append("%d messages given up after the maximum attempts" % s["abandoned"])
if s["retried_4xx"] + s["refused_or_closed"] == 0:
    problems.append("no attempt was retried: the long session should have met a restart")
if s["unfinished_workers"]:
    problems.append("%d load workers did not finish" % s["unfinished_workers"])
for p in problems:
    print("FAIL load client:", p)
sys.exit(1 if problems else 0)
EOF
if grep -E '(^|[^0-9.])5[0-9][0-9][ -][0-9]?' "$work/smtp-source.out" >/dev/null 2>&1; then
  log "FAIL smtp-source saw a 5xx:"; grep -E '(^|[^0-9.])5[0-9][0-9][ -]' "$work/smtp-source.out" | head -n 5; failed=1
fi
# each replica left the rotation because its health check answered 503 (draining), not because
# its listener refused connections
drained=$(grep -c '^\[WARNING\].*is DOWN, reason: Layer7 wrong status, code: 503' "$work/haproxy.log" || true)
log "replicas HAProxy took out on a 503 from /actuator/health: $drained (of 3 restarts)"
if [ "$drained" -lt 3 ]; then
  log "FAIL HAProxy did not see every draining replica's 503:"; grep 'is DOWN' "$work/haproxy.log" | head -n 5; failed=1
fi
check_args=(--accepted "$work/load/accepted-ids.txt" --proxy-address "$PROXY_ADDRESS")
[ "$PROXY_PROTOCOL" = yes ] && check_args+=(--client-address "$CLIENT_ADDRESS")
if ! maildirs=$(python3 "$here/check_maildirs.py" "${check_args[@]}" "$work/r1" "$work/r2" "$work/r3"); then
  failed=1
fi
log "Maildirs: $maildirs"
if [ "$failed" -ne 0 ]; then
  log "FAILED"; exit 1
fi
status=0
log "PASSED"
