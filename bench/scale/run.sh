#!/usr/bin/env bash
# run.sh: Osprey at scale on one node: a million registered contacts, tens of thousands of TCP
# connections, and ul.dump of the million.
#
# usage: bench/scale/run.sh [PART...] [options]
#
# PART (default: contacts tcp)
#   contacts   REGISTER --contacts users over UDP at a steady --register-rate (SIPp, no auth,
#              usrloc in memory); server RSS with 1,000 and with all of them registered; OPTIONS to
#              registered users answered after lookup("location"), at --lookup-rate for
#              --lookup-seconds, first with 1,000 contacts, then with all of them (CPU per lookup,
#              p50/p99); then ul.dump of all of them over JSON-RPC/HTTP, the FIFO and binrpc (ctl),
#              sampling the server's RSS while it runs, and counting the AORs in what came back
#   tcp        --connections SIPp calls with -t tn, each on its own TCP connection: REGISTER once,
#              then an OPTIONS keep-alive every --keepalive seconds; once all are open they are
#              held for --hold seconds; RSS per connection, CPU, connections open and contacts
#              registered at the end (ss, core.tcp_info, usrloc statistics)
#
# The server runs bench/scale/scale.cfg in the foreground on 127.0.0.1, pinned to --server-cpus;
# SIPp runs pinned to --sipp-cpus. Every figure comes from /proc, the server's RPC and SIPp's files.
#
# options
#   --contacts N          contacts registered in part contacts (default 1000000)
#   --register-rate R     REGISTERs per second (default 10000)
#   --lookup-rate R       lookups per second (default 5000)
#   --lookup-seconds S    seconds of each lookup step (default 20)
#   --connections N       TCP connections in part tcp (default 20000; fewer when the file-descriptor
#                         limit does not allow them: the script says so)
#   --connect-rate R      new connections per second (default 1000)
#   --keepalive S         seconds between keep-alives on each connection (default 20)
#   --hold S              seconds all connections are held open and measured (default 60)
#   --sipp-instances K    SIPp processes sharing the connections (default 4: one SIPp handling
#                         20,000 sockets spends its CPU walking them and opens fewer than 1000/s)
#   --workers N           Osprey receive loops (default 2)
#   --port P              server port, UDP and TCP (default 17160); P+1.. are SIPp's, P+11 is
#                         the HTTP control port
#   --server-cpus L       taskset CPU list of the server (default 0)
#   --sipp-cpus L         taskset CPU list of SIPp (default 1)
#   --no-pin              run the server and SIPp unpinned
#   --no-build            use bench/results/build/osprey as it is instead of publishing again
#   --out DIR             where results go (default bench/results/scale/TIME)
#
# Output: a markdown block on stdout (also OUT/report.md); each step's SIPp files and the server's
# log are kept under OUT.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIPP_LIB=$REPO/bench/sipp/lib
. "$SIPP_LIB/proc.sh"
. "$SIPP_LIB/servers.sh"      # publish, stop_server, port_in_use
. "$SIPP_LIB/sipp-step.sh"    # _stat_last, _rtt_percentiles

HOST=127.0.0.1
SIPP=${SIPP:-sipp}
CFG=$HERE/scale.cfg
SCENARIOS=$HERE/scenarios
REGISTER_XML=$REPO/bench/sipp/scenarios/register.xml
RESULTS=$REPO/bench/results
BUILD_DIR=$RESULTS/build

PARTS=() CONTACTS=1000000 REGISTER_RATE=10000 LOOKUP_RATE=5000 LOOKUP_S=20 CONNECTIONS=20000
CONNECT_RATE=1000 KEEPALIVE_S=20 HOLD_S=60 SIPP_INSTANCES=4 WORKERS=2 PORT=17160 SERVER_CPUS=0 SIPP_CPUS=1 PIN=1
NO_BUILD=0 OUT=""

LOG=/dev/null
say() { echo "[scale $(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
die() { echo "scale/run.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	contacts|tcp) PARTS+=("$1"); shift ;;
	--contacts) CONTACTS=${2:-}; shift 2 ;;
	--register-rate) REGISTER_RATE=${2:-}; shift 2 ;;
	--lookup-rate) LOOKUP_RATE=${2:-}; shift 2 ;;
	--lookup-seconds) LOOKUP_S=${2:-}; shift 2 ;;
	--connections) CONNECTIONS=${2:-}; shift 2 ;;
	--connect-rate) CONNECT_RATE=${2:-}; shift 2 ;;
	--keepalive) KEEPALIVE_S=${2:-}; shift 2 ;;
	--hold) HOLD_S=${2:-}; shift 2 ;;
	--sipp-instances) SIPP_INSTANCES=${2:-}; shift 2 ;;
	--workers) WORKERS=${2:-}; shift 2 ;;
	--port) PORT=${2:-}; shift 2 ;;
	--server-cpus) SERVER_CPUS=${2:-}; shift 2 ;;
	--sipp-cpus) SIPP_CPUS=${2:-}; shift 2 ;;
	--no-pin) PIN=0; shift ;;
	--no-build) NO_BUILD=1; shift ;;
	--out) OUT=${2:-}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (run.sh --help)" ;;
	esac
done
[ ${#PARTS[@]} -gt 0 ] || PARTS=(contacts tcp)

isint() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
for v in CONTACTS REGISTER_RATE LOOKUP_RATE LOOKUP_S CONNECTIONS CONNECT_RATE KEEPALIVE_S HOLD_S SIPP_INSTANCES WORKERS PORT; do
	isint "${!v}" && [ "${!v}" -ge 1 ] || die "$v must be a whole number of at least 1 (got '${!v}')"
done
[ "$CONTACTS" -gt 1000 ] || die "--contacts must be more than 1000 (the first step registers 1,000)"
command -v "$SIPP" > /dev/null || die "sipp is not installed (apt-get install sip-tester)"
command -v curl > /dev/null || die "curl is needed for the server's JSON-RPC"
command -v python3 > /dev/null || die "python3 is needed to check the ul.dump output"
command -v taskset > /dev/null || [ "$PIN" = 0 ] || die "taskset is missing (util-linux); or use --no-pin"
command -v dotnet > /dev/null || [ "$NO_BUILD" = 1 ] || die "the .NET SDK is needed to publish Osprey"
UAC_PORT=$((PORT + 1)) HTTP_PORT=$((PORT + 11))
for p in "$PORT" "$UAC_PORT"; do port_in_use "$p" && die "UDP port $p is in use; choose another --port"; done
ss -Hltn "sport = :$HTTP_PORT" 2>/dev/null | grep -q . && die "TCP port $HTTP_PORT is in use; choose another --port"

OUT=${OUT:-$RESULTS/scale/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/run.log
DATA=$OUT/data
mkdir -p "$DATA"
FIFO=$OUT/osprey.fifo CTL=$OUT/osprey.ctl

# ---------------------------------------------------------------- processes, and their end
SERVER_PID="" SAMPLER_PID="" SIPP_PIDS=()
stop_sipps() {
	local p
	for p in "${SIPP_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	SIPP_PIDS=()
}
cleanup() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	stop_sipps
	stop_server
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

setup_runners
publish src/Osprey.Server osprey

load_now() { cut -d' ' -f1-3 /proc/loadavg; }
say "parts: ${PARTS[*]}; results in $OUT"
say "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r); load average $(load_now)"

# ---------------------------------------------------------------- the server
# JSON-RPC over HTTP: the result as compact JSON on stdout.
rpc() { # method [params-json]
	curl -s --max-time 30 -d "{\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":${2:-[]},\"id\":1}" "http://$HOST:$HTTP_PORT/RPC"
}
# One statistic's value (stats.get_statistics answers "group:name = value").
ul_stat() { # one value is a string, several an array
	rpc stats.get_statistics "[\"$1\"]" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; r=r if isinstance(r, str) else r[0]; print(r.split(" = ")[1])' 2>/dev/null || echo NA
}

start_osprey() { # dir max-tcp
	local dir=$1 max_tcp=$2
	mkdir -p "$dir"
	rm -f "$FIFO" "$CTL"
	# open_files_limit: room for every connection, up to the hard limit unless we may raise it
	local files=$((max_tcp + 1024))
	( ulimit -n "$files" ) 2> /dev/null || files=$(ulimit -Hn)
	local cmd=("$BUILD_DIR/osprey/osprey" -f "$CFG" -n "$WORKERS" -l "udp:$HOST:$PORT" -l "tcp:$HOST:$PORT"
		-A "HTTP_PORT=$HTTP_PORT" -A "FIFO_NAME=\"$FIFO\"" -A "CTL_SOCKET=\"unix:$CTL\""
		-A "MAX_TCP=$max_tcp" -A "OPEN_FILES=$files")
	echo "${SERVER_PIN[*]} ${cmd[*]}" > "$dir/server.cmd"
	( cd "$dir" && exec setsid "${SERVER_PIN[@]}" "${cmd[@]}" ) > "$dir/server.log" 2>&1 < /dev/null &
	SERVER_PID=$!
	local i
	for i in $(seq 1 120); do
		kill -0 "$SERVER_PID" 2>/dev/null || { say "osprey exited while starting:"; tail -n 15 "$dir/server.log" >&2; SERVER_PID=""; return 1; }
		rpc core.uptime | grep -q uptime && { say "osprey answers (pid $SERVER_PID)"; return 0; }
		sleep 0.5
	done
	say "osprey did not answer core.uptime within 60 s"; return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }
cpu_ticks() { session_cpu_ticks "$SERVER_PID"; }
now() { date +%s.%N; }

# Samples the server's RSS every 0.1 s into $1 (one kB value per line) until killed.
start_sampler() {
	( trap - EXIT INT TERM HUP
	  while :; do awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || exit 0; sleep 0.1; done ) > "$1" &
	SAMPLER_PID=$!
}
stop_sampler() { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""; }
max_of() { sort -n "$1" | tail -n 1; }

# ---------------------------------------------------------------- one SIPp run at a fixed rate
# Leaves SIPP_OK, SIPP_FAILED, SIPP_RETRANS, SIPP_SECS (wall), SRV_CPU_S, and the p50/p99 of
# response time 1 in SIPP_P50/SIPP_P99 (when rtt is asked).
sipp_run() { # dir scenario injection-file rate calls rtt(0|1)
	local dir=$1 xml=$2 inf=$3 rate=$4 calls=$5 rtt=$6
	mkdir -p "$dir"
	local secs=$(( (calls + rate - 1) / rate ))
	local args=(-sf "$xml" -inf "$inf" -i "$HOST" -p "$UAC_PORT" "$HOST:$PORT" -r "$rate" -rp 1000 -m "$calls"
		-timeout "$((secs + 30))s" -nostdin -buff_size 4194304 -trace_stat -stf stat.csv -fd 1
		-trace_err -error_file errors.log -max_log_size 20000000)
	[ "$rtt" = 1 ] && args+=(-trace_rtt -rtt_freq 100)
	echo "${SIPP_RUN[*]} $SIPP ${args[*]}" > "$dir/sipp.cmd"
	local c0 c1 t0 t1
	c0=$(cpu_ticks); t0=$(now)
	( cd "$dir" && exec "${SIPP_RUN[@]}" "$SIPP" "${args[@]}" > /dev/null 2> sipp-stderr.log )
	t1=$(now); c1=$(cpu_ticks)
	read -r _ SIPP_OK SIPP_FAILED SIPP_RETRANS < <(_stat_last "$dir/stat.csv" TotalCallCreated 'SuccessfulCall(C)' 'FailedCall(C)' 'Retransmissions(C)')
	SIPP_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	SRV_CPU_S=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
	SIPP_P50=NA SIPP_P99=NA
	[ "$rtt" = 1 ] && read -r SIPP_P50 SIPP_P99 < <(_rtt_percentiles "$dir" 1)
	return 0
}

# A lookup step: prints its row and leaves LK_US (server CPU µs per lookup).
lookup_step() { # label injection-file
	sipp_run "$OUT/contacts/lookup-$1" "$SCENARIOS/lookup.xml" "$2" "$LOOKUP_RATE" $((LOOKUP_RATE * LOOKUP_S)) 1
	LK_US=$(awk -v s="$SRV_CPU_S" -v n="$SIPP_OK" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * s / n; else print "NA" }')
	say "  lookups with $1 contacts: $SIPP_OK ok, $SIPP_FAILED failed, $SIPP_RETRANS retransmissions in $SIPP_SECS s; server $SRV_CPU_S s CPU = $LK_US µs per lookup; p50/p99 $SIPP_P50/$SIPP_P99 ms"
	echo "| lookups at $LOOKUP_RATE/s for ${LOOKUP_S} s, $1 contacts | $SIPP_OK ok, $SIPP_FAILED failed, $SIPP_RETRANS retransmitted | $LK_US µs CPU per lookup ($SRV_CPU_S s), p50 $SIPP_P50 ms, p99 $SIPP_P99 ms, load $(load_now) |" >> "$REPORT_ROWS"
}

# ---------------------------------------------------------------- ul.dump over one transport
# Writes the dump to a file while sampling the server's RSS; prints a report row.
dump_via() { # http | fifo | ctl
	local how=$1 dir=$OUT/contacts/dump-$1 rss0 t0 t1 peak out
	mkdir -p "$dir"
	out=$dir/dump.out
	rss0=$(rss_kb)
	start_sampler "$dir/rss.samples"
	t0=$(now)
	case $how in
	http)
		curl -s --max-time 600 -o "$out" -d '{"jsonrpc":"2.0","method":"ul.dump","id":1}' "http://$HOST:$HTTP_PORT/RPC" ;;
	fifo)
		local reply=osprey-scale-reply-$$
		rm -f "/tmp/$reply"; mkfifo -m 600 "/tmp/$reply"
		printf '{"jsonrpc":"2.0","method":"ul.dump","reply_name":"%s","id":1}\n' "$reply" > "$FIFO"
		timeout 600 cat "/tmp/$reply" > "$out"
		rm -f "/tmp/$reply" ;;
	ctl)
		timeout 600 kamcmd -s "unix:$CTL" ul.dump > "$out" 2>&1 ;;
	esac
	t1=$(now)
	stop_sampler
	peak=$(max_of "$dir/rss.samples")
	local secs bytes check
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	bytes=$(stat -c %s "$out")
	if [ "$how" = ctl ]; then
		check="kamcmd: $(head -c 200 "$out" | tr '\n' ' ')"
	else
		check=$(python3 - "$out" <<-'EOF'
			import json, sys
			try:
			    r = json.load(open(sys.argv[1], "rb"))["result"]
			    aors = contacts = 0
			    for d in r["Domains"]:
			        aors += len(d["Domain"]["AoRs"])
			        contacts += sum(len(a["Info"]["Contacts"]) for a in d["Domain"]["AoRs"])
			    print("parses: %d AoRs, %d contacts" % (aors, contacts))
			except Exception as e:
			    print("does not parse: %s" % str(e)[:120])
			EOF
		)
	fi
	say "  ul.dump over $how: $bytes bytes in $secs s; server RSS $((rss0 / 1024)) MB before, peak $((peak / 1024)) MB (+$(((peak - rss0) / 1024)) MB); $check"
	echo "| ul.dump over $how | $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1048576 }') in $secs s; $check | RSS $((rss0 / 1024)) MB before, peak during the dump $((peak / 1024)) MB (+$(((peak - rss0) / 1024)) MB) |" >> "$REPORT_ROWS"
	rm -f "$out"
}

# ---------------------------------------------------------------- part contacts
part_contacts() {
	local dir=$OUT/contacts
	mkdir -p "$dir"
	REPORT_ROWS=$dir/rows.md
	: > "$REPORT_ROWS"
	say "contacts: $CONTACTS users registered at $REGISTER_RATE/s, lookups at $LOOKUP_RATE/s"
	{ echo SEQUENTIAL; seq 0 $((CONTACTS - 1)) | awk '{ print $1 ";pw" $1 }'; } > "$DATA/users.csv"
	{ echo SEQUENTIAL; seq 0 999 | awk '{ print $1 ";pw" $1 }'; } > "$DATA/users-1k.csv"
	# lookups at scale: 100,000 users drawn at random among all of them (a fixed seed)
	{ echo SEQUENTIAL; awk -v n="$CONTACTS" 'BEGIN { srand(7); for (i = 0; i < 100000; i++) print int(rand() * n) ";x" }'; } > "$DATA/lookup-all.csv"

	start_osprey "$dir" 2048 || return 1
	local rss_empty rss_1k rss_all c
	sleep 2; rss_empty=$(rss_kb)

	sipp_run "$dir/register-1k" "$REGISTER_XML" "$DATA/users-1k.csv" 1000 1000 0
	c=$(ul_stat usrloc:location_contacts); sleep 2; rss_1k=$(rss_kb)
	say "  1,000 registered: $SIPP_OK ok, $SIPP_FAILED failed; location_contacts $c; RSS $((rss_1k / 1024)) MB (empty: $((rss_empty / 1024)) MB)"
	echo "| registered 1,000 | location_contacts $c | RSS $((rss_empty / 1024)) MB empty, $((rss_1k / 1024)) MB with 1,000 |" >> "$REPORT_ROWS"
	# unmeasured: the first lookups after start run code the JIT has not optimised yet
	sipp_run "$dir/lookup-warmup" "$SCENARIOS/lookup.xml" "$DATA/users-1k.csv" "$LOOKUP_RATE" $((LOOKUP_RATE * 5)) 0
	lookup_step 1000 "$DATA/users-1k.csv"; local lk_1k=$LK_US

	sipp_run "$dir/register-all" "$REGISTER_XML" "$DATA/users.csv" "$REGISTER_RATE" "$CONTACTS" 0
	local reg_us
	reg_us=$(awk -v s="$SRV_CPU_S" -v n="$SIPP_OK" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * s / n; else print "NA" }')
	c=$(ul_stat usrloc:location_contacts); sleep 2; rss_all=$(rss_kb)
	local per
	per=$(awk -v a="$rss_all" -v b="$rss_1k" -v n="$c" 'BEGIN { if (n > 1000) printf "%.0f", (a - b) * 1024 / (n - 1000); else print "NA" }')
	say "  $CONTACTS REGISTERs at $REGISTER_RATE/s: $SIPP_OK ok, $SIPP_FAILED failed, $SIPP_RETRANS retransmissions in $SIPP_SECS s ($reg_us µs server CPU per REGISTER)"
	say "  location_contacts $c; RSS $((rss_all / 1024)) MB: $per bytes per contact over the 1,000 state"
	echo "| $CONTACTS REGISTERs at $REGISTER_RATE/s | $SIPP_OK ok, $SIPP_FAILED failed, $SIPP_RETRANS retransmitted in $SIPP_SECS s; location_contacts $c | $reg_us µs CPU per REGISTER; RSS $((rss_all / 1024)) MB = **$per bytes per contact** |" >> "$REPORT_ROWS"
	lookup_step "$c" "$DATA/lookup-all.csv"; local lk_all=$LK_US
	echo "| lookup cost, all / 1,000 contacts | | $(awk -v a="$lk_all" -v b="$lk_1k" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "NA" }') |" >> "$REPORT_ROWS"

	dump_via http
	dump_via fifo
	dump_via ctl
	stop_server
}

# ---------------------------------------------------------------- part tcp
established() { ss -Htn state established "sport = :$PORT" 2>/dev/null | wc -l; }

part_tcp() {
	local dir=$OUT/tcp
	mkdir -p "$dir"
	REPORT_ROWS=$dir/rows.md
	: > "$REPORT_ROWS"
	# Every connection is a descriptor in the server and in SIPp; a process cannot open more than
	# its hard RLIMIT_NOFILE, and raising that needs CAP_SYS_RESOURCE.
	local hard n=$CONNECTIONS
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=1048576
	if [ $((n + 400)) -gt "$hard" ]; then
		n=$((hard - 400))
		say "tcp: the hard limit on open files here is $hard (ulimit -Hn): $n connections instead of $CONNECTIONS"
	fi
	ulimit -n "$hard"
	# SIPp instances of at most hard-100 sockets each, on their own ports and users
	local per=$(( hard - 100 )) k
	k=$(( (n + per - 1) / per )); [ "$k" -lt "$SIPP_INSTANCES" ] && k=$SIPP_INSTANCES
	per=$(( (n + k - 1) / k ))
	say "tcp: $n connections from $k SIPp instance(s) at $CONNECT_RATE/s, keep-alive every ${KEEPALIVE_S} s, held ${HOLD_S} s"

	start_osprey "$dir" $((n + 100)) || return 1
	local rss0 limit
	sleep 2; rss0=$(rss_kb)
	limit=$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$SERVER_PID/limits")
	say "  server: RSS $((rss0 / 1024)) MB, open files limit (soft/hard) $limit, $(ls "/proc/$SERVER_PID/fd" | wc -l) descriptors open"

	local i t0 t1 c0 c1 first
	t0=$(now)
	for i in $(seq 0 $((k - 1))); do
		first=$((i * per)); local m=$per
		[ $((first + m)) -gt "$n" ] && m=$((n - first))
		{ echo SEQUENTIAL; seq $((first + 2000000)) $((first + m - 1 + 2000000)) | awk '{ print $1 ";x" }'; } > "$DATA/tcp-$i.csv"
		mkdir -p "$dir/sipp-$i"
		local args=(-sf "$SCENARIOS/tcp-keepalive.xml" -inf "$DATA/tcp-$i.csv" -t tn -max_socket $((m + 50))
			-i "$HOST" -p $((UAC_PORT + 1 + i)) "$HOST:$PORT" -r $(( (CONNECT_RATE + k - 1) / k )) -rp 1000 -m "$m" -l "$m"
			-d $((KEEPALIVE_S * 1000)) -nostdin -trace_stat -stf stat.csv -fd 5 -trace_err -error_file errors.log
			-max_log_size 20000000 -trace_rtt -rtt_freq 1000)
		echo "${SIPP_RUN[*]} $SIPP ${args[*]}" > "$dir/sipp-$i/sipp.cmd"
		( cd "$dir/sipp-$i" && exec "${SIPP_RUN[@]}" "$SIPP" "${args[@]}" > /dev/null 2> sipp-stderr.log ) &
		SIPP_PIDS+=($!)
	done

	local open=0 limit_s=$(( n / CONNECT_RATE + 60 )) waited=0
	while [ $waited -lt $limit_s ]; do
		open=$(established)
		[ "$open" -ge "$n" ] && break
		sleep 1; waited=$((waited + 1))
		[ $((waited % 10)) = 0 ] && say "  $open connections open"
	done
	t1=$(now)
	local ramp
	ramp=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	say "  $open connections open after $ramp s; holding ${HOLD_S} s"
	local msgs0 msgs1
	msgs0=$(curl -s "http://$HOST:$HTTP_PORT/metrics" | awk '$1 == "osprey_transport_tcp_messages_received_total" { print $2 }')
	c0=$(cpu_ticks); t0=$(now)
	start_sampler "$dir/rss.samples"
	sleep "$HOLD_S"
	stop_sampler
	c1=$(cpu_ticks); t1=$(now)
	msgs1=$(curl -s "http://$HOST:$HTTP_PORT/metrics" | awk '$1 == "osprey_transport_tcp_messages_received_total" { print $2 }')
	local rss1 contacts tcpinfo cpu_pct per_conn fds failed=0 f
	rss1=$(rss_kb); open=$(established); contacts=$(ul_stat usrloc:location_contacts)
	tcpinfo=$(rpc core.tcp_info | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["opened_connections"], "of max", r["max_connections"])' 2>/dev/null)
	fds=$(ls "/proc/$SERVER_PID/fd" | wc -l)
	for i in $(seq 0 $((k - 1))); do
		f=$(_stat_last "$dir/sipp-$i/stat.csv" 'FailedCall(C)'); failed=$((failed + ${f%.*}))
	done
	cpu_pct=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", 100 * t / hz / (b - a) }')
	per_conn=$(awk -v a="$rss1" -v b="$rss0" -v n="$open" 'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print "NA" }')
	local ka
	ka=$(awk -v a="$msgs0" -v b="$msgs1" -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { n = b - a; if (n > 0) printf "%d keep-alives, %.1f µs CPU each", n, 1e6 * t / hz / n; else print "no keep-alives counted" }')
	local p50 p99
	read -r p50 p99 < <(cat "$dir"/sipp-*/*_rtt.csv 2>/dev/null | awk -F';' '$3 == 2 { print $2 }' | sort -g |
		awk '{ v[NR] = $1 } function at(q, i) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return v[i] }
			END { if (NR == 0) print "NA NA"; else printf "%.3f %.3f\n", at(0.50), at(0.99) }')
	say "  after ${HOLD_S} s: $open connections established (core.tcp_info: $tcpinfo), location_contacts $contacts, SIPp failed calls $failed"
	say "  server: RSS $((rss1 / 1024)) MB (+$(((rss1 - rss0) / 1024)) MB) = $per_conn bytes per connection; CPU $cpu_pct% while holding; $ka; keep-alive p50/p99 $p50/$p99 ms; $fds descriptors"
	{
		echo "| $n TCP connections opened at $CONNECT_RATE/s | all open after $ramp s | RSS $((rss0 / 1024)) MB before, open files limit $limit |"
		echo "| held ${HOLD_S} s, keep-alive every ${KEEPALIVE_S} s | $open established (core.tcp_info: $tcpinfo); location_contacts $contacts; SIPp failed calls $failed | RSS $((rss1 / 1024)) MB = **$per_conn bytes per connection**; CPU $cpu_pct%; $ka; keep-alive p50 $p50 ms, p99 $p99 ms; load $(load_now) |"
	} >> "$REPORT_ROWS"
	stop_sipps
	stop_server
}

# ---------------------------------------------------------------- the runs
for part in "${PARTS[@]}"; do
	case $part in
	contacts) part_contacts || say "part contacts failed" ;;
	tcp) part_tcp || say "part tcp failed" ;;
	esac
done

{
	echo "### bench/scale/run.sh ${PARTS[*]} — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "$(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r); server pinned to CPU $SERVER_CPUS, SIPp to $SIPP_CPUS; load average at the end $(load_now)"
	echo
	echo "| step | what happened | figures |"
	echo "| --- | --- | --- |"
	for part in "${PARTS[@]}"; do cat "$OUT/$part/rows.md" 2>/dev/null; done
} > "$OUT/report.md"
cat "$OUT/report.md"
say "done: $OUT"
