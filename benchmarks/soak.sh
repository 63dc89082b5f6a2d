#!/usr/bin/env bash
#
# Soak: the sample app (java -jar) under steady mixed load for a given time, sampled once a
# minute into a CSV (RSS, heap after a full GC, metaspace, threads, open files, temporary
# files left), then judged for growth after the warm-up (benchmarks/soak-judge.py). See
# docs/reliability.md.
#
# Usage: benchmarks/soak.sh [MINUTES]     (after: mvn -Pbenchmarks package -DskipTests)
#
# Load, each kind in its own loop with a pause between rounds (steady, not flat out):
#   new     smtp-source, a new connection per 1 KiB message (4 at once, 200 per round)
#   reuse   smtp-source -d, 1 KiB messages over reused connections (2 at once, 300 per round)
#   pipe    PipeliningClient, pipelined 1 KiB messages (2 sessions, 1000 per round)
#   big     smtp-source -d, 1 MiB messages (5 per round), above memory-threshold: spilled
#   bdat    PipeliningClient --chunk=65536, 1 MiB messages in BDAT chunks (5 per round)
#   auth    soak-clients.py auth: wrong passwords from 250 source addresses, one right one
#   slow    soak-clients.py slow: 10 clients trickling a whole transaction byte by byte
#   abort   soak-clients.py abort: 1 MiB DATA cut off half-way, 3 per round
#   reject  soak-clients.py reject: refused recipients (550), unknown commands, RSET, 20 per round
#
# Environment (defaults in brackets):
#   WARMUP_MINUTES [5]      samples before this are shown but not judged
#   SAMPLE_SECONDS [60]     sampling interval
#   SERVER_JAVA_OPTS [-Xmx256m]
#   APP_JAR [smtpd-sample-app/target/smtpd-sample-app-*.jar]  copied to OUT_DIR first
#   OUT_DIR [benchmarks/target/soak-<time>]  samples.csv, load logs, server log, verdict
#   LOADS ["new reuse pipe big bdat auth slow abort reject"]
#
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MINUTES="${1:-35}"
WARMUP_MINUTES="${WARMUP_MINUTES:-5}"
SAMPLE_SECONDS="${SAMPLE_SECONDS:-60}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx256m}"
LOADS="${LOADS:-new reuse pipe big bdat auth slow abort reject}"
APP_JAR="${APP_JAR:-$(ls "$HERE"/../smtpd-sample-app/target/smtpd-sample-app-*.jar 2>/dev/null | grep -v -- '-plain\|-sources' | head -n 1 || true)}"
OUT_DIR="${OUT_DIR:-$HERE/target/soak-$(date +%Y%m%d-%H%M%S)}"
BENCH_JAR_SRC="$HERE/target/smtpd-benchmarks.jar"

for tool in smtp-source python3 jcmd java; do
	command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[[ -f "$APP_JAR" && -f "$BENCH_JAR_SRC" ]] || { echo "Build first: mvn -Pbenchmarks package -DskipTests" >&2; exit 1; }

mkdir -p "$OUT_DIR/tmp"
# copies, so that a rebuild during the soak does not change what runs
cp "$APP_JAR" "$OUT_DIR/app.jar"
cp "$BENCH_JAR_SRC" "$OUT_DIR/benchmarks.jar"
BENCH_JAR="$OUT_DIR/benchmarks.jar"

log() {
	echo "[$(date +%H:%M:%S)] $*" >&2
}

PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

free_port() {
	local low port
	low="$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)"
	for _ in $(seq 1 100); do
		port=$((10000 + RANDOM % (low - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	return 1
}

PORT="$(free_port)"
# 1 MiB messages are over the memory threshold (they spill to $OUT_DIR/tmp); AUTH without TLS
# (a demo login) so that failures can be made; failures cut off after 3 per address
java $SERVER_JAVA_OPTS -Djava.io.tmpdir="$OUT_DIR/tmp" -jar "$OUT_DIR/app.jar" \
	--server.address=127.0.0.1 --server.port=0 \
	--logging.level.root=warn --logging.level.dev.smtpd=warn --logging.level.dev.smtpd.sample=warn \
	--smtpd.address=127.0.0.1 --smtpd.port="$PORT" --smtpd.handler=sink \
	--smtpd.memory-threshold=256KB --smtpd.temp-directory="$OUT_DIR/tmp" \
	--sample.reject-domain=refused.example --sample.demo-login=soak --sample.demo-password=soak-secret \
	--smtpd.auth.require-tls=false --smtpd.auth.max-failures=3 --smtpd.auth.failure-delay=10ms \
	>"$OUT_DIR/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")

for _ in $(seq 1 150); do
	kill -0 "$SERVER_PID" 2>/dev/null || { echo "Server exited, see $OUT_DIR/server.log" >&2; exit 1; }
	if greeting="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; head -c 4 <&3" 2>/dev/null)" \
			&& [[ "$greeting" == "220"* ]]; then
		break
	fi
	sleep 0.2
done
log "Server $SERVER_PID on 127.0.0.1:$PORT; soak of $MINUTES min into $OUT_DIR"

START=$(date +%s)
END=$((START + MINUTES * 60))

# Runs "$@" (one bounded round) again and again until the end, pausing $pause s between rounds.
load_loop() {
	local name="$1" pause="$2"
	shift 2
	while (($(date +%s) < END)); do
		if timeout 300 "$@" >>"$OUT_DIR/load-$name.log" 2>&1; then
			echo "round ok" >>"$OUT_DIR/load-$name.log"
		else
			echo "round exit $?" >>"$OUT_DIR/load-$name.log"
		fi
		sleep "$pause"
	done
}

SOURCE=(smtp-source -f sender@soak.example -t rcpt@soak.example)
for load in $LOADS; do
	case "$load" in
		new) load_loop new 2 "${SOURCE[@]}" -s 4 -m 200 -l 1024 "127.0.0.1:$PORT" & ;;
		reuse) load_loop reuse 2 "${SOURCE[@]}" -d -s 2 -m 300 -l 1024 "127.0.0.1:$PORT" & ;;
		pipe) load_loop pipe 5 java -Xmx64m -cp "$BENCH_JAR" dev.smtpd.benchmarks.PipeliningClient \
			--port="$PORT" --sessions=2 --messages=1000 --size=1024 --seconds=120 & ;;
		big) load_loop big 5 "${SOURCE[@]}" -d -s 1 -m 5 -l 1048576 "127.0.0.1:$PORT" & ;;
		bdat) load_loop bdat 10 java -Xmx64m -cp "$BENCH_JAR" dev.smtpd.benchmarks.PipeliningClient \
			--port="$PORT" --sessions=1 --messages=5 --size=1048576 --chunk=65536 --seconds=120 & ;;
		auth) load_loop auth 3 python3 "$HERE/soak-clients.py" auth "$PORT" 20 & ;;
		slow) load_loop slow 5 python3 "$HERE/soak-clients.py" slow "$PORT" 10 & ;;
		abort) load_loop abort 5 python3 "$HERE/soak-clients.py" abort "$PORT" 3 & ;;
		reject) load_loop reject 5 python3 "$HERE/soak-clients.py" reject "$PORT" 20 & ;;
		*) echo "Unknown load $load" >&2; exit 1 ;;
	esac
	PIDS+=("$!")
done

# heap after GC: the "used" of every heap space jcmd GC.heap_info lists (one line for G1,
# young + old for Serial and Parallel), after jcmd GC.run
heap_after_gc_kb() {
	jcmd "$SERVER_PID" GC.run >/dev/null
	jcmd "$SERVER_PID" GC.heap_info | awk '
		/Metaspace|class space/ { next }
		/total [0-9]+K, used [0-9]+K/ { match($0, /used [0-9]+K/); used += substr($0, RSTART + 5, RLENGTH - 6) }
		END { print used + 0 }'
}

metaspace_kb() {
	jcmd "$SERVER_PID" GC.heap_info | awk '/Metaspace/ { match($0, /used [0-9]+K/); print substr($0, RSTART + 5, RLENGTH - 6); exit }'
}

CSV="$OUT_DIR/samples.csv"
echo "minute,rss_kb,heap_after_gc_kb,metaspace_kb,threads,open_files,temp_files,established" >"$CSV"
next=$START
while true; do
	now=$(date +%s)
	kill -0 "$SERVER_PID" 2>/dev/null || { log "Server died"; exit 1; }
	heap="$(heap_after_gc_kb)"
	meta="$(metaspace_kb)"
	rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")"
	threads="$(awk '/^Threads/ { print $2 }' "/proc/$SERVER_PID/status")"
	files="$(ls "/proc/$SERVER_PID/fd" | wc -l)"
	temps="$(find "$OUT_DIR/tmp" -name 'smtpd-*' | wc -l)"
	established="$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)"
	minute="$(awk -v s=$((now - START)) 'BEGIN { printf "%.1f", s / 60 }')"
	echo "$minute,$rss,$heap,$meta,$threads,$files,$temps,$established" >>"$CSV"
	log "t=${minute}m rss=${rss}K heap=${heap}K meta=${meta}K threads=$threads fds=$files temps=$temps conns=$established"
	((now >= END)) && break
	next=$((next + SAMPLE_SECONDS))
	sleep $((next > $(date +%s) ? next - $(date +%s) : 0))
done

log "Load done; totals per kind:"
for load in $LOADS; do
	echo "$load: $(grep -c 'round ok' "$OUT_DIR/load-$load.log" || true) rounds ok, $(grep -c 'round exit' \
		"$OUT_DIR/load-$load.log" || true) failed" >&2
done
python3 "$HERE/soak-judge.py" "$CSV" "$WARMUP_MINUTES" | tee "$OUT_DIR/verdict.txt"
