# proc.sh: what run.sh reads from /proc (sourced; each function prints its answer).
#
# A server is known by its session id: run.sh starts each one with setsid, so Kamailio's main
# process and every worker it forks share the session of the PID run.sh holds. A .NET server is
# one process; /proc/<pid>/stat already sums the times of all its threads.

CLK_TCK=$(getconf CLK_TCK)

# Fields of /proc/<pid>/stat counted from the state field (the command name may hold spaces, so
# everything up to the last ") " is cut first): 4 session, 12 utime, 13 stime (clock ticks).
_proc_stat_lines() { cat /proc/[0-9]*/stat 2>/dev/null; }

# PIDs in session $1, one per line.
session_pids() {
	_proc_stat_lines | awk -v sid="$1" '{
		pid = $1; sub(/^.*\) /, ""); if ($4 == sid) print pid }'
}

# utime+stime of all processes in session $1, in clock ticks.
session_cpu_ticks() {
	_proc_stat_lines | awk -v sid="$1" '{
		sub(/^.*\) /, ""); if ($4 == sid) t += $12 + $13 } END { printf "%d\n", t }'
}

# Memory of session $1: "processes pss_kb rss_kb hwm_kb" where PSS and RSS are summed over the
# processes (PSS shares each shared page out among the processes mapping it, so the sum is the
# honest total of a server made of processes that share memory) and hwm_kb is the largest VmHWM.
session_memory() {
	local pid n=0 pss=0 rss=0 hwm=0 p r h
	for pid in $(session_pids "$1"); do
		p=$(awk '/^Pss:/ { print $2; exit }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		read -r r h < <(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$p" ] || continue
		n=$((n + 1)) pss=$((pss + p)) rss=$((rss + r))
		[ "$h" -gt "$hwm" ] && hwm=$h
	done
	echo "$n $pss $rss $hwm"
}

# Busy clock ticks of the whole machine (all CPUs): user, nice, system, irq, softirq, steal.
machine_busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Datagrams the kernel dropped because a UDP socket's receive buffer was full (whole machine).
udp_receive_drops() {
	awk '$1 == "Udp:" { if (!names) { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
		print $(col["RcvbufErrors"]); exit }' /proc/net/snmp
}

# True while any process of session $1 is alive.
session_alive() {
	[ -n "$(session_pids "$1")" ]
}
