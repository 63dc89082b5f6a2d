# Sourced by run.sh: the anchors of scenarios Q and T (a private Postfix, SubEthaSMTP with
# STARTTLS, openssl s_server), the CPU of a process tree, and the fsyncs a server makes.
# See docs/performance.md.

POSTFIX_SCRIPT="$HERE/../smtpd-sample-app/src/test/postfix/private-postfix.sh"

# Starts a private Postfix (smtpd on 127.0.0.1:$SERVER_PORT, every message for localhost queued,
# then delivered to discard:) with the installed package (needs root); for T with the
# certificate in $TLS_DIR offered for STARTTLS. Sets SERVER_PID (the master) and SERVER_PORT.
start_postfix() {
	local scenario="$1" dir="$OUT_DIR/postfix-$1"
	if [[ ! -x /usr/sbin/postfix || "$(id -u)" != 0 ]]; then
		echo "Scenario $scenario needs root and Debian's postfix package (apt-get install postfix)" >&2
		return 1
	fi
	SERVER_PORT="$(free_port)"
	"$POSTFIX_SCRIPT" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
	mkdir -p "$dir"
	"$POSTFIX_SCRIPT" start "$dir" "$SERVER_PORT" discard: localhost >>"$OUT_DIR/postfix.log" 2>&1
	if [[ "$scenario" == T* ]]; then
		cat >>"$dir/etc/main.cf" <<-CF
			smtpd_tls_security_level = may
			smtpd_tls_chain_files = $TLS_DIR/$(tls_key "$scenario").pem
			smtpd_tls_session_cache_database =
			smtpd_tls_session_cache_timeout = 0
			tls_ssl_options = NO_TICKET
		CF
		/usr/sbin/postfix -c "$dir/etc" reload >>"$OUT_DIR/postfix.log" 2>&1
	fi
	SERVER_PID="$(tr -d ' ' <"$dir/queue/pid/master.pid")"
	POSTFIX_DIRS+=("$dir")
	wait_ready "$SERVER_PORT" "$SERVER_PID"
}

stop_postfix() {
	"$POSTFIX_SCRIPT" stop "$OUT_DIR/postfix-$1" >>"$OUT_DIR/postfix.log" 2>&1 || true
}

stop_all_postfix() {
	local dir
	for dir in "${POSTFIX_DIRS[@]}"; do
		"$POSTFIX_SCRIPT" stop "$dir" >/dev/null 2>&1 || true
	done
}

# utime + stime (and that of reaped children) of a process and all its descendants, in clock
# ticks: Postfix's work is spread over smtpd, cleanup, qmgr, trivial-rewrite and discard.
tree_cpu_ticks() {
	local pids=("$1") i=0 child
	while ((i < ${#pids[@]})); do
		for child in $(cat "/proc/${pids[$i]}"/task/*/children 2>/dev/null); do
			pids+=("$child")
		done
		i=$((i + 1))
	done
	for child in "${pids[@]}"; do
		[[ -r "/proc/$child/stat" ]] && cat "/proc/$child/stat"
	done | awk '{ sub(/^.*\) /, ""); total += $12 + $13 + $14 + $15 } END { print total + 0 }'
}

# The pids of a process and its descendants, comma-separated.
tree_pids() {
	local pids=("$1") i=0 child
	while ((i < ${#pids[@]})); do
		for child in $(cat "/proc/${pids[$i]}"/task/*/children 2>/dev/null); do
			pids+=("$child")
		done
		i=$((i + 1))
	done
	local IFS=,
	echo "${pids[*]}"
}

# Counts the fsync and fdatasync calls of a server's process tree (strace -f, new children
# followed) during one unmeasured load run of FSYNC_MESSAGES messages; prints calls per message.
count_fsyncs() {
	local pid="$1" messages="$2" trace="$OUT_DIR/strace-$3.txt" tracer pids
	if ! command -v strace >/dev/null; then
		echo "-"
		return
	fi
	pids="$(tree_pids "$pid")"
	strace -f -c -e trace=fsync,fdatasync -o "$trace" $(printf -- '-p %s ' ${pids//,/ }) 2>/dev/null &
	tracer=$!
	STARTED_PIDS+=("$tracer")
	sleep 1
	run_load "${LOAD[@]}" >/dev/null
	kill -INT "$tracer" 2>/dev/null || true
	wait "$tracer" 2>/dev/null || true
	awk -v m="$messages" '$NF == "fsync" || $NF == "fdatasync" { calls += $4 } END { printf "%.2f", calls / m }' \
		"$trace"
}
