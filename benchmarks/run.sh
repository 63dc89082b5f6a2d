#!/usr/bin/env bash
#
# Load benchmark: our server against Postfix's smtp-sink, both on 127.0.0.1, driven by Postfix's
# smtp-source (scenarios A, B, C), by our pipelining client (P) and by our idle-connection probe (D).
# Servers alternate run by run (ours, smtp-sink, ours, ...); the table shows medians. See
# docs/performance.md.
#
# Usage: benchmarks/run.sh            (after: mvn -Pbenchmarks package -DskipTests)
#
# Environment (defaults in brackets):
#   SCENARIOS ["A B C P D"]   which scenarios to run
#   REPS [3]                  measured runs per server and scenario
#   WARMUP_RUNS [3]           unmeasured full-size runs per server first (the JIT needs ~30 s of load)
#   A_MESSAGES [10000]        scenario A: 20 sessions, 1 KiB, a new connection per message
#   B_MESSAGES [40000]        scenario B: 20 sessions, 1 KiB, connections reused
#   C_MESSAGES [300]          scenario C: 10 sessions, 1 MiB messages, connections reused
#   P_MESSAGES [40000]        scenario P: like B, but pipelined (RFC 2920) by PipeliningClient
#   L_MESSAGES [20000]        scenario L: LMTP (smtp-source -L), 20 sessions, 1 KiB, 5 recipients
#                             per message, connections reused; smtp-sink -L beside our server in
#                             smtpd.protocol=lmtp (the sample app only)
#   U_MESSAGES [20000]        scenario U: L over a Unix domain socket instead of TCP loopback
#   C1_MESSAGES [300]         scenario C1: C's 1 MiB messages to our server with BDAT in one chunk
#                             (PipeliningClient --chunk), smtp-sink with DATA as in C
#   C64_MESSAGES [300]        scenario C64: the same in 64 KiB chunks
#   CD_MESSAGES [300]         scenario CD: the same with DATA, from the same client, for BDAT's baseline
#   CB_MESSAGES [2000]        scenario CB: CD, C1 and C64 paired in one run: three instances of our server (DATA,
#                             BDAT in one chunk, BDAT in 64 KiB chunks, all from PipeliningClient) and smtp-sink
#                             (DATA, smtp-source), run after run in turn
#   AP_MESSAGES [10000]       scenario AP: A's shape (20 sessions, 1 KiB, a new connection per message) from
#                             PipeliningClient --per-connection=1, against our server twice: without the
#                             PROXY protocol, and with smtpd.proxy-protocol.enabled and a PROXY v2 header per
#                             connection (--proxy=v2); the table compares the second with the first
#   AH_MESSAGES [10000]       scenario AH: A (smtp-source) through HAProxy (a private instance, mode tcp, on a
#                             free loopback port) to our server with send-proxy-v2 and the PROXY protocol on,
#                             and to smtp-sink through the same kind of HAProxy (plain TCP: smtp-sink has no PROXY)
#   Q_MESSAGES [5000]         scenario Q: 8 sessions, 4 KiB, connections reused, our server with the maildir
#                             handler in $MAILDIR (a real disk, not tmpfs), against a private Postfix
#                             (the installed package; needs root) queueing every message, delivering to discard:
#   T_MESSAGES [2000]         scenarios TE (EC P-256) and TR (RSA 2048): a new connection per message with
#                             STARTTLS and a full TLS 1.3 handshake, 1 KiB, 8 sessions (starttls-client.py,
#                             Nagle on); against SubEthaSMTP 7.2 with STARTTLS and the same key (JDK provider;
#                             built by subethasmtp.sh), the private Postfix with the same certificate; and the
#                             crypto floor, openssl s_time -new against openssl s_server for FLOOR_SECONDS [10] after each round
#   T_SERVERS ["ours subetha postfix"]  the servers of TE and TR, the anchor (of the ratio columns) last
#   Q_WARMUP_MESSAGES [18000] Q with WARMUP_RUNS > 0: our server gets at least this many warm-up messages (runs
#                             of Q_MESSAGES): its delivery path compiles late (docs/performance.md, "Q: a longer
#                             warm-up, and the disk between runs")
#   L_WARMUP_MESSAGES [140000] L, U with WARMUP_RUNS > 0: our server gets at least this many warm-up messages
#                             (runs of L_MESSAGES; smtp-sink, a C program, gets WARMUP_RUNS): docs/performance.md,
#                             "L and U after a full warm-up"
#   T_WARMUP_MESSAGES [24000] TE, TR with WARMUP_RUNS > 0: the JVM servers (ours, SubEthaSMTP) get at least this
#                             many warm-up messages (runs of T_MESSAGES): our server's CPU per STARTTLS session
#                             settles late (docs/performance.md, "TE and TR after a full warm-up")
#   LA_MESSAGES [$A_MESSAGES] scenarios LA and LQ (latency.sh): p50/p99/max latency under open-loop load. Both
#   LQ_MESSAGES [$Q_MESSAGES] servers of A (ours, smtp-sink) or of Q (ours with maildir, the private Postfix) run
#                             side by side; first each one's maximum rate, closed loop with A's or Q's smtp-source
#                             command and LA_/LQ_MESSAGES messages (REPS runs alternating, after WARMUP_RUNS); then
#                             LatencyClient offers both the same rates, LATENCY_LOADS per cent of the LOWER of the two
#                             maxima, REPS runs per rate alternating the servers; rows in $OUT_DIR/results.tsv.latency
#   LATENCY_LOADS ["50 90"]   LA, LQ: the offered rates, per cent of the lower maximum
#   LATENCY_SECONDS [30]      LA, LQ: recorded seconds of each open-loop run, after LATENCY_WARMUP_SECONDS [5]
#                             sent but not recorded
#   LA_SESSIONS [256]         LA: connections at once at most, a new connection per message (A's shape, 1 KiB)
#   LQ_SESSIONS [8]           LQ: connections, reused (Q's shape, 4 KiB); a message due while all are busy waits
#                             for one, which counts in its time from the due time, not in final dot → 250
#   FSYNC_MESSAGES [2000]     Q: messages of the extra run under strace that counts fsyncs per message
#   HA_MESSAGES [10000]       scenarios HA and HB (hooks): A's and B's shapes against the sample app with handler
#   HB_MESSAGES [40000]       hooks of an application's own (MailChecks: RCPT checks the recipient's domain, DATA
#                             counts the Received: headers), in the variants of H_KINDS, against the same sample
#                             app with the sink handler only ("plain", the anchor), all on $H_JAVA
#   H_KINDS ["hooks nbhooks vhooks"]  H's variants: ordinary hooks on the platform-thread hook pool, the same hooks
#                             @NonBlocking (on the event loop), ordinary hooks on virtual threads
#                             (spring.threads.virtual.enabled; left out when $H_JAVA is older than 21)
#   H_JAVA [the Temurin 25 JDK in /usr/lib/jvm, else java]  the JVM of every server of HA and HB
#   D_CONNECTIONS [5000]      scenario D: idle connections after EHLO (50000 for the full target)
#   D_SERVERS ["ours sink"]   servers for scenario D (smtp-sink needs ~258 KiB per connection)
#   RUN_TIMEOUT [300]         seconds any one load run may take before it is killed
#   SERVER [app]              our server: "app" is the sample application (java -jar, smtpd.handler=$APP_HANDLER,
#                             logging quiet, no web server); "core" is SinkServer, the bare engine without Spring
#   APP_HANDLER [sink]        built-in handler of the sample app: sink, or maildir (into $MAILDIR)
#   MAILDIR [$OUT_DIR/maildir] the Maildir for APP_HANDLER=maildir and Q (e.g. /dev/shm/maildir for a file system
#                             without durable storage)
#   MAILDIR_KEEP [1]          Q and LQ: 1 keeps the delivered files in $MAILDIR/new until the scenario ends, then
#                             removes them (not measured); 0 removes them after every run, as every other scenario
#                             with APP_HANDLER=maildir does. Deleting thousands of files between runs slowed the
#                             next runs of both servers on this machine's disk (ext4 without a journal, mounted
#                             with online discard: docs/performance.md, "Q: a longer warm-up, and the disk
#                             between runs")
#   APP_JAR [smtpd-sample-app/target/smtpd-sample-app-*.jar]  the sample app's jar (e.g. a copy of an older build)
#   APP_ARGS []               more arguments for the sample app, e.g. "--smtpd.io-threads=1"
#   MEMORY_THRESHOLD [4MB]    the sample app's smtpd.memory-threshold; below the message size
#                             (e.g. 64KB with C's 1 MiB messages) every message spills to a file
#   SERVER_WRAPPER []         a command put in front of our server's, e.g. "eatmydata" (fsync made a no-op)
#   SERVER_CMD                command that runs our server on 127.0.0.1:$PORT in the foreground; overrides SERVER
#   SERVER_JAVA_OPTS [-Xmx1g] JVM options of the default SERVER_CMD
#   SERVER_NAME [smtpd]       how the table names our server (subethasmtp.sh sets SubEthaSMTP)
#   POSTFIX_DIR [benchmarks/target/postfix]  where the postfix package is unpacked (not installed)
#   OUT_DIR [benchmarks/target/results-<time>]  raw results and logs
#
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
JAR="$HERE/target/smtpd-benchmarks.jar"
SCENARIOS="${SCENARIOS:-A B C P D}"
REPS="${REPS:-3}"
WARMUP_RUNS="${WARMUP_RUNS:-3}"
A_MESSAGES="${A_MESSAGES:-10000}"
B_MESSAGES="${B_MESSAGES:-40000}"
C_MESSAGES="${C_MESSAGES:-300}"
P_MESSAGES="${P_MESSAGES:-40000}"
L_MESSAGES="${L_MESSAGES:-20000}"
U_MESSAGES="${U_MESSAGES:-20000}"
C1_MESSAGES="${C1_MESSAGES:-300}"
C64_MESSAGES="${C64_MESSAGES:-300}"
CD_MESSAGES="${CD_MESSAGES:-300}"
CB_MESSAGES="${CB_MESSAGES:-2000}"
AP_MESSAGES="${AP_MESSAGES:-10000}"
AH_MESSAGES="${AH_MESSAGES:-10000}"
HA_MESSAGES="${HA_MESSAGES:-10000}"
HB_MESSAGES="${HB_MESSAGES:-40000}"
H_KINDS="${H_KINDS:-hooks nbhooks vhooks}"
H_JAVA="${H_JAVA:-$(ls /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -n 1 || true)}"
H_JAVA="${H_JAVA:-java}"
Q_MESSAGES="${Q_MESSAGES:-5000}"
FSYNC_MESSAGES="${FSYNC_MESSAGES:-2000}"
T_MESSAGES="${T_MESSAGES:-2000}"
T_MESSAGES_TE="$T_MESSAGES"
T_MESSAGES_TR="$T_MESSAGES"
T_SERVERS="${T_SERVERS:-ours subetha postfix}"
T_WARMUP_MESSAGES="${T_WARMUP_MESSAGES:-24000}"
Q_WARMUP_MESSAGES="${Q_WARMUP_MESSAGES:-18000}"
L_WARMUP_MESSAGES="${L_WARMUP_MESSAGES:-140000}"
FLOOR_SECONDS="${FLOOR_SECONDS:-10}"
D_CONNECTIONS="${D_CONNECTIONS:-5000}"
D_SERVERS="${D_SERVERS:-ours sink}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx1g}"
SERVER="${SERVER:-app}"
SERVER_NAME="${SERVER_NAME:-smtpd}"
APP_HANDLER="${APP_HANDLER:-sink}"
APP_JAR="${APP_JAR:-$(ls "$HERE"/../smtpd-sample-app/target/smtpd-sample-app-*.jar 2>/dev/null | grep -v -- '-plain\|-sources' | head -n 1 || true)}"
POSTFIX_DIR="${POSTFIX_DIR:-$HERE/target/postfix}"
OUT_DIR="${OUT_DIR:-$HERE/target/results-$(date +%Y%m%d-%H%M%S)}"
MAILDIR="${MAILDIR:-$OUT_DIR/maildir}"
MAILDIR_KEEP="${MAILDIR_KEEP:-1}"
case "$SERVER" in
	app) DEFAULT_SERVER_CMD="\${JAVA:-java} $SERVER_JAVA_OPTS -jar $APP_JAR --spring.main.web-application-type=none \
--logging.level.root=warn --logging.level.dev.smtpd=warn --sample.reject-domain= \
--smtpd.address=127.0.0.1 --smtpd.port=\$PORT --smtpd.handler=\$HANDLER --smtpd.maildir.path=$MAILDIR \
--smtpd.memory-threshold=${MEMORY_THRESHOLD:-4MB} --smtpd.timeout=1h --smtpd.data-timeout=1h ${APP_ARGS:-}" ;;
	core) DEFAULT_SERVER_CMD="java $SERVER_JAVA_OPTS -cp $JAR dev.smtpd.benchmarks.SinkServer \$PORT" ;;
	*) echo "SERVER must be app or core" >&2; exit 1 ;;
esac
SERVER_CMD="${SERVER_CMD:-$DEFAULT_SERVER_CMD}"
if [[ -n "${SERVER_WRAPPER:-}" ]]; then
	SERVER_CMD="$SERVER_WRAPPER $SERVER_CMD"
fi
CLK_TCK="$(getconf CLK_TCK)"
RESULTS="$OUT_DIR/results.tsv"

STARTED_PIDS=()
POSTFIX_DIRS=()

# shellcheck source=anchors.sh
. "$HERE/anchors.sh"
# shellcheck source=latency.sh
. "$HERE/latency.sh"

cleanup() {
	local pid
	stop_all_postfix
	for pid in "${STARTED_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

log() {
	echo "[$(date +%H:%M:%S)] $*" >&2
}

# --- tools --------------------------------------------------------------------------------------

fetch_postfix() {
	if [[ -x "$POSTFIX_DIR/usr/sbin/smtp-source" ]]; then
		return
	fi
	log "Unpacking Debian's postfix package into $POSTFIX_DIR (nothing is installed or started)"
	local download
	download="$(mktemp -d)"
	if ! (cd "$download" && apt-get download postfix >/dev/null 2>&1); then
		apt-get update >/dev/null
		(cd "$download" && apt-get download postfix >/dev/null)
	fi
	mkdir -p "$POSTFIX_DIR"
	dpkg -x "$download"/postfix_*.deb "$POSTFIX_DIR"
	rm -rf "$download"
}

# A port below the ephemeral range (so no client socket holds it) that nothing listens on.
free_port() {
	local low port attempt
	low="$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)"
	for attempt in $(seq 1 100); do
		port=$((10000 + RANDOM % (low - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "No free port found" >&2
	return 1
}

# Waits until the port answers with a 220 greeting (after the bytes of $3, e.g. a PROXY header).
wait_ready() {
	local port="$1" pid="$2" prefix="${3:-}" attempt greeting
	# up to two minutes: on a busy machine the sample app may take over 30 s to start
	for attempt in $(seq 1 600); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "Server $pid exited" >&2
			return 1
		fi
		if greeting="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf '$prefix' >&3; head -c 4 <&3" 2>/dev/null)" \
				&& [[ "$greeting" == "220"* ]]; then
			return
		fi
		sleep 0.2
	done
	echo "Server on port $port not ready" >&2
	return 1
}

# Waits until the Unix domain socket answers with a 220 greeting.
wait_ready_unix() {
	local socket="$1" pid="$2" attempt
	for attempt in $(seq 1 600); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "Server $pid exited" >&2
			return 1
		fi
		if [[ -S "$socket" ]] && timeout 2 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); sys.exit(0 if s.recv(4) == b"220 " else 1)' \
				"$socket" 2>/dev/null; then
			return
		fi
		sleep 0.2
	done
	echo "Server on $socket not ready" >&2
	return 1
}

# Starts a server ("ours" or "sink") on a free port, or for U on a Unix domain socket; sets
# SERVER_PID and SERVER_PORT (the socket's path for U).
start_server() {
	local kind="$1" log_file="$OUT_DIR/$1-$2.log"
	local lmtp=() extra="" address
	[[ "$2" == L || "$2" == U ]] && lmtp=(-L) && extra=" --smtpd.protocol=lmtp"
	if [[ "$2" == U ]]; then
		SERVER_PORT="$OUT_DIR/$kind.sock"
		rm -f "$SERVER_PORT"
		extra+=" --smtpd.unix-socket.path=$SERVER_PORT"
		address="unix:$SERVER_PORT"
	else
		SERVER_PORT="$(free_port)"
		address="127.0.0.1:$SERVER_PORT"
	fi
	if [[ "$kind" == proxy || ( "$kind" == ours && "$2" == AH ) ]]; then
		extra+=" --smtpd.proxy-protocol.enabled=true"
	fi
	if [[ "$kind" == postfix ]]; then
		start_postfix "$2"
		return
	fi
	if [[ "$kind" == subetha ]]; then
		PORT="$SERVER_PORT" bash -c "exec $SUBETHASMTP_CMD $TLS_DIR/$(tls_key "$2").p12 bench" >>"$log_file" 2>&1 &
	elif is_ours "$kind"; then
		# for U the TCP listener is off (smtpd.port=-1): only the socket takes the load
		PORT="$([[ "$2" == U ]] && echo -1 || echo "$SERVER_PORT")" HANDLER="$(handler_for "$2")" \
			JAVA="$([[ "$2" == H? ]] && echo "$H_JAVA" || echo java)" \
			bash -c "exec $SERVER_CMD$extra$(tls_arguments "$2")$(hook_arguments "$kind")" \
			>>"$log_file" 2>&1 &
	else
		LD_LIBRARY_PATH="$POSTFIX_DIR/usr/lib/postfix" "$POSTFIX_DIR/usr/sbin/smtp-sink" -u nobody "${lmtp[@]}" \
			-m $((D_CONNECTIONS + 1000)) "$address" 1024 >>"$log_file" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	if [[ "$2" == U ]]; then
		wait_ready_unix "$SERVER_PORT" "$SERVER_PID"
	elif [[ "$extra" == *proxy-protocol* ]]; then
		wait_ready "$SERVER_PORT" "$SERVER_PID" 'PROXY UNKNOWN\r\n'
	else
		wait_ready "$SERVER_PORT" "$SERVER_PID"
	fi
	if [[ "$2" == AH ]]; then
		start_haproxy "$kind" "$SERVER_PORT" "$([[ $kind == ours ]] && echo send-proxy-v2)"
	fi
}

# Puts a private HAProxy (mode tcp) on a free loopback port in front of a server; sets SERVER_PORT to
# HAProxy's port, so the load goes through it. Its PID joins STARTED_PIDS; it stops with the script.
start_haproxy() {
	local kind="$1" backend="$2" send_proxy="$3" port config="$OUT_DIR/haproxy-$1.cfg"
	port="$(free_port)"
	cat >"$config" <<-CFG
		global
		    maxconn 1000
		defaults
		    mode tcp
		    timeout connect 5s
		    timeout client 1h
		    timeout server 1h
		frontend smtp
		    bind 127.0.0.1:$port
		    default_backend server
		backend server
		    server s1 127.0.0.1:$backend $send_proxy
	CFG
	haproxy -db -f "$config" >>"$OUT_DIR/haproxy-$kind.log" 2>&1 &
	STARTED_PIDS+=("$!")
	wait_ready "$port" "$!"
	SERVER_PORT="$port"
}

stop_server() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# Whether a kind of server is ours (the sample app or SERVER_CMD) rather than an anchor of others.
is_ours() {
	case "$1" in
		ours | proxy | hooks | nbhooks | vhooks | plain | bdat1 | bdat64) return 0 ;;
		*) return 1 ;;
	esac
}

# The sample app's arguments for H's variants: the sample's MailChecks handler (RCPT and DATA hooks)
# before the sink handler, declared non-blocking for nbhooks, on virtual threads for vhooks.
hook_arguments() {
	case "$1" in
		hooks) echo " --sample.domains=localhost" ;;
		nbhooks) echo " --sample.domains=localhost --sample.non-blocking-checks=true" ;;
		vhooks) echo " --sample.domains=localhost --spring.threads.virtual.enabled=true" ;;
	esac
}

# H's variants that $H_JAVA can run: virtual threads need Java 21.
h_kinds() {
	local kind version
	version="$("$H_JAVA" -XshowSettings:properties -version 2>&1 | awk '/java.specification.version/ { print $3 }')"
	for kind in $H_KINDS; do
		if [[ "$kind" == vhooks && "${version%%.*}" -lt 21 ]]; then
			echo "H: $H_JAVA is Java $version; vhooks needs 21 or later, left out" >&2
			continue
		fi
		printf '%s ' "$kind"
	done
}

# The servers a scenario compares, the last being the anchor: AP compares our server with a PROXY
# header per connection against itself without; Q compares ours with a private Postfix; TE and TR
# ours with SubEthaSMTP and the private Postfix (T_SERVERS); HA and HB, the sample app with hooks
# against itself with the sink handler only; CB, DATA and BDAT to three instances of ours against
# smtp-sink; the others, ours with smtp-sink.
kinds_for() {
	case "$1" in
		AP) echo "proxy ours" ;;
		HA | HB) echo "$(h_kinds 2>/dev/null)plain" ;;
		Q) echo "ours postfix" ;;
		TE | TR) echo "$T_SERVERS" ;;
		CB) echo "bdat1 bdat64 ours sink" ;;
		*) echo "ours sink" ;;
	esac
}

# Warm-up runs of a server: WARMUP_RUNS; in TE and TR a JVM server gets at least T_WARMUP_MESSAGES, in
# Q ours at least Q_WARMUP_MESSAGES, in L and U ours at least L_WARMUP_MESSAGES.
warmup_runs() {
	local runs="$WARMUP_RUNS" least=0
	if [[ "$1" == T? && "$2" != postfix ]]; then
		least="$T_WARMUP_MESSAGES"
	elif [[ "$1" == Q && "$2" == ours ]]; then
		least="$Q_WARMUP_MESSAGES"
	elif [[ ( "$1" == L || "$1" == U ) && "$2" == ours ]]; then
		least="$L_WARMUP_MESSAGES"
	fi
	if ((WARMUP_RUNS > 0 && least > 0)); then
		runs=$(((least + $3 - 1) / $3))
		((runs >= WARMUP_RUNS)) || runs="$WARMUP_RUNS"
	fi
	echo "$runs"
}

# The sample app's handler in a scenario: Q stores durably.
handler_for() {
	case "$1" in
		Q) echo maildir ;;
		*) echo "$APP_HANDLER" ;;
	esac
}

# CPU ticks of a server: Postfix's whole process tree, or one process.
server_ticks() {
	if [[ "$1" == postfix ]]; then
		tree_cpu_ticks "$2"
	else
		cpu_ticks "$2"
	fi
}

# utime + stime of a process, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

peak_rss_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# Runs a load generator, bounded by RUN_TIMEOUT; prints "<wall ns> <its CPU ticks>" on the last
# line (the subshell's cutime + cstime once the generator has been waited for).
run_load() {
	(
		self=$BASHPID
		start=$(date +%s%N)
		timeout "$RUN_TIMEOUT" "$@" >>"$OUT_DIR/load.log" 2>&1 || { echo "Load failed: $*" >&2; exit 1; }
		end=$(date +%s%N)
		echo "$((end - start)) $(awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$self/stat")"
	)
}

# Sets LOAD to the load generator's command line for a scenario.
load_command() {
	local scenario="$1" port="$2" messages="$3"
	local source=(env "LD_LIBRARY_PATH=$POSTFIX_DIR/usr/lib/postfix" "$POSTFIX_DIR/usr/sbin/smtp-source"
		-M localhost -f sender@localhost -t rcpt@localhost)
	case "$scenario" in
		A | AH | HA) LOAD=("${source[@]}" -s 20 -m "$messages" -l 1024 "127.0.0.1:$port") ;;
		AP) LOAD=(java -cp "$JAR" dev.smtpd.benchmarks.PipeliningClient "--port=$port" --sessions=20
				"--messages=$messages" --size=1024 "--seconds=$RUN_TIMEOUT" --per-connection=1
				"--proxy=$([[ "$kind" == proxy ]] && echo v2 || echo none)") ;;
		B | HB) LOAD=("${source[@]}" -d -s 20 -m "$messages" -l 1024 "127.0.0.1:$port") ;;
		C) LOAD=("${source[@]}" -d -s 10 -m "$messages" -l 1048576 "127.0.0.1:$port") ;;
		C1 | C64 | CD | CB)
			if [[ "$scenario" == CB && "$kind" != sink ]]; then
				LOAD=(java -cp "$JAR" dev.smtpd.benchmarks.PipeliningClient "--port=$port" --sessions=10
					"--messages=$messages" --size=1048576 "--seconds=$RUN_TIMEOUT"
					"--chunk=$(case "$kind" in bdat1) echo 1048576 ;; bdat64) echo 65536 ;; *) echo 0 ;; esac)")
			elif [[ "$kind" == ours ]]; then
				LOAD=(java -cp "$JAR" dev.smtpd.benchmarks.PipeliningClient "--port=$port" --sessions=10
					"--messages=$messages" --size=1048576 "--seconds=$RUN_TIMEOUT"
					"--chunk=$(case "$scenario" in C1) echo 1048576 ;; C64) echo 65536 ;; *) echo 0 ;; esac)")
			else
				LOAD=("${source[@]}" -d -s 10 -m "$messages" -l 1048576 "127.0.0.1:$port")
			fi ;;
		L) LOAD=("${source[@]}" -L -d -s 20 -m "$messages" -r 5 -l 1024 "127.0.0.1:$port") ;;
		U) LOAD=("${source[@]}" -L -d -s 20 -m "$messages" -r 5 -l 1024 "unix:$port") ;;
		Q) LOAD=("${source[@]}" -d -s 8 -m "$messages" -l 4096 "127.0.0.1:$port") ;;
		TE | TR) LOAD=(python3 "$HERE/starttls-client.py" "$port" 8 "$messages" 1024 "$RUN_TIMEOUT") ;;
		P) LOAD=(java -cp "$JAR" dev.smtpd.benchmarks.PipeliningClient "--port=$port" --sessions=20
				"--messages=$messages" --size=1024 "--seconds=$RUN_TIMEOUT") ;;
	esac
}

message_size() {
	case "$1" in
		C | C1 | C64 | CD | CB) echo 1048576 ;;
		Q) echo 4096 ;;
		*) echo 1024 ;;
	esac
}

messages_for() {
	local name="${1}_MESSAGES"
	[[ "$1" == T? ]] && name="T_MESSAGES"
	echo "${!name}"
}

# Delivered messages are removed after every run (not measured); in Q's shape (Q, LQ) with MAILDIR_KEEP=1
# only when the scenario ends (a second argument "end").
empty_maildir() {
	if [[ "$(handler_for "$1")" == maildir && ( "$MAILDIR_KEEP" != 1 || "$1" != Q || "${2:-}" == end ) \
		&& -d "$MAILDIR/new" ]]; then
		find "$MAILDIR/new" -type f -delete
		sync
	fi
}

# --- scenarios ----------------------------------------------------------------------------------

# Starts a server of each kind for a scenario's shape and warms it with that shape's load; fills
# the caller's associative arrays pid and port (declared there with `declare -A pid port`).
# Arguments: the scenario's label (for the log), the scenario whose servers and load it uses, the
# kinds, the messages per warm-up run.
start_and_warm() {
	local label="$1" scenario="$2" kinds="$3" messages="$4" kind rep
	for kind in $kinds; do
		start_server "$kind" "$scenario"
		pid[$kind]="$SERVER_PID"
		port[$kind]="$SERVER_PORT"
		log "$label: $kind listening on ${port[$kind]} (pid ${pid[$kind]}), warming up"
		load_command "$scenario" "${port[$kind]}" "$messages"
		for rep in $(seq 1 "$(warmup_runs "$scenario" "$kind" "$messages")"); do
			run_load "${LOAD[@]}" >/dev/null
			empty_maildir "$scenario"
		done
	done
}

# A, B, C, P: one server of each kind, WARMUP_RUNS runs each, then REPS runs alternating the servers.
throughput_scenario() {
	local scenario="$1" messages size kind rep kinds
	kinds="$(kinds_for "$scenario")"
	messages="$(messages_for "$scenario")"
	size="$(message_size "$scenario")"
	declare -A pid port
	start_and_warm "$scenario" "$scenario" "$kinds" "$messages"
	for rep in $(seq 1 "$REPS"); do
		for kind in $kinds; do
			local before after result wall client
			before="$(server_ticks "$kind" "${pid[$kind]}")"
			load_command "$scenario" "${port[$kind]}" "$messages"
			result="$(run_load "${LOAD[@]}")"
			after="$(server_ticks "$kind" "${pid[$kind]}")"
			empty_maildir "$scenario"
			read -r wall client <<<"$result"
			awk -v s="$scenario" -v k="$kind" -v r="$rep" -v m="$messages" -v size="$size" -v wall="$wall" \
				-v server=$((after - before)) -v client="$client" -v tck="$CLK_TCK" -v hwm="$(peak_rss_kib "${pid[$kind]}")" \
				'BEGIN { secs = wall / 1e9; printf "%s\t%s\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\n", s, k, r, m / secs,
					m * size / secs / 1e6, server * 1e6 / tck / m, client * 1e6 / tck / m, hwm / 1024 }' >>"$RESULTS"
			log "$(tail -n 1 "$RESULTS")"
		done
		if [[ "$scenario" == T? ]]; then
			# the floor in every round, so that each of our runs has one measured minutes apart
			printf '%s\t%s\t%s\n' "$scenario" "$rep" "$(crypto_floor "$scenario" | tr ' ' '\t')" >>"$RESULTS.floor"
			log "crypto floor (scenario, round, handshakes/s, s_server CPU µs per handshake): $(tail -n 1 "$RESULTS.floor")"
		fi
	done
	if [[ "$scenario" == Q ]]; then
		for kind in $kinds; do
			load_command "$scenario" "${port[$kind]}" "$FSYNC_MESSAGES"
			printf '%s\t%s\t%s\n' "$scenario" "$kind" "$(count_fsyncs "${pid[$kind]}" "$FSYNC_MESSAGES" "$kind")" \
				>>"$RESULTS.fsync"
			empty_maildir "$scenario"
			log "fsyncs per message: $(tail -n 1 "$RESULTS.fsync")"
		done
	fi
	empty_maildir "$scenario" end
	for kind in $kinds; do
		if [[ "$kind" == postfix ]]; then
			stop_postfix "$scenario"
		else
			stop_server "${pid[$kind]}"
		fi
	done
}

# D: a fresh server per run; the probe reports KiB per idle connection and a fresh delivery's time.
idle_scenario() {
	local rep kind line
	for rep in $(seq 1 "$REPS"); do
		for kind in $D_SERVERS; do
			start_server "$kind" D
			# warm the delivery path, so the fresh delivery measures the idle load, not class loading
			java -cp "$JAR" dev.smtpd.benchmarks.PipeliningClient --port="$SERVER_PORT" --sessions=2 \
				--messages=2000 --seconds=60 >>"$OUT_DIR/load.log" 2>&1
			line="$(timeout "$RUN_TIMEOUT" java -Xss256k -cp "$JAR" dev.smtpd.benchmarks.IdleConnections \
				--port="$SERVER_PORT" --server-pid="$SERVER_PID" --connections="$D_CONNECTIONS" \
				--jvm="$([[ $kind == ours ]] && echo true || echo false)" 2>>"$OUT_DIR/load.log")" \
				|| { echo "Idle-connection probe failed against $kind: see $OUT_DIR/load.log" >&2; exit 1; }
			echo "$line" >>"$OUT_DIR/load.log"
			awk -v k="$kind" -v r="$rep" -v hwm="$(peak_rss_kib "$SERVER_PID")" -v line="$line" 'BEGIN {
					n = split(line, fields, /[ =]/)
					for (i = 1; i < n; i += 2) { v[fields[i]] = fields[i + 1] }
					printf "D\t%s\t%d\t%s\t%s\t%s\t%s\t%.1f\t%s\n", k, r, v["connections"], v["kib-per-connection"],
						v["fresh-delivery-ms"], v["rss-after-kib"] / 1024, hwm / 1024,
						("heap-kib-per-connection" in v) ? v["heap-kib-per-connection"] : "-" }' >>"$RESULTS.idle"
			log "$(tail -n 1 "$RESULTS.idle")"
			stop_server "$SERVER_PID"
			empty_maildir D
		done
	done
}

# --- report -------------------------------------------------------------------------------------

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-" } else if (NR % 2) { print v[(NR + 1) / 2] }
		else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}

column_median() {
	awk -F '\t' -v s="$2" -v k="$3" -v c="$4" '$1 == s && $2 == k { print $c }' "$1" | median
}

# The ratios of two servers' msgs/s and CPU per message, run by run (the same rep of one invocation),
# and their medians.
pair_ratios() {
	local rates cpus
	rates="$(awk -F '\t' -v s="$1" -v a="$2" -v b="$3" '$1 == s && $2 == a { x[$3] = $4 } $1 == s && $2 == b { y[$3] = $4 }
		END { for (r in x) if ((r in y) && y[r] > 0) printf "%.2f\n", x[r] / y[r] }' "$RESULTS")"
	cpus="$(awk -F '\t' -v s="$1" -v a="$2" -v b="$3" '$1 == s && $2 == a { x[$3] = $6 } $1 == s && $2 == b { y[$3] = $6 }
		END { for (r in x) if ((r in y) && y[r] > 0) printf "%.2f\n", x[r] / y[r] }' "$RESULTS")"
	echo "msgs/s $(paste -sd, <<<"$rates" | sed 's/,/, /g') (median $(median <<<"$rates")×);" \
		"CPU/msg $(paste -sd, <<<"$cpus" | sed 's/,/, /g') (median $(median <<<"$cpus")×)"
}

report() {
	local scenario kind
	echo
	echo "| Scenario | Server | msgs/s | MB/s | server CPU µs/msg | load generator CPU µs/msg | peak RSS MiB | msgs/s vs anchor | CPU/msg vs anchor |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for scenario in A AP AH HA B HB C CD C1 C64 CB P L U Q TE TR; do
		[[ -f "$RESULTS" ]] && grep -q "^$scenario	" "$RESULTS" || continue
		local rate_sink cpu_sink kinds anchor
		kinds="$(kinds_for "$scenario")"
		anchor="${kinds##* }"
		rate_sink="$(column_median "$RESULTS" "$scenario" "$anchor" 4)"
		cpu_sink="$(column_median "$RESULTS" "$scenario" "$anchor" 6)"
		for kind in $kinds; do
			local rate mb cpu client rss
			rate="$(column_median "$RESULTS" "$scenario" "$kind" 4)"
			mb="$(column_median "$RESULTS" "$scenario" "$kind" 5)"
			cpu="$(column_median "$RESULTS" "$scenario" "$kind" 6)"
			client="$(column_median "$RESULTS" "$scenario" "$kind" 7)"
			rss="$(column_median "$RESULTS" "$scenario" "$kind" 8)"
			awk -v ours="$SERVER_NAME" -v s="$scenario" -v k="$kind" -v rate="$rate" -v mb="$mb" -v cpu="$cpu" -v client="$client" \
				-v rss="$rss" -v rs="$rate_sink" -v cs="$cpu_sink" 'BEGIN {
					name = (k == "ours") ? ours : (k == "proxy") ? ours " + PROXY v2 header" : (k == "sink") ? "smtp-sink" \
						: (k == "subetha") ? "SubEthaSMTP (JDK TLS)" \
						: (k == "plain") ? ours " (sink handler)" : (k == "hooks") ? ours " + hooks" \
						: (k == "nbhooks") ? ours " + @NonBlocking hooks" : (k == "vhooks") ? ours " + hooks, virtual threads" \
						: "Postfix"
					if (s == "CB") name = (k == "bdat1") ? ours ", BDAT in one chunk" : (k == "bdat64") ? ours ", BDAT in 64 KiB chunks" : (k == "ours") ? ours ", DATA" : name
					if (s == "AH") name = name " via HAProxy"
					printf "| %s | %s | %.0f | %.1f | %.1f | %.1f | %.0f | %.2f× | %.2f× |\n", s, name, rate, mb, cpu,
						client, rss, rate / rs, (cs > 0) ? cpu / cs : 0 }'
		done
	done
	if [[ -f "$RESULTS" ]] && grep -q "^CB	" "$RESULTS"; then
		local chunks
		for chunks in bdat1 bdat64; do
			echo
			echo "CB, $chunks against DATA, per run (MB/s, then server CPU per message): $(
				awk -F '\t' -v k="$chunks" '$1 == "CB" && $2 == k { mb[$3] = $5; cpu[$3] = $6 }
					$1 == "CB" && $2 == "ours" { dmb[$3] = $5; dcpu[$3] = $6 }
					END { for (r in mb) if (r in dmb) printf "%s%.2f×/%.2f×", (n++ ? ", " : ""), mb[r] / dmb[r], cpu[r] / dcpu[r] }' \
					"$RESULTS")"
		done
	fi
	for scenario in TE TR; do
		[[ -f "$RESULTS" ]] && grep -q "^$scenario	" "$RESULTS" || continue
		echo
		for kind in $(kinds_for "$scenario"); do
			[[ "$kind" == ours ]] || echo "$scenario, $SERVER_NAME against $kind, per pair: $(pair_ratios "$scenario" ours "$kind")"
		done
	done
	if [[ -f "$RESULTS.floor" ]]; then
		echo
		echo "Crypto floor (openssl s_time -new against openssl s_server, TLS 1.3, ${FLOOR_SECONDS} s after each round), medians: $(
			for scenario in TE TR; do
				grep -q "^$scenario	" "$RESULTS.floor" || continue
				printf '%s %s handshakes/s, %s µs s_server CPU per handshake; ' "$scenario" \
					"$(awk -F '\t' -v s="$scenario" '$1 == s { print $3 }' "$RESULTS.floor" | median)" \
					"$(awk -F '\t' -v s="$scenario" '$1 == s { print $4 }' "$RESULTS.floor" | median)"
			done | sed 's/; $//')"
		for scenario in TE TR; do
			grep -q "^$scenario	" "$RESULTS.floor" || continue
			local ratios
			ratios="$(awk -F '\t' -v s="$scenario" 'FILENAME ~ /floor$/ { if ($1 == s) f[$2] = $4; next }
				$1 == s && $2 == "ours" && ($3 in f) && f[$3] > 0 { printf "%.2f\n", $6 / f[$3] }' \
				"$RESULTS.floor" "$RESULTS")"
			[[ -n "$ratios" ]] || continue
			echo "$scenario, $SERVER_NAME's CPU per message against the floor of the same round, per pair:" \
				"$(paste -sd, <<<"$ratios" | sed 's/,/, /g') (median $(median <<<"$ratios")×)"
		done
	fi
	if [[ -f "$RESULTS.fsync" ]]; then
		echo
		echo "fsync + fdatasync calls per message (strace -f, one run of $FSYNC_MESSAGES messages): $(
			awk -F '\t' '{ printf "%s%s %s %s", sep, $1, $2, $3; sep = "; " }' "$RESULTS.fsync")"
	fi
	if [[ -f "$RESULTS.idle" ]]; then
		echo
		echo "| Scenario D | Server | idle connections | RSS KiB per connection | live heap KiB per connection | fresh delivery ms | RSS with idle connections MiB | peak RSS MiB |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|"
		for kind in $D_SERVERS; do
			local heap
			heap="$( [[ $kind == ours ]] && column_median "$RESULTS.idle" D "$kind" 9 || echo -)"
			awk -v ours="$SERVER_NAME" -v k="$kind" -v c="$(column_median "$RESULTS.idle" D "$kind" 4)" \
				-v kib="$(column_median "$RESULTS.idle" D "$kind" 5)" -v ms="$(column_median "$RESULTS.idle" D "$kind" 6)" \
				-v rss="$(column_median "$RESULTS.idle" D "$kind" 7)" -v hwm="$(column_median "$RESULTS.idle" D "$kind" 8)" \
				-v heap="$heap" \
				'BEGIN { name = (k == "ours") ? ours : "smtp-sink"
					printf "| D | %s | %d | %.1f | %s | %.1f | %.0f | %.0f |\n", name, c, kib,
						(heap == "-") ? "-" : sprintf("%.1f", heap), ms, rss, hwm }'
		done
	fi
	echo
	echo "Medians of $REPS runs; raw results in $OUT_DIR. For AP the ratio columns compare with $SERVER_NAME without the header;"
	echo "for HA and HB, with $SERVER_NAME with the sink handler only (all on $H_JAVA)."
}

# --- main ---------------------------------------------------------------------------------------

if [[ ! -f "$JAR" || ( "$SERVER" == app && -z "$APP_JAR" ) ]]; then
	echo "Build first: mvn -Pbenchmarks package -DskipTests" >&2
	exit 1
fi
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/load.log"
# room for D's connections in the server and in the probe (root may raise the hard limit too,
# unless a container withholds CAP_SYS_RESOURCE)
ulimit -n $((D_CONNECTIONS + 1000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [[ " $SCENARIOS " == *" D "* && "$(ulimit -n)" -lt $((D_CONNECTIONS + 1000)) ]]; then
	echo "Open files limited to $(ulimit -n): lower D_CONNECTIONS or raise the hard limit" >&2
	exit 1
fi
fetch_postfix
if [[ " $SCENARIOS " == *" T"[ER]" "* ]]; then
	make_certificates
	if [[ " $T_SERVERS " == *" subetha "* ]]; then
		log "Building the SubEthaSMTP sink (benchmarks/subethasmtp.sh)"
		SUBETHASMTP_CMD="$(SERVER_JAVA_OPTS="$SERVER_JAVA_OPTS" "$HERE/subethasmtp.sh" command)"
	fi
fi
log "Results in $OUT_DIR; $(nproc) cores; scenarios: $SCENARIOS; $REPS runs each; our server: $SERVER_CMD"
for scenario in $SCENARIOS; do
	case "$scenario" in
		AH) command -v haproxy >/dev/null || { echo "Scenario AH needs haproxy (apt-get install haproxy)" >&2; exit 1; }
			throughput_scenario "$scenario" ;;
		HA | HB) [[ "$SERVER" == app ]] || { echo "Scenarios HA and HB need SERVER=app (the sample app's handler)" >&2; exit 1; }
			log "H: $(h_kinds 2>&1 >/dev/null)variants: $(h_kinds 2>/dev/null)on $H_JAVA"
			throughput_scenario "$scenario" ;;
		A | AP | B | C | C1 | C64 | CD | CB | P | L | U | Q | TE | TR) throughput_scenario "$scenario" ;;
		D) idle_scenario ;;
		LA | LQ) latency_scenario "$scenario" ;;
		*) echo "Unknown scenario $scenario" >&2; exit 1 ;;
	esac
done
# the throughput table only if a throughput or idle scenario ran (LA and LQ have their own)
{ if [[ -f "$RESULTS" || -f "$RESULTS.idle" ]]; then report; fi; latency_report; } | tee "$OUT_DIR/table.md"
