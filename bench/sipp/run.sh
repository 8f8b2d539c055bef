#!/usr/bin/env bash
# run.sh: Osprey against Kamailio under the same SIPp load, on this machine.
#
# usage: bench/sipp/run.sh SCENARIO [options]
#
# SCENARIO
#   options        OPTIONS to the server, answered statelessly
#   register       REGISTER without authentication (100,000 users in turn)
#   register-auth  REGISTER, 401 challenge, REGISTER with digest credentials
#   call           INVITE-200-ACK-BYE through the stateful proxy to a SIPp UAS
#   call-rr        the same with Record-Route, the callee registered and looked up in usrloc
#   floor          OPTIONS at one fixed rate (--rate) to Kamailio, Osprey and udp-floor, a UDP
#                  responder that does no SIP work: what the kernel costs per message
#   contacts       memory per registered contact: --users distinct users (default 100,000) REGISTER
#                  once each at --rate (default 5,000/s); each server's memory before and after
#                  (Osprey's RSS and PSS; Kamailio's PSS and its shared memory's real_used, read
#                  with kamcmd over the ctl module bench.cfg loads for this scenario)
#
# Both servers run bench/sipp/bench.cfg, started from here in the foreground on 127.0.0.1 with the
# same number of workers and pinned to the same CPU. For each of --pairs pairs, Kamailio runs,
# then Osprey (K O K O ...): each one's maximum sustained rate is searched (rate doubled until a
# step fails, then bisected), then a latency step runs at 50% of that pair's Kamailio maximum (for
# the calls on the server started afresh and warmed up at that rate).
#
# options
#   --pairs N          Kamailio/Osprey pairs (default 3)
#   --kamailio MODE    default: Kamailio's own settings (q_malloc, its UDP receive buffer);
#                      tuned: -x tlsf -b 4194304; Osprey gets -b 4194304 and DOTNET_GCgen0size=0x400000
#                      as packaging/osprey.service runs it
#   --workers N        Kamailio children / Osprey receive loops (default 2)
#   --step S           seconds per rate step (default 10)
#   --latency-step S   seconds of the latency step at 50% of Kamailio's maximum (default 15)
#   --warmup S         seconds of unmeasured load before the search, at a quarter of the start
#                      rate (default 3; 0 for none)
#   --start-rate R     first rate of the search (default: per scenario)
#   --max-rate R       highest rate tried (default 200000)
#   --resolution PCT   stop when the lowest failing rate is within PCT% of the highest passing
#                      one (default 5)
#   --max-steps N      at most N search steps per server (default 12)
#   --rate R           floor: the offered OPTIONS rate (default 20000); contacts: the REGISTER
#                      rate (default 5000)
#   --users N          contacts: users registered in the measured step (default 100000, at most
#                      100000); the warm-up registers the first ones before the "before" reading
#   --only SERVER      kamailio or osprey: run one server only (e.g. while profiling)
#   --port P           server port (default 17060); --uac-port (17061) and --uas-port (17062)
#                      are SIPp's; ports in use are refused
#   --server-cpus L    taskset CPU list of the server (default 0)
#   --sipp-cpus L      taskset CPU list of SIPp (default 1)
#   --no-pin           run servers and SIPp unpinned
#   --no-wire          no "wire" step: by default, when tcpdump can capture on lo, each latency
#                      step is followed by one at the same rate in which a capture on lo times
#                      the server's own turnaround (lib/wire.sh)
#   --no-build         use bench/results/build as it is instead of publishing Osprey again
#   --kamailio-bin P   the Kamailio binary (default /usr/sbin/kamailio)
#   --out DIR          where results go (default bench/results/sipp/SCENARIO-TIME)
#
# Output: a markdown block on stdout (also in OUT/report.md); OUT/<pair>-<server>/steps.tsv has
# every step, with SIPp's files and the server's log next to it. bench/sipp/README.md explains
# how each figure is measured.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib/proc.sh"
. "$HERE/lib/data.sh"
. "$HERE/lib/servers.sh"
. "$HERE/lib/sipp-step.sh"
. "$HERE/lib/report.sh"
. "$HERE/lib/wire.sh"

HOST=127.0.0.1
SIPP=${SIPP:-sipp}
CFG=$HERE/bench.cfg
SCENARIOS=$HERE/scenarios
RESULTS=$REPO/bench/results
BUILD_DIR=$RESULTS/build
DATA_DIR=$RESULTS/data
TUNED_RCVBUF=4194304
PAUSE=3

SCENARIO="" PAIRS=3 MODE=default WORKERS=2 STEP_S=10 LATENCY_S=15 WARMUP_S=3 START_RATE="" RATE_CEILING=200000
RESOLUTION=5 MAX_STEPS=12 RATE="" USERS=100000 ONLY="" PORT=17060 UAC_PORT=17061 UAS_PORT=17062
SERVER_CPUS=0 SIPP_CPUS=1 PIN=1 NO_BUILD=0 WIRE=1 WIRE_S=8 KAMAILIO_BIN=/usr/sbin/kamailio OUT=""

LOG=/dev/null
say() { echo "[run.sh $(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
die() { echo "run.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

[ $# -gt 0 ] || { usage; exit 2; }
case $1 in -h|--help) usage; exit 0 ;; esac
SCENARIO=$1; shift
ARGS_GIVEN="$*"
while [ $# -gt 0 ]; do
	case $1 in
	--pairs) PAIRS=${2:-}; shift 2 ;;
	--kamailio) MODE=${2:-}; shift 2 ;;
	--workers) WORKERS=${2:-}; shift 2 ;;
	--step) STEP_S=${2:-}; shift 2 ;;
	--latency-step) LATENCY_S=${2:-}; shift 2 ;;
	--warmup) WARMUP_S=${2:-}; shift 2 ;;
	--start-rate) START_RATE=${2:-}; shift 2 ;;
	--max-rate) RATE_CEILING=${2:-}; shift 2 ;;
	--resolution) RESOLUTION=${2:-}; shift 2 ;;
	--max-steps) MAX_STEPS=${2:-}; shift 2 ;;
	--rate) RATE=${2:-}; shift 2 ;;
	--users) USERS=${2:-}; shift 2 ;;
	--only) ONLY=${2:-}; shift 2 ;;
	--port) PORT=${2:-}; shift 2 ;;
	--uac-port) UAC_PORT=${2:-}; shift 2 ;;
	--uas-port) UAS_PORT=${2:-}; shift 2 ;;
	--server-cpus) SERVER_CPUS=${2:-}; shift 2 ;;
	--sipp-cpus) SIPP_CPUS=${2:-}; shift 2 ;;
	--no-pin) PIN=0; shift ;;
	--no-build) NO_BUILD=1; shift ;;
	--no-wire) WIRE=0; shift ;;
	--kamailio-bin) KAMAILIO_BIN=${2:-}; shift 2 ;;
	--out) OUT=${2:-}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1' (run.sh --help)" ;;
	esac
done

# ---------------------------------------------------------------- the scenario
AUTH=0 UAC_ARGS=()
case $SCENARIO in
options)       UAC_XML=options.xml TX_PER_CALL=1 DEFAULT_START=8000 ;;
register)      UAC_XML=register.xml TX_PER_CALL=1 DEFAULT_START=8000 UAC_ARGS=(-inf "$DATA_DIR/users.csv") ;;
register-auth) UAC_XML=register-auth.xml TX_PER_CALL=2 DEFAULT_START=4000 AUTH=1 UAC_ARGS=(-inf "$DATA_DIR/users.csv") ;;
call)          UAC_XML=call-uac.xml TX_PER_CALL=2 DEFAULT_START=1000 UAC_ARGS=(-s callee -key callee_hostport "$HOST:$UAS_PORT") ;;
call-rr)       UAC_XML=call-uac.xml TX_PER_CALL=2 DEFAULT_START=1000 UAC_ARGS=(-s callee -key callee_hostport "$HOST:$PORT") ;;
floor)         UAC_XML=options.xml TX_PER_CALL=1 DEFAULT_START=0 ;;
contacts)      UAC_XML=register.xml TX_PER_CALL=1 DEFAULT_START=4000 UAC_ARGS=(-inf "$DATA_DIR/users.csv") ;;
*) die "unknown scenario '$SCENARIO': options, register, register-auth, call, call-rr, floor or contacts" ;;
esac
START_RATE=${START_RATE:-$DEFAULT_START}
[ "$SCENARIO" = contacts ] && RATE=${RATE:-5000}
RATE=${RATE:-20000}

isint() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
for v in PAIRS WORKERS STEP_S LATENCY_S WARMUP_S START_RATE RATE_CEILING RESOLUTION MAX_STEPS RATE USERS PORT UAC_PORT UAS_PORT; do
	isint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
[ "$PAIRS" -ge 1 ] && [ "$PAIRS" -le 10 ] || die "--pairs must be 1..10"
[ "$WORKERS" -ge 1 ] || die "--workers must be at least 1"
[ "$STEP_S" -ge 2 ] && [ "$STEP_S" -le 120 ] || die "--step must be 2..120 seconds"
[ "$LATENCY_S" -ge 2 ] && [ "$LATENCY_S" -le 120 ] || die "--latency-step must be 2..120 seconds"
[ "$RATE" -ge 1 ] || die "--rate must be at least 1"
if [ "$SCENARIO" = contacts ]; then
	[ "$USERS" -ge "$RATE" ] && [ "$USERS" -le 100000 ] && [ $((USERS % RATE)) -eq 0 ] ||
		die "--users must be a multiple of --rate, at most 100000 (got $USERS at $RATE/s)"
	[ $((START_RATE / 4 * WARMUP_S)) -lt "$USERS" ] || die "the warm-up (--start-rate/4 × --warmup) must register fewer than --users"
	command -v kamcmd > /dev/null || die "kamcmd is needed to read the servers' counters (apt-get install kamailio)"
fi
[ "$SCENARIO" = floor ] || [ "$START_RATE" -ge 1 ] || die "--start-rate must be at least 1"
case $MODE in default|tuned) ;; *) die "--kamailio must be default or tuned" ;; esac
case $ONLY in ""|kamailio|osprey) ;; *) die "--only must be kamailio or osprey" ;; esac
command -v "$SIPP" > /dev/null || die "sipp is not installed (apt-get install sip-tester)"
command -v taskset > /dev/null || [ "$PIN" = 0 ] || die "taskset is missing (util-linux); or use --no-pin"
[ "$ONLY" = osprey ] || [ -x "$KAMAILIO_BIN" ] || die "Kamailio not found at $KAMAILIO_BIN (apt-get install kamailio kamailio-sqlite-modules)"
command -v dotnet > /dev/null || [ "$NO_BUILD" = 1 ] || die "the .NET SDK is needed to publish Osprey"
for p in "$PORT" "$UAC_PORT" "$UAS_PORT"; do
	port_in_use "$p" && die "UDP port $p is in use on this machine; choose others with --port/--uac-port/--uas-port"
done

SERVERS=(kamailio osprey)
[ "$SCENARIO" = floor ] && SERVERS=(kamailio osprey floor)
[ -n "$ONLY" ] && SERVERS=("$ONLY")

OUT=${OUT:-$RESULTS/sipp/$SCENARIO-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/run.log

# ---------------------------------------------------------------- processes, and their end
SERVER_PID="" UAS_PID="" SIPP_PID="" WATCHDOG_PID=""
# contacts: the servers' ctl socket (kamcmd), short enough for a unix socket's path wherever OUT is
CTL_SOCK=/tmp/osprey-bench-$$.ctl
cleanup() {
	[ -n "$WATCHDOG_PID" ] && kill -KILL "$WATCHDOG_PID" 2>/dev/null
	[ -n "$SIPP_PID" ] && kill -KILL "$SIPP_PID" 2>/dev/null
	stop_uas
	stop_server
	rm -f "$CTL_SOCK"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

# ---------------------------------------------------------------- set-up
mkdir -p "$BUILD_DIR"
machine_info > "$OUT/machine.env"
. "$OUT/machine.env"
say "$SCENARIO: ${#SERVERS[@]} server(s), $PAIRS pair(s), Kamailio $MODE, $WORKERS workers; results in $OUT"
say "machine: $CPU_MODEL, $CPUS CPUs, Linux $KERNEL; load average $LOAD_AT_START"
[ "$LOAD_HIGH" = 1 ] && load_warning >&2

setup_runners
if [ "$WIRE" = 1 ] && ! wire_usable; then
	WIRE=0; say "note: tcpdump cannot capture on lo here (not installed, or not root): no server turnaround on the wire"
fi

for s in "${SERVERS[@]}"; do
	case $s in
	osprey) publish src/Osprey.Server osprey ;;
	floor) publish bench/Osprey.UdpFloor udp-floor ;;
	esac
done
case $SCENARIO in register|register-auth|contacts) make_users ;; esac

# ---------------------------------------------------------------- one server's leg
round_rate() { # to 2-3 significant figures: multiples of 50 from 1000, of 10 from 100
	awk -v r="$1" 'BEGIN { if (r >= 1000) r = int(r / 50 + 0.5) * 50; else if (r >= 100) r = int(r / 10 + 0.5) * 10; else r = int(r + 0.5)
		print (r < 1 ? 1 : r) }'
}

begin_leg() { # pair server
	LEG_DIR=$OUT/$(printf %02d "$1")-$2 STEP_NO=0
	mkdir -p "$LEG_DIR"
	printf '%s\n' "$STEP_COLUMNS" > "$LEG_DIR/steps.tsv"
	say "pair $1: $2"
	start_server "$2" || return 1
	if [ "$SCENARIO" = call ] || [ "$SCENARIO" = call-rr ]; then start_uas || return 1; fi
	if [ "$WARMUP_S" -gt 0 ]; then
		local first=$START_RATE
		[ "$SCENARIO" = floor ] && first=$RATE
		run_step warmup "$(round_rate $((first / 4)))" "$WARMUP_S"
		sleep "$PAUSE"
	fi
}

end_leg() {
	stop_uas
	stop_server
}

# Searches the maximum sustained rate; leaves MAX_RATE (0 when even the lowest rate failed),
# FAIL_RATE/FAIL_REASON (the lowest failing step), LOADER (1 when SIPp could not offer a rate)
# and the figures of the highest passing step in AT_MAX_*.
find_max() {
	local lo=0 hi=0 rate=$START_RATE n=0
	MAX_RATE=0 FAIL_RATE=0 FAIL_REASON="-" LOADER=0 AT_MAX_PER1K=NA AT_MAX_SRVPCT=NA AT_MAX_SIPPPCT=NA
	while [ $n -lt "$MAX_STEPS" ]; do
		run_step step "$rate" "$STEP_S"
		n=$((n + 1))
		case $STEP_VERDICT in
		pass) lo=$rate AT_MAX_PER1K=$STEP_PER1K AT_MAX_SRVPCT=$STEP_SRVPCT AT_MAX_SIPPPCT=$STEP_SIPPPCT ;;
		loader) hi=$rate FAIL_REASON=$STEP_REASON LOADER=1 ;;
		fail) hi=$rate FAIL_REASON=$STEP_REASON ;;
		*) FAIL_REASON=$STEP_REASON; break ;;
		esac
		if [ $hi -eq 0 ]; then
			[ $lo -ge "$RATE_CEILING" ] && break
			rate=$((lo * 2)); [ $rate -gt "$RATE_CEILING" ] && rate=$RATE_CEILING
		elif [ $lo -eq 0 ]; then
			rate=$(round_rate $((hi / 2)))
			[ "$rate" -ge $hi ] && break
		else
			awk -v lo=$lo -v hi=$hi -v res="$RESOLUTION" 'BEGIN { exit !(hi <= lo * (1 + res / 100)) }' && break
			rate=$(round_rate $(((lo + hi) / 2)))
			{ [ "$rate" -le $lo ] || [ "$rate" -ge $hi ]; } && break
		fi
		sleep "$PAUSE"
	done
	MAX_RATE=$lo FAIL_RATE=$hi
	say "  maximum sustained rate: $lo/s (lowest failing: $hi/s, $FAIL_REASON)"
}

# The leg's summary, read back by the report: leg.env in the leg's directory.
write_leg() { # pair server
	local peak
	peak=$(awk -F'\t' 'NR > 1 { if ($24 > p) p = $24; if ($26 > h) h = $26; if ($23 > n) n = $23; if ($17 > o) o = $17 }
		END { printf "%d %d %d %.1f", p, h, n, o }' "$LEG_DIR/steps.tsv")
	local pss hwm procs other
	read -r pss hwm procs other <<< "$peak"
	{
		echo "PAIR=$1"; echo "SERVER=$2"
		echo "MAX_RATE=${MAX_RATE:-NA}"; echo "FAIL_RATE=${FAIL_RATE:-NA}"; echo "FAIL_REASON='${FAIL_REASON:--}'"
		echo "LOADER=${LOADER:-0}"; echo "AT_MAX_PER1K=${AT_MAX_PER1K:-NA}"; echo "AT_MAX_SRVPCT=${AT_MAX_SRVPCT:-NA}"
		echo "AT_MAX_SIPPPCT=${AT_MAX_SIPPPCT:-NA}"
		echo "LAT_RATE=${LAT_RATE:-NA}"; echo "LAT_VERDICT=${LAT_VERDICT:-NA}"; echo "LAT_PER1K=${LAT_PER1K:-NA}"
		echo "LAT_P50=${LAT_P50:-NA}"; echo "LAT_P99=${LAT_P99:-NA}"; echo "LAT_P50_2=${LAT_P50_2:-NA}"; echo "LAT_P99_2=${LAT_P99_2:-NA}"
		echo "LAT_W50=${LAT_W50:-NA}"; echo "LAT_W99=${LAT_W99:-NA}"
		echo "MEM_BEFORE='${MEM_BEFORE:-NA NA NA NA}'"; echo "MEM_AFTER='${MEM_AFTER:-NA NA NA NA}'"
		echo "CONTACTS_VERDICT=${CONTACTS_VERDICT:-NA}"; echo "CONTACTS_OK=${CONTACTS_OK:-NA}"
		echo "PEAK_PSS_KB=$pss"; echo "PEAK_HWM_KB=$hwm"; echo "PROCESSES=$procs"; echo "MAX_OTHER_PCT=$other"
	} > "$LEG_DIR/leg.env"
}

# In the call scenarios the latency step runs on a freshly started server (and callee), warmed up at
# the step's own rate: the transactions of the calls a failed search step left unanswered expire
# fr_inv_timer = 120 s later, about when the latency step comes, and a server that passed higher steps
# had more of them. The other scenarios leave nothing behind but what they measure (the registered
# users), so their latency step follows the search on the same server.
restart_for_latency() { # server rate
	stop_uas
	stop_server
	sleep "$PAUSE"
	say "  restarting $1 for the latency step"
	mv -f "$LEG_DIR/server.log" "$LEG_DIR/server-search.log" 2>/dev/null
	[ -d "$LEG_DIR/uas" ] && mv -f "$LEG_DIR/uas" "$LEG_DIR/uas-search"
	start_server "$1" || return 1
	if [ "$SCENARIO" = call ] || [ "$SCENARIO" = call-rr ]; then start_uas || return 1; fi
	# long enough for the steady state: past wt_timer (5 s), when freed transactions start to serve
	# again, and the JIT's tiering
	run_step warmup "$2" "$(( WARMUP_S > 15 ? WARMUP_S : 15 ))"
}

latency_step() { # kind rate seconds
	LAT_RATE=$2
	sleep "$PAUSE"
	run_step "$1" "$2" "$3"
	LAT_VERDICT=$STEP_VERDICT LAT_PER1K=$STEP_PER1K LAT_P50=$STEP_P50 LAT_P99=$STEP_P99
	LAT_P50_2=$STEP_P50_2 LAT_P99_2=$STEP_P99_2
	if [ "$WIRE" = 1 ] && [ "$STEP_VERDICT" != error ]; then
		sleep "$PAUSE"
		run_step wire "$2" "$WIRE_S"
		LAT_W50=$STEP_W50 LAT_W99=$STEP_W99
	fi
}

# contacts: memory and usrloc's contact count before and after registering $USERS users, after a
# pause for the replies in flight; Osprey's heap is not collected on purpose before a reading.
contacts_step() { # server
	sleep "$PAUSE"
	read_memory "$1"; MEM_BEFORE="$MEM_READING"
	run_step fixed "$RATE" $((USERS / RATE))
	CONTACTS_VERDICT=$STEP_VERDICT CONTACTS_OK=$(awk -F'\t' 'END { print $6 }' "$LEG_DIR/steps.tsv")
	sleep "$PAUSE"
	read_memory "$1"; MEM_AFTER="$MEM_READING"
	say "  memory before: $MEM_BEFORE; after: $MEM_AFTER (contacts pss_kb rss_kb shm_real_used)"
}

# MEM_READING="contacts pss_kb rss_kb shm_real_used_bytes" of the running server (shm: Kamailio only)
read_memory() { # server
	local procs pss rss hwm contacts shm=NA
	read -r procs pss rss hwm <<< "$(session_memory "$SERVER_PID")"
	# usrloc's per-table statistic: location_contacts in Kamailio 5.6 (location-contacts in older Osprey builds)
	contacts=$(kamcmd -s "unix:$CTL_SOCK" stats.get_statistics usrloc: 2>/dev/null |
		awk -F' = ' '$1 ~ /^usrloc:location[-_]contacts$/ { print $2 + 0; exit }')
	[ "$1" = kamailio ] && shm=$(kamcmd -s "unix:$CTL_SOCK" core.shmmem 2>/dev/null | awk -F': *' '$1 ~ /real_used/ { print $2 + 0; exit }')
	MEM_READING="${contacts:-NA} $pss $rss ${shm:-NA}"
}

clear_leg() {
	MEM_BEFORE="NA NA NA NA" MEM_AFTER="NA NA NA NA" CONTACTS_VERDICT=NA CONTACTS_OK=NA
	MAX_RATE=NA FAIL_RATE=NA FAIL_REASON=- LOADER=0 AT_MAX_PER1K=NA AT_MAX_SRVPCT=NA AT_MAX_SIPPPCT=NA
	LAT_RATE=NA LAT_VERDICT=NA LAT_PER1K=NA LAT_P50=NA LAT_P99=NA LAT_P50_2=NA LAT_P99_2=NA LAT_W50=NA LAT_W99=NA
}

# ---------------------------------------------------------------- the runs
for pair in $(seq 1 "$PAIRS"); do
	kamailio_max=0
	for server in "${SERVERS[@]}"; do
		clear_leg
		if begin_leg "$pair" "$server"; then
			if [ "$SCENARIO" = floor ]; then
				latency_step fixed "$RATE" "$STEP_S"
			elif [ "$SCENARIO" = contacts ]; then
				contacts_step "$server"
			else
				find_max
				# latency at half of this pair's Kamailio maximum (half of its own without Kamailio)
				half_of=$MAX_RATE
				[ "$server" = osprey ] && [ "$kamailio_max" -gt 0 ] && half_of=$kamailio_max
				[ "$server" = kamailio ] && kamailio_max=$MAX_RATE
				if [ "$half_of" -gt 1 ] && [ "$STEP_VERDICT" != error ]; then
					lat_rate=$(round_rate $((half_of / 2)))
					case $SCENARIO in
					call|call-rr) restart_for_latency "$server" "$lat_rate" && latency_step latency "$lat_rate" "$LATENCY_S" ;;
					*) latency_step latency "$lat_rate" "$LATENCY_S" ;;
					esac
				fi
			fi
		else
			FAIL_REASON=did-not-start
		fi
		write_leg "$pair" "$server"
		end_leg
		sleep "$PAUSE"
	done
done

report > "$OUT/report.md"
cat "$OUT/report.md"
say "done: $OUT"
