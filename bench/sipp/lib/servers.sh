# servers.sh: building, starting and stopping the servers under test and the callee UAS
# (sourced by run.sh). Every process is started with setsid, remembered by PID and stopped by
# PID; nothing here touches a system service or a process run.sh did not start.

# dotnet publish of a project into $BUILD_DIR/<name>; skipped with --no-build when present.
publish() { # project-dir name
	local out=$BUILD_DIR/$2
	if [ "$NO_BUILD" = 1 ] && [ -x "$out/$2" ]; then return 0; fi
	say "publishing $1 (Release) into $out"
	dotnet publish "$REPO/$1" -c Release -o "$out" -nologo -v quiet > "$BUILD_DIR/$2.publish.log" 2>&1 ||
		die "dotnet publish $1 failed, see $BUILD_DIR/$2.publish.log"
}

# The command line of server $1 (kamailio | osprey | floor) for the current scenario and mode.
server_command() {
	local db_define="DBURL=\"sqlite://$DATA_DIR/subscriber.sqlite\""
	case $1 in
	kamailio)
		local rundir=$LEG_DIR/kamailio-run
		mkdir -p "$rundir"
		SERVER_CMD=("$KAMAILIO_BIN" -DD -E -f "$CFG" -n "$WORKERS" -l "udp:$HOST:$PORT"
			-m 1024 -M 16 -Y "$rundir" -A "$db_define")
		[ "$AUTH" = 1 ] && SERVER_CMD+=(-A WITH_AUTH)
		[ "$MODE" = tuned ] && SERVER_CMD+=(-x tlsf -b "$TUNED_RCVBUF")
		[ "$SCENARIO" = contacts ] && SERVER_CMD+=(-A WITH_CTL -A "CTLSOCK=\"unix:$CTL_SOCK\"")
		;;
	osprey)
		SERVER_CMD=("$BUILD_DIR/osprey/osprey" -f "$CFG" -n "$WORKERS" -l "udp:$HOST:$PORT" -A "$db_define")
		[ "$AUTH" = 1 ] && SERVER_CMD+=(-A WITH_AUTH)
		[ "$SCENARIO" = contacts ] && SERVER_CMD+=(-A WITH_CTL -A "CTLSOCK=\"unix:$CTL_SOCK\"")
		# tuned as packaging/osprey.service runs it: a 4 MB gen0 budget (smaller, more frequent GC pauses)
		[ "$MODE" = tuned ] && SERVER_CMD=(env DOTNET_GCgen0size=0x400000 "${SERVER_CMD[@]}" -b "$TUNED_RCVBUF")
		;;
	floor)
		SERVER_CMD=("$BUILD_DIR/udp-floor/udp-floor" -l "$HOST:$PORT" -n "$WORKERS")
		[ "$MODE" = tuned ] && SERVER_CMD+=(-b "$TUNED_RCVBUF")
		;;
	esac
}

# One OPTIONS to the server: true when it answers 200 within a second.
probe() {
	( cd "$LEG_DIR" && timeout 5 "$SIPP" -sf "$SCENARIOS/options.xml" -i "$HOST" -p "$UAC_PORT" "$HOST:$PORT" \
		-m 1 -nostdin -recv_timeout 1000 -timeout 3s > /dev/null 2>&1 )
}

start_server() { # kamailio | osprey | floor
	server_command "$1"
	echo "${SERVER_PIN[*]} ${SERVER_CMD[*]}" > "$LEG_DIR/server.cmd"
	( cd "$LEG_DIR" && exec setsid "${SERVER_PIN[@]}" "${SERVER_CMD[@]}" ) > "$LEG_DIR/server.log" 2>&1 < /dev/null &
	SERVER_PID=$!
	local i sid
	sleep 0.2
	sid=$(awk '{ sub(/^.*\) /, ""); print $4 }' "/proc/$SERVER_PID/stat" 2>/dev/null)
	[ -z "$sid" ] || [ "$sid" = "$SERVER_PID" ] ||
		say "warning: $1 (pid $SERVER_PID) does not lead its own session ($sid): its CPU time may be counted wrong"
	for i in $(seq 1 60); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			say "$1 exited while starting; the end of $LEG_DIR/server.log:"; tail -n 15 "$LEG_DIR/server.log" >&2
			SERVER_PID=""; return 1
		fi
		if probe; then say "$1 answers (pid $SERVER_PID, $(session_pids "$SERVER_PID" | wc -l) process(es))"; return 0; fi
		sleep 0.5
	done
	say "$1 did not answer OPTIONS within 30 s"; return 1
}

# SIGTERM to the server's first process, then SIGKILL to whatever of its session is left after 10 s.
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	local pid=$SERVER_PID i=0
	kill -TERM "$pid" 2>/dev/null
	while session_alive "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if session_alive "$pid"; then
		say "server $pid still running 10 s after SIGTERM: SIGKILL"
		local p
		for p in $(session_pids "$pid"); do kill -KILL "$p" 2>/dev/null; done
	fi
	wait "$pid" 2>/dev/null
	SERVER_PID=""
}

# Call scenarios: the callee, a SIPp UAS on $UAS_PORT (registered at the server for call-rr).
start_uas() {
	if [ "$SCENARIO" = call-rr ]; then
		( cd "$LEG_DIR" && timeout 10 "$SIPP" -sf "$SCENARIOS/register-callee.xml" -s callee -key callee_port "$UAS_PORT" \
			-i "$HOST" -p "$UAC_PORT" "$HOST:$PORT" -m 1 -nostdin -trace_screen -screen_file register-callee.log > /dev/null 2>&1 ) ||
			{ say "registering the callee failed, see $LEG_DIR/register-callee.log"; return 1; }
	fi
	mkdir -p "$LEG_DIR/uas"
	( cd "$LEG_DIR/uas" && exec setsid "${SIPP_RUN[@]}" "$SIPP" -sf "$SCENARIOS/call-uas.xml" -i "$HOST" -p "$UAS_PORT" \
		-nostdin -buff_size 4194304 -trace_stat -stf stat.csv -fd 5 -trace_screen -screen_file screen.log \
		-trace_err -error_file errors.log -max_log_size 20000000 ) > /dev/null 2> "$LEG_DIR/uas/stderr.log" < /dev/null &
	UAS_PID=$!
	sleep 0.5
	kill -0 "$UAS_PID" 2>/dev/null || { say "the callee UAS did not start, see $LEG_DIR/uas/stderr.log"; UAS_PID=""; return 1; }
}

# SIGUSR1 makes SIPp finish and write its final screen; SIGKILL if it has not after 5 s.
stop_uas() {
	[ -n "$UAS_PID" ] || return 0
	local i=0
	kill -USR1 "$UAS_PID" 2>/dev/null
	while kill -0 "$UAS_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$UAS_PID" 2>/dev/null && { kill -USR1 "$UAS_PID" 2>/dev/null; sleep 1; kill -KILL "$UAS_PID" 2>/dev/null; }
	wait "$UAS_PID" 2>/dev/null
	UAS_PID=""
}

port_in_use() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

# SERVER_PIN and SIPP_RUN, the command prefixes of the server and of SIPp: taskset when PIN=1, and SIPp
# with tools/sipp-fine-clock.c preloaded when gcc can build it (microsecond response times). Needs
# BUILD_DIR, PIN, SERVER_CPUS, SIPP_CPUS.
setup_runners() {
	SERVER_PIN=() SIPP_RUN=()
	if [ "$PIN" = 1 ]; then SERVER_PIN=(taskset -c "$SERVER_CPUS"); SIPP_RUN=(taskset -c "$SIPP_CPUS"); fi
	mkdir -p "$BUILD_DIR"
	if command -v gcc > /dev/null; then
		gcc -O2 -shared -fPIC -o "$BUILD_DIR/sipp-fine-clock.so" "$(dirname "${BASH_SOURCE[0]}")/../tools/sipp-fine-clock.c" -ldl \
			2> "$BUILD_DIR/sipp-fine-clock.log" && SIPP_RUN=(env "LD_PRELOAD=$BUILD_DIR/sipp-fine-clock.so" "${SIPP_RUN[@]}")
	fi
	[ "${SIPP_RUN[0]:-}" = env ] || say "note: tools/sipp-fine-clock.c could not be built (is gcc installed?): response times have the kernel tick's resolution (4 ms at HZ=250)"
}
