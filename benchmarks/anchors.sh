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
		CF
		echo "tlsmgr    unix  -       -       n       1000?   1       tlsmgr" >>"$dir/etc/master.cf"
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
	local pid
	for pid in $(tree_pids "$1" | tr , ' '); do
		[[ -r "/proc/$pid/stat" ]] && cat "/proc/$pid/stat"
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

# --- scenario T: TLS ---------------------------------------------------------------------------

TLS_DIR="${TLS_DIR:-$OUT_DIR/tls}"

# The key of a T scenario: TE has an EC P-256 certificate, TR an RSA 2048 one.
tls_key() {
	case "$1" in
		TE) echo ec ;;
		TR) echo rsa ;;
	esac
}

# Self-signed certificates for localhost: ec.{key,crt,pem,p12} and rsa.{key,crt,pem,p12} (pem: key,
# then certificate, as Postfix's smtpd_tls_chain_files takes them; p12: the same as a PKCS#12 key
# store with the password "bench", for SubEthaSMTP).
make_certificates() {
	local key
	mkdir -p "$TLS_DIR"
	chmod 755 "$TLS_DIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
		-keyout "$TLS_DIR/ec.key" -out "$TLS_DIR/ec.crt" 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$TLS_DIR/rsa.key" -out "$TLS_DIR/rsa.crt" 2>/dev/null
	for key in ec rsa; do
		cat "$TLS_DIR/$key.key" "$TLS_DIR/$key.crt" >"$TLS_DIR/$key.pem"
		openssl pkcs12 -export -inkey "$TLS_DIR/$key.key" -in "$TLS_DIR/$key.crt" -name server \
			-passout pass:bench -out "$TLS_DIR/$key.p12"
		chmod 644 "$TLS_DIR/$key".*
	done
}

# The sample app's arguments for STARTTLS with the scenario's certificate (an SSL bundle).
tls_arguments() {
	local key
	key="$(tls_key "$1")"
	[[ -n "$key" ]] || return 0
	echo " --smtpd.ssl.bundle=bench --smtpd.ssl.mode=starttls" \
		"--spring.ssl.bundle.pem.bench.keystore.certificate=file:$TLS_DIR/$key.crt" \
		"--spring.ssl.bundle.pem.bench.keystore.private-key=file:$TLS_DIR/$key.key"
}

# The crypto floor of a T scenario: openssl s_time full handshakes (-new) against openssl
# s_server with the same key, for FLOOR_SECONDS; prints handshakes/s and s_server's CPU µs per
# handshake.
crypto_floor() {
	local scenario="$1" key port pid before after output count seconds
	key="$(tls_key "$scenario")"
	port="$(free_port)"
	openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$TLS_DIR/$key.crt" -key "$TLS_DIR/$key.key" \
		-tls1_3 -naccept 1000000 </dev/null >>"$OUT_DIR/s_server.log" 2>&1 &
	pid=$!
	STARTED_PIDS+=("$pid")
	sleep 1
	before="$(cpu_ticks "$pid")"
	output="$(timeout $((FLOOR_SECONDS + 30)) openssl s_time -connect "127.0.0.1:$port" -new -tls1_3 \
		-time "$FLOOR_SECONDS" 2>&1 || true)"
	after="$(cpu_ticks "$pid")"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	count="$(sed -n 's/^\([0-9]*\) connections in .*/\1/p' <<<"$output" | head -n 1)"
	seconds="$(sed -n 's/^[0-9]* connections in \([0-9.]*\) real.*/\1/p' <<<"$output" | head -n 1)"
	[[ -n "$count" && "$count" -gt 0 ]] || { echo "s_time failed: $output" >&2; echo "- -"; return; }
	awk -v c="$count" -v s="${seconds:-$FLOOR_SECONDS}" -v t=$((after - before)) -v tck="$CLK_TCK" \
		'BEGIN { printf "%.0f %.0f", c / s, t * 1e6 / tck / c }'
}
