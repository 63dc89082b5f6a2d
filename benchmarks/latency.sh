# Sourced by run.sh: scenarios LA and LQ, latency under open-loop load (issue #19). Each runs two
# servers side by side as A (ours, smtp-sink) or Q (ours with maildir, the private Postfix) do:
# first the maximum rate of each, closed loop with A's or Q's smtp-source command (REPS runs
# alternating, after WARMUP_RUNS); then LatencyClient offers BOTH servers the same rates,
# LATENCY_LOADS per cent of the lower of the two medians, REPS runs per rate alternating the
# servers. Rows go to $RESULTS.latency; latency_report prints them. See docs/performance.md.

LA_MESSAGES="${LA_MESSAGES:-$A_MESSAGES}"
LQ_MESSAGES="${LQ_MESSAGES:-$Q_MESSAGES}"
LA_SESSIONS="${LA_SESSIONS:-256}"
LQ_SESSIONS="${LQ_SESSIONS:-8}"
LATENCY_LOADS="${LATENCY_LOADS:-50 90}"
LATENCY_SECONDS="${LATENCY_SECONDS:-30}"
LATENCY_WARMUP_SECONDS="${LATENCY_WARMUP_SECONDS:-5}"

# The closed-loop scenario whose shape and servers a latency scenario takes: LA → A, LQ → Q.
latency_base() {
	echo "${1#L}"
}

# The 1-minute load average now.
load_average() {
	cut -d ' ' -f 1 /proc/loadavg
}

# One row of $RESULTS.latency from LatencyClient's output line: scenario, server, load (per cent of
# the maximum), run, offered and achieved msgs/s, final dot → 250 p50/p99/max ms, scheduled start →
# 250 p50/p99/max ms, start late p99/max ms, errors, load average at the start of the run, the
# load generator's CPU µs per message (closed loop: smtp-source's).
latency_row() {
	awk -v s="$1" -v k="$2" -v l="$3" -v r="$4" -v la="$5" -v line="$6" 'BEGIN {
			n = split(line, fields, /[ =]/)
			for (i = 1; i < n; i += 2) { v[fields[i]] = fields[i + 1] }
			printf "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, k, l, r, v["offered/s"],
				v["achieved/s"], v["dot-p50-ms"], v["dot-p99-ms"], v["dot-max-ms"], v["sched-p50-ms"],
				v["sched-p99-ms"], v["sched-max-ms"], v["late-p99-ms"], v["late-max-ms"], v["errors"], la,
				v["client-cpu-us"] }'
}

latency_scenario() {
	local scenario="$1" base kinds messages size kind rep load lower rate line rows="$RESULTS.latency"
	base="$(latency_base "$1")"
	kinds="$(kinds_for "$base")"
	messages="$(messages_for "$scenario")"
	size="$(message_size "$base")"
	declare -A pid port
	start_and_warm "$scenario" "$base" "$kinds" "$messages"
	# the maximum rate of each server, closed loop, as scenario A or Q measures it
	for rep in $(seq 1 "$REPS"); do
		for kind in $kinds; do
			local wall client average
			average="$(load_average)"
			load_command "$base" "${port[$kind]}" "$messages"
			read -r wall client <<<"$(run_load "${LOAD[@]}")"
			empty_maildir "$base"
			awk -v s="$scenario" -v k="$kind" -v r="$rep" -v m="$messages" -v wall="$wall" -v la="$average" \
				-v client="$client" -v tck="$CLK_TCK" 'BEGIN { rate = m * 1e9 / wall
					printf "%s\t%s\tmax\t%d\t%.0f\t%.0f\t-\t-\t-\t-\t-\t-\t-\t-\t0\t%s\t%.0f\n", s, k, r, rate, rate, la,
						client * 1e6 / tck / m }' >>"$rows"
			log "$(tail -n 1 "$rows")"
		done
	done
	lower="$(for kind in $kinds; do awk -F '\t' -v s="$scenario" -v k="$kind" '$1 == s && $2 == k && $3 == "max" { print $5 }' \
		"$rows" | median; done | sort -g | head -n 1)"
	log "$scenario: the lower maximum rate is $lower msgs/s; offering $LATENCY_LOADS % of it to both"
	for load in $LATENCY_LOADS; do
		rate="$(awk -v m="$lower" -v p="$load" 'BEGIN { printf "%.1f", m * p / 100 }')"
		for rep in $(seq 1 "$REPS"); do
			for kind in $kinds; do
				local average status=0
				average="$(load_average)"
				line="$(timeout "$RUN_TIMEOUT" java -cp "$JAR" dev.smtpd.benchmarks.LatencyClient "--port=${port[$kind]}" \
					"--rate=$rate" "--seconds=$LATENCY_SECONDS" "--warmup-seconds=$LATENCY_WARMUP_SECONDS" \
					"--sessions=$(latency_sessions "$scenario")" "--size=$size" \
					"--per-connection=$([[ $base == A ]] && echo 1 || echo 0)" \
					"--hgrm=$OUT_DIR/latency-$scenario-$kind-$load-$rep" 2>>"$OUT_DIR/load.log")" || status=$?
				echo "$line" >>"$OUT_DIR/load.log"
				empty_maildir "$base"
				if [[ "$line" != messages=* ]]; then
					echo "Latency client failed (status $status) against $kind: see $OUT_DIR/load.log" >&2
					exit 1
				fi
				latency_row "$scenario" "$kind" "$load" "$rep" "$average" "$line" >>"$rows"
				log "$(tail -n 1 "$rows")"
			done
		done
	done
	empty_maildir "$base" end
	for kind in $kinds; do
		if [[ "$kind" == postfix ]]; then
			stop_postfix "$base"
		else
			stop_server "${pid[$kind]}"
		fi
	done
}

latency_sessions() {
	case "$1" in
		LA) echo "$LA_SESSIONS" ;;
		LQ) echo "$LQ_SESSIONS" ;;
	esac
}

# The median of column $4 over the runs of scenario $2, server $3, load $5 in file $1; with $6
# set, followed by the spread "(min–max)" when there were several runs.
latency_median() {
	local values
	values="$(awk -F '\t' -v s="$2" -v k="$3" -v c="$4" -v l="$5" '$1 == s && $2 == k && $3 == l { print $c }' "$1")"
	if [[ -n "${6:-}" && "$(wc -l <<<"$values")" -gt 1 ]]; then
		echo "$(median <<<"$values") ($(sort -g <<<"$values" | head -n 1)–$(sort -g <<<"$values" | tail -n 1))"
	else
		median <<<"$values"
	fi
}

# Ratios of ours to the anchor of column $3 per pair (the same run number), in run order, and their median.
latency_pair_ratios() {
	local ratios
	ratios="$(awk -F '\t' -v s="$1" -v l="$2" -v c="$3" -v a="$4" '$1 == s && $3 == l { v[$2, $4] = $c; if ($4 > n) n = $4 }
		END { for (r = 1; r <= n; r++) if ((("ours", r) in v) && ((a, r) in v) && v[a, r] > 0)
			printf "%.2f\n", v["ours", r] / v[a, r] }' "$RESULTS.latency")"
	[[ -n "$ratios" ]] || { echo "-"; return; }
	echo "$(paste -sd ',' <<<"$ratios" | sed 's/,/, /g') ($(median <<<"$ratios")×)"
}

latency_report() {
	local rows="$RESULTS.latency" scenario kinds anchor kind load
	[[ -f "$rows" ]] || return 0
	echo
	echo "| Scenario | Server | offered | offered msgs/s | achieved msgs/s | final dot → 250 p50 ms | p99 ms | max ms | p99 vs anchor, per pair (median) | due → 250 p50 ms | p99 ms | max ms | start late p99 ms | load generator CPU µs/msg |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
	for scenario in LA LQ; do
		grep -q "^$scenario	" "$rows" || continue
		kinds="$(kinds_for "$(latency_base "$scenario")")"
		anchor="${kinds##* }"
		for load in max $LATENCY_LOADS; do
			for kind in $kinds; do
				local c=() i
				for i in 5 6 7 8 9 10 11 12 13 17; do
					c+=("$(latency_median "$rows" "$scenario" "$kind" "$i" "$load" "$([[ $i == 8 || $i == 11 ]] && echo spread)")")
				done
				awk -v ours="$SERVER_NAME" -v s="$scenario" -v k="$kind" -v l="$load" -v ratio="$(
					[[ $kind == ours && $load != max ]] && latency_pair_ratios "$scenario" "$load" 8 "$anchor" || echo)" \
					-v values="$(IFS='|'; echo "${c[*]}")" 'BEGIN {
						split(values, v, "|")
						name = (k == "ours") ? ours : (k == "sink") ? "smtp-sink" : "Postfix"
						if (l == "max") {
							printf "| %s | %s | closed loop | – | %.0f | | | | | | | | | %s |\n", s, name, v[2], v[10]
						} else {
							# a server that did not keep up with the offered rate had a growing queue: the figures measure that queue
							behind = (v[2] < 0.95 * v[1]) ? " (fell behind)" : ""
							printf "| %s | %s | %s %% | %.0f | %.0f%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, name, l,
								v[1], v[2], behind, v[3], v[4], v[5], ratio, v[6], v[7], v[8], v[9], v[10]
						}
					}'
			done
		done
	done
	echo
	echo "$(awk -F '\t' '{ if (min == "" || $16 < min) min = $16; if ($16 > max) max = $16; errors += $15 }
		END { printf "LA, LQ: medians of '"$REPS"' runs per server and load; the offered rates are per cent of the lower of the two closed-loop maxima; load average %s–%s at the starts of the runs; %d errors.", min, max, errors }' "$rows")"
	echo "Latencies from the final dot (written) to the 250 (read), and from the time each message was due (open loop, so"
	echo "coordinated omission is not hidden); the full distributions are in $OUT_DIR/latency-*.hgrm."
}
