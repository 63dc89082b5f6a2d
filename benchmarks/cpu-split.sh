#!/usr/bin/env bash
#
# User and kernel CPU per message of several servers under the same smtp-source load, run after
# run in turn (paired), for the question "what is left to cut": the kernel's share is the floor
# the servers share, the user share what each adds. See docs/performance.md ("LMTP: what bounds it").
#
# Usage: benchmarks/cpu-split.sh name 'command with $PORT' [name 'command' ...]
#   e.g. benchmarks/cpu-split.sh ours "java -jar app.jar --smtpd.port=\$PORT ..." \
#          sink "env LD_LIBRARY_PATH=... smtp-sink -u nobody -L 127.0.0.1:\$PORT 1024"
#
# Environment (defaults in brackets):
#   LOAD ['-L -d -s 20 -m 20000 -r 5 -l 1024']  smtp-source's arguments (the shape of scenario L)
#   ROUNDS [5]     measured runs per server;  WARMUP [2]  unmeasured runs per server first
#   POSTFIX_DIR [benchmarks/target/postfix]    where run.sh unpacked smtp-source
#   OUT_DIR [benchmarks/target/cpu-split-<time>]  server logs
#
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LOAD="${LOAD:--L -d -s 20 -m 20000 -r 5 -l 1024}"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-2}"
POSTFIX_DIR="${POSTFIX_DIR:-$HERE/target/postfix}"
OUT_DIR="${OUT_DIR:-$HERE/target/cpu-split-$(date +%Y%m%d-%H%M%S)}"
CLK_TCK="$(getconf CLK_TCK)"
MESSAGES="$(sed -n 's/.*-m \([0-9]*\).*/\1/p' <<<"$LOAD")"
names=() pids=() ports=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# utime and stime of a process, in clock ticks
ticks() {
	awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"
}

load() {
	# shellcheck disable=SC2086
	env "LD_LIBRARY_PATH=$POSTFIX_DIR/usr/lib/postfix" "$POSTFIX_DIR/usr/sbin/smtp-source" -M localhost \
		-f sender@localhost -t rcpt@localhost $LOAD "127.0.0.1:$1" >>"$OUT_DIR/load.log" 2>&1
}

[[ -x "$POSTFIX_DIR/usr/sbin/smtp-source" ]] || { echo "Run benchmarks/run.sh once first (it unpacks smtp-source)" >&2; exit 1; }
(($# >= 2 && $# % 2 == 0)) || { echo "Usage: $0 name 'command with \$PORT' [...]" >&2; exit 1; }
mkdir -p "$OUT_DIR"
while (($#)); do
	port="$(free_port)"
	PORT="$port" bash -c "exec $2" >>"$OUT_DIR/$1.log" 2>&1 &
	names+=("$1") pids+=("$!") ports+=("$port")
	for _ in $(seq 1 120); do
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.5
	done
	shift 2
done
for i in "${!names[@]}"; do
	for _ in $(seq 1 "$WARMUP"); do load "${ports[$i]}"; done
done
printf 'round\tserver\tmsgs/s\tuser µs/msg\tkernel µs/msg\tload average\n'
for round in $(seq 1 "$ROUNDS"); do
	for i in "${!names[@]}"; do
		read -r u0 s0 < <(ticks "${pids[$i]}")
		start=$(date +%s%N)
		load "${ports[$i]}"
		end=$(date +%s%N)
		read -r u1 s1 < <(ticks "${pids[$i]}")
		awk -v r="$round" -v n="${names[$i]}" -v m="$MESSAGES" -v w=$((end - start)) -v u=$((u1 - u0)) \
			-v s=$((s1 - s0)) -v t="$CLK_TCK" -v l="$(cut -d ' ' -f 1 /proc/loadavg)" \
			'BEGIN { printf "%d\t%s\t%.0f\t%.1f\t%.1f\t%s\n", r, n, m / (w / 1e9), u * 1e6 / t / m, s * 1e6 / t / m, l }'
	done
done
