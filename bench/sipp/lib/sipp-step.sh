# sipp-step.sh: one measured SIPp run at a fixed rate (sourced by run.sh).
#
# run_step KIND RATE SECONDS runs the scenario's caller at RATE calls/s for SECONDS against the
# server of the current leg, reads the server's CPU time before and after, judges the step and
# appends one row to the leg's steps.tsv. It leaves its figures in STEP_* variables.
#
# A step passes when fewer than 0.1% of the calls failed, SIPp retransmitted for at most 0.1% of
# the calls (a server falling behind shows retransmissions before failures), and SIPp really
# offered at least 97% of the rate asked. When it offered less with its core busy (SIPp and the
# callee UAS together at SIPP_BUSY% of one CPU or more) the verdict is "loader": SIPp, not the
# server, was the limit. With its core not busy, SIPp's pacing alone runs 1-3% short of the rate
# asked (measured against udp-floor: 97.6-99.0% at 16,000-48,000/s, whatever -rp), so a shortfall
# down to OFFERED_PACING passes with the reason "sipp-pacing"; below that something else held SIPp
# back and the step fails.

FAIL_LIMIT=0.001
RETRANS_LIMIT=0.001
OFFERED_MIN=0.97
OFFERED_PACING=0.90
SIPP_BUSY=70
DRAIN=5   # seconds SIPp may take after its last call was placed

STEP_COLUMNS="step	kind	rate	seconds	created	successful	failed	retransmissions	offered_cps	verdict	reason	server_cpu_s	server_cpu_pct	cpu_s_per_1k_tx	sipp_cpu_pct	uas_cpu_pct	other_cpu_pct	udp_drops	rt1_p50_ms	rt1_p99_ms	rt2_p50_ms	rt2_p99_ms	processes	pss_kb	rss_kb	hwm_kb	sipp_rc	wire_p50_us	wire_p99_us"

# Last values of the named columns of a SIPp statistics file (-trace_stat), space separated.
_stat_last() {
	local file=$1; shift
	awk -F';' -v want="$*" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { last = $0 }
		END { n = split(want, w, " "); split(last, v, ";")
			for (i = 1; i <= n; i++) printf "%s%s", (w[i] in col ? v[col[w[i]]] + 0 : "NA"), (i < n ? " " : "\n") }' "$file"
}

# The rate SIPp really offered: calls created between the first and the last one-second dump
# taken while it was still placing calls (its start and the final drain are left out).
_stat_offered() {
	awk -F';' -v total="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ split($(col["CurrentTime"]), t, "\t"); created = $(col["TotalCallCreated"]) + 0
			if (created >= total) exit
			if (created > 0 && first == "") { first = created; t0 = t[3] }
			last = created; t1 = t[3] }
		END { if (first != "" && t1 - t0 >= 0.9) printf "%.0f\n", (last - first) / (t1 - t0); else print "NA" }' "$1"
}

# p50 and p99 (ms) of response time $2 in the -trace_rtt files of directory $1: "p50 p99".
_rtt_percentiles() {
	cat "$1"/*_rtt.csv 2>/dev/null | awk -F';' -v rtd="$2" '$3 == rtd { print $2 }' | sort -g |
		awk '{ v[NR] = $1 }
			function at(q,   i) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return v[i] }
			END { if (NR == 0) print "NA NA"; else printf "%.3f %.3f\n", at(0.50), at(0.99) }'
}

# Seconds of CPU the child processes of a finished subshell used, from the `times` output saved
# in file $1 (second line: children's user and system time).
_times_children_s() {
	awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); sub(/s/, "", u[2]); sub(/s/, "", s[2])
		printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

# Stops SIPp ($1) if it outlives its own -timeout by 10 s: two SIGUSR1 (SIPp's "quit now"), then
# SIGKILL. Runs in the background; run_step kills it (SIGKILL: a background copy of run.sh must
# never run run.sh's own exit trap, which stops the server) when SIPp ends in time.
_sipp_watchdog() {
	trap - EXIT INT TERM HUP
	local pid=$1 limit=$2 t=0
	while [ $t -lt "$limit" ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1; t=$((t + 1))
	done
	kill -USR1 "$pid" 2>/dev/null; sleep 1; kill -USR1 "$pid" 2>/dev/null; sleep 5
	kill -KILL "$pid" 2>/dev/null
}

run_step() {
	local kind=$1 rate=$2 secs=$3
	STEP_NO=$((STEP_NO + 1))
	local tag dir calls
	tag=$(printf '%02d-%s-%s' "$STEP_NO" "$kind" "$rate")
	dir=$LEG_DIR/$tag
	calls=$((rate * secs))
	mkdir -p "$dir"

	local args=(-sf "$SCENARIOS/$UAC_XML" "${UAC_ARGS[@]}" -i "$HOST" -p "$UAC_PORT" "$HOST:$PORT"
		-r "$rate" -rp 1000 -m "$calls" -timeout "$((secs + DRAIN))s" -nostdin -buff_size 4194304
		-default_behaviors all,-bye -trace_stat -stf stat.csv -fd 1 -trace_screen -screen_file screen.log
		-trace_err -error_file errors.log -max_log_size 20000000)
	# response times only where they are reported: writing them costs SIPp CPU
	[ "$kind" = latency ] || [ "$kind" = fixed ] && args+=(-trace_rtt -rtt_freq 100)
	echo "${SIPP_RUN[*]} ${args[*]}" > "$dir/sipp.cmd"

	local cpu0 cpu1 busy0 busy1 drops0 drops1 uas0=0 uas1=0 t0 t1 wire_pid=""
	# a wire step captures the middle of the step (lib/wire.sh)
	if [ "$kind" = wire ]; then wire_capture "$dir/wire.pcap" $((secs / 3)) & wire_pid=$!; fi
	cpu0=$(session_cpu_ticks "$SERVER_PID")
	[ -n "$UAS_PID" ] && uas0=$(session_cpu_ticks "$UAS_PID")
	busy0=$(machine_busy_ticks); drops0=$(udp_receive_drops); t0=$(date +%s.%N)

	# The subshell runs SIPp as its only child, so `times` afterwards is SIPp's CPU time.
	( trap - EXIT INT TERM HUP
	  cd "$dir" || exit 2
	  "${SIPP_RUN[@]}" "$SIPP" "${args[@]}" > /dev/null 2> sipp-stderr.log &
	  echo $! > sipp.pid
	  wait $!; rc=$?
	  times > sipp.times
	  exit $rc ) &
	local runner=$!
	local sipp_pid="" i=0
	while [ -z "$sipp_pid" ] && [ $i -lt 50 ]; do sipp_pid=$(cat "$dir/sipp.pid" 2>/dev/null); sleep 0.1; i=$((i + 1)); done
	SIPP_PID=$sipp_pid
	_sipp_watchdog "$sipp_pid" $((secs + DRAIN + 10)) &
	WATCHDOG_PID=$!
	wait "$runner"
	local rc=$?
	kill -KILL "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null
	WATCHDOG_PID="" SIPP_PID=""

	t1=$(date +%s.%N); cpu1=$(session_cpu_ticks "$SERVER_PID")
	[ -n "$UAS_PID" ] && uas1=$(session_cpu_ticks "$UAS_PID")
	busy1=$(machine_busy_ticks); drops1=$(udp_receive_drops)
	local sipp_s=0
	[ -s "$dir/sipp.times" ] && sipp_s=$(_times_children_s "$dir/sipp.times")

	local created=0 ok=0 failed=0 retrans=0 offered=NA
	if [ -s "$dir/stat.csv" ]; then
		read -r created ok failed retrans < <(_stat_last "$dir/stat.csv" TotalCallCreated 'SuccessfulCall(C)' 'FailedCall(C)' 'Retransmissions(C)')
		offered=$(_stat_offered "$dir/stat.csv" "$calls")
	fi
	local p1="NA NA" p2="NA NA" wire="0 NA NA NA NA"
	if [ -n "$wire_pid" ]; then
		wait "$wire_pid"
		[ -s "$dir/wire.pcap" ] && wire=$(wire_turnaround "$dir/wire.pcap")
		echo "messages p50_us p90_us p99_us p999_us" > "$dir/wire.txt"; echo "$wire" >> "$dir/wire.txt"
		rm -f "$dir/wire.pcap"
	fi
	if [ "$kind" = latency ] || [ "$kind" = fixed ]; then
		p1=$(_rtt_percentiles "$dir" 1); p2=$(_rtt_percentiles "$dir" 2)
	fi
	local mem
	mem=$(session_memory "$SERVER_PID")

	local row
	row=$(awk -v rate="$rate" -v secs="$secs" -v created="$created" -v ok="$ok" -v failed="$failed" \
		-v retrans="$retrans" -v offered="$offered" -v rc="$rc" -v hz="$CLK_TCK" -v tx="$TX_PER_CALL" \
		-v cpu="$((cpu1 - cpu0))" -v uas="$((uas1 - uas0))" -v busy="$((busy1 - busy0))" -v sipp="$sipp_s" \
		-v t0="$t0" -v t1="$t1" -v fmax="$FAIL_LIMIT" -v rmax="$RETRANS_LIMIT" -v omin="$OFFERED_MIN" \
		-v opace="$OFFERED_PACING" -v busymin="$SIPP_BUSY" '
		BEGIN {
			wall = t1 - t0; srv = cpu / hz; uas_s = uas / hz
			other = busy / hz - srv - uas_s - sipp; if (other < 0) other = 0
			if (offered == "NA" && created > 0) offered = created / (wall > secs ? secs : wall)
			verdict = "pass"; reason = "-"
			if (created == 0) { verdict = "error"; reason = "sipp-placed-no-calls(rc=" rc ")" }
			else if (rc != 0 && rc != 1) { verdict = "fail"; reason = "sipp-rc=" rc }
			else if (created - ok > fmax * created) { verdict = "fail"; reason = sprintf("failed=%.3f%%", 100 * (created - ok) / created) }
			else if (retrans > rmax * created) { verdict = "fail"; reason = sprintf("retrans=%.3f%%", 100 * retrans / created) }
			else if (offered < omin * rate) {
				core = 100 * (sipp + uas_s) / wall
				if (core >= busymin) { verdict = "loader"; reason = sprintf("offered=%d(sipp-cpu=%.0f%%)", offered, core) }
				else if (offered < opace * rate) { verdict = "fail"; reason = sprintf("offered=%d(sipp-cpu=%.0f%%,not-busy)", offered, core) }
				else reason = sprintf("sipp-pacing=%.1f%%(sipp-cpu=%.0f%%)", 100 * offered / rate, core)
			}
			per1k = ok > 0 ? 1000 * srv / (ok * tx) : "NA"
			printf "%d\t%d\t%d\t%d\t%d\t%s\t%s\t%.2f\t%.1f\t%s\t%.1f\t%.1f\t%.1f\n", created, ok, created - ok, retrans, offered, verdict, reason,
				srv, 100 * srv / wall, (per1k == "NA" ? "NA" : sprintf("%.4f", per1k)), 100 * sipp / wall, 100 * uas_s / wall, 100 * other / wall
		}')
	local c_created c_ok c_failed c_retrans c_offered verdict reason srv srvpct per1k sipppct uaspct otherpct
	IFS=$'\t' read -r c_created c_ok c_failed c_retrans c_offered verdict reason srv srvpct per1k sipppct uaspct otherpct <<< "$row"
	if ! session_alive "$SERVER_PID"; then verdict=error reason=server-exited; fi
	local procs pss rss hwm r1p50 r1p99 r2p50 r2p99 wn w50 w90 w99 w999
	read -r procs pss rss hwm <<< "$mem"
	read -r wn w50 w90 w99 w999 <<< "$wire"
	read -r r1p50 r1p99 <<< "$p1"; read -r r2p50 r2p99 <<< "$p2"
	printf '%s\n' "$tag	$kind	$rate	$secs	$c_created	$c_ok	$c_failed	$c_retrans	$c_offered	$verdict	$reason	$srv	$srvpct	$per1k	$sipppct	$uaspct	$otherpct	$((drops1 - drops0))	$r1p50	$r1p99	$r2p50	$r2p99	$procs	$pss	$rss	$hwm	$rc	$w50	$w99" >> "$LEG_DIR/steps.tsv"
	say "$(printf '  %-20s offered %6s/s  ok %s/%s  retrans %s  drops %s  server %s%% cpu  sipp %s%%  other %s%%  cpu/1k tx %s s  p50/p99 %s/%s ms  -> %s %s' \
		"$tag" "$c_offered" "$c_ok" "$c_created" "$c_retrans" "$((drops1 - drops0))" "$srvpct" "$sipppct" "$otherpct" "$per1k" "$r1p50" "$r1p99" "$verdict" "$reason")"

	[ "$kind" = wire ] && say "  server turnaround on the wire: p50 $w50 µs, p99 $w99 µs ($wn messages)"
	[ "$verdict" = error ] && [ -s "$dir/sipp-stderr.log" ] && say "  SIPp said: $(grep -v '^$' "$dir/sipp-stderr.log" | head -n 3 | cut -c1-300)"
	STEP_VERDICT=$verdict STEP_REASON=$reason STEP_PER1K=$per1k STEP_OFFERED=$c_offered STEP_SRVPCT=$srvpct
	STEP_SIPPPCT=$sipppct STEP_OTHERPCT=$otherpct STEP_P50=$r1p50 STEP_P99=$r1p99 STEP_P50_2=$r2p50 STEP_P99_2=$r2p99
	STEP_PSS=$pss STEP_HWM=$hwm STEP_PROCS=$procs STEP_W50=$w50 STEP_W99=$w99
}
