# wire.sh: the server's own turnaround, measured on the loopback interface (sourced by run.sh).
#
# SIPp's response times include SIPp itself: it works in cycles (send a burst of new calls, then read
# and answer what came back), so a reply that arrives while SIPp is busy waits in its socket, and how
# long depends on how SIPp's cycles fall as much as on the server. A capture on `lo` sees each
# datagram when it enters and leaves the server: the time from a message in to the server's first
# message out with the same Call-ID and CSeq (the reply, or the forwarded request) is the server's
# turnaround alone.
#
# The capture runs in a step of its own ("wire", after the latency step, at the same rate) because
# copying every packet to the capture costs the sender CPU: the latency step's CPU and SIPp figures
# are not measured with it. Needs tcpdump and the right to capture (root or CAP_NET_RAW).

WIRE_CAPTURE_S=3

# 1 when tcpdump can capture on lo here.
wire_usable() {
	command -v tcpdump > /dev/null || return 1
	timeout 2 tcpdump -i lo -c 1 -w /dev/null 'udp port 9' > /dev/null 2>&1
	local rc=$?
	# 124: timed out waiting for a packet, which means the capture itself started
	[ $rc -eq 124 ] || [ $rc -eq 0 ]
}

# Captures the server's UDP port into $1 for WIRE_CAPTURE_S seconds after a delay of $2 seconds;
# runs in the background on SIPp's CPU (prints nothing).
wire_capture() { # file delay
	trap - EXIT INT TERM HUP
	sleep "$2"
	local pin=()
	[ "$PIN" = 1 ] && pin=(taskset -c "$SIPP_CPUS")
	"${pin[@]}" timeout "$WIRE_CAPTURE_S" tcpdump -i lo -nn -s 1000 -B 131072 -w "$1" "udp port $PORT" > /dev/null 2>&1
	return 0
}

# "count p50 p90 p99 p999" of the turnaround in µs from capture $1 ("0 NA NA NA NA" when none).
# A message in is one whose source port is not the server's; the first message out with the same
# Call-ID and CSeq after it ends its turnaround (a retransmission in does not restart it).
wire_turnaround() { # pcap
	tcpdump -r "$1" -nn -tt -A 2> /dev/null | awk -v port="$PORT" '
		/^[0-9]+\.[0-9]+ IP / {
			split($1, ts, "."); if (base == "") base = ts[1]
			t = (ts[1] - base) * 1000000 + ts[2]
			n = split($3, a, "."); inbound = (a[n] != port); cid = ""; next
		}
		/^(Call-ID|i): / { cid = $2; next }
		/^CSeq: / && cid != "" {
			k = cid " " $2 " " $3; cid = ""
			if (inbound) { if (!(k in pend)) pend[k] = t }
			else if (k in pend) { print t - pend[k]; delete pend[k] }
		}' | sort -n | awk '
		{ v[NR] = $1 }
		function at(q,   i) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return v[i] }
		END { if (NR == 0) print "0 NA NA NA NA"; else printf "%d %d %d %d %d\n", NR, at(0.5), at(0.9), at(0.99), at(0.999) }'
}
