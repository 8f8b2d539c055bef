# report.sh: the machine description and the markdown block run.sh prints (sourced by run.sh).

# KEY='value' lines describing the machine and the software under test.
machine_info() {
	local model cpus load1
	model=$(lscpu 2>/dev/null | awk -F': *' '$1 == "Model name" { print $2; exit }')
	[ -n "$model" ] || model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	cpus=$(nproc)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	printf "%s='%s'\n" DATE "$(date -u '+%Y-%m-%d %H:%M UTC')" \
		CPU_MODEL "$model" CPUS "$cpus" KERNEL "$(uname -r)" \
		LOAD_AT_START "$(cut -d' ' -f1-3 /proc/loadavg)" \
		LOAD_HIGH "$(awk -v l="$load1" -v c="$cpus" 'BEGIN { print (l > c / 4 ? 1 : 0) }')" \
		SIPP_VERSION "$("$SIPP" -v 2>&1 | grep -o 'SIPp v[0-9.]*' | head -n 1)" \
		KAMAILIO_VERSION "$("$KAMAILIO_BIN" -v 2>/dev/null | awk '/^version:/ { print $3; exit }')" \
		DOTNET_VERSION "$(dotnet --list-runtimes 2>/dev/null | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')" \
		OSPREY_COMMIT "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo '+changes')"
}

load_warning() {
	cat <<-WARN
	!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
	!!  WARNING: load average $LOAD_AT_START on $CPUS CPUs before the run started.
	!!  Other work is competing for the CPUs: the figures will measure it as much
	!!  as the servers. Rerun on a quiet machine before quoting them.
	!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
	WARN
}

scenario_title() {
	case $SCENARIO in
	options) echo "OPTIONS answered statelessly (1 transaction per call)" ;;
	register) echo "REGISTER without authentication (1 transaction per call)" ;;
	register-auth) echo "REGISTER with digest authentication: 401, then 200 (2 transactions per call)" ;;
	call) echo "INVITE-200-ACK-BYE through the stateful proxy to a SIPp UAS (2 transactions per call)" ;;
	call-rr) echo "INVITE-200-ACK-BYE with Record-Route, callee registered and looked up in usrloc (2 transactions per call)" ;;
	floor) echo "OPTIONS at $RATE/s: Kamailio, Osprey and udp-floor (no SIP work)" ;;
	contacts) echo "memory per registered contact: $USERS users REGISTER once each at $RATE/s" ;;
	esac
}

# One row per leg, tab separated, in the order the legs ran.
_legs_tsv() {
	local f
	for f in "$OUT"/*/leg.env; do
		[ -f "$f" ] || continue
		( . "$f"
		  printf '%s\t' "$PAIR" "$SERVER" "$MAX_RATE" "$FAIL_RATE" "$FAIL_REASON" "$LOADER" "$AT_MAX_PER1K" "$AT_MAX_SIPPPCT" \
			"$LAT_RATE" "$LAT_VERDICT" "$LAT_PER1K" "$LAT_P50" "$LAT_P99" "$PEAK_PSS_KB" "$PEAK_HWM_KB" "$PROCESSES" "$MAX_OTHER_PCT" \
			"${LAT_W50:-NA}" "${LAT_W99:-NA}"
		  echo )
	done
}

report() {
	local cores_note="servers on CPU $SERVER_CPUS, SIPp on CPU $SIPP_CPUS"
	[ "$PIN" = 1 ] || cores_note="unpinned"
	local settings="Kamailio's default settings (q_malloc, its own UDP receive buffer); Osprey's defaults"
	[ "$MODE" = tuned ] && settings="tuned: Kamailio with \`-x tlsf -b $TUNED_RCVBUF\`, Osprey with \`-b $TUNED_RCVBUF\` and \`DOTNET_GCgen0size=0x400000\`"
	echo "### SIPp: $(scenario_title)"
	echo
	echo "$DATE, \`bench/sipp/run.sh $SCENARIO${ARGS_GIVEN:+ $ARGS_GIVEN}\`"
	echo
	echo "- Machine: $CPU_MODEL, $CPUS CPUs, Linux $KERNEL; load average at start $LOAD_AT_START"
	echo "- Osprey $OSPREY_COMMIT (.NET $DOTNET_VERSION), Kamailio $KAMAILIO_VERSION, $SIPP_VERSION; both run \`bench/sipp/bench.cfg\`"
	echo "- $WORKERS workers each, $cores_note; $settings"
	if [ "$SCENARIO" = contacts ]; then
		echo "- Each server: a ${WARMUP_S} s warm-up registers the first users, then memory is read; the measured step registers users u0… u$((USERS - 1)) (those of the warm-up again, as refreshes); memory is read again ${PAUSE} s after the step, without collecting Osprey's heap on purpose"
	elif [ "$SCENARIO" != floor ]; then
		echo "- Steps of ${STEP_S} s; a step passes with < 0.1% failed calls, ≤ 0.1% retransmissions and ≥ 97% of the rate offered; latency step ${LATENCY_S} s at 50% of the pair's Kamailio maximum"
	fi
	if [ "$LOAD_HIGH" = 1 ]; then
		echo
		echo "> **WARNING: the load average was $LOAD_AT_START on $CPUS CPUs when the run started. These figures are not a measurement of the servers.**"
	fi
	echo
	case $SCENARIO in
	floor) _floor_table ;;
	contacts) _contacts_table ;;
	*) _compare_table ;;
	esac
}

# One row per leg: pair server verdict ok contacts0 pss0 rss0 shm0 contacts1 pss1 rss1 shm1
_contacts_tsv() {
	local f
	for f in "$OUT"/*/leg.env; do
		[ -f "$f" ] || continue
		( . "$f"; printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$PAIR" "$SERVER" "$CONTACTS_VERDICT" "$CONTACTS_OK" \
			"$(echo $MEM_BEFORE | tr ' ' '\t')" "$(echo $MEM_AFTER | tr ' ' '\t')" )
	done
}

_contacts_table() {
	_contacts_tsv | awk -F'\t' '
		function commas(n,   s) { n = sprintf("%d", n); s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } return n s }
		function name(s) { return s == "osprey" ? "Osprey" : "Kamailio" }
		function num(x) { return x != "NA" && x != "" }
		function per(kb0, kb1, c) { return (num(kb0) && num(kb1) && num(c) && c > 0) ? (kb1 - kb0) * 1024 / c : "NA" }
		function show(x) { return num(x) ? sprintf("%.0f", x) : "–" }
		{
			s = $2; added = (num($5) && num($9)) ? $9 - $5 : "NA"
			rssc = per($7, $11, added); pssc = per($6, $10, added)
			shmc = (num($8) && num($12) && num(added) && added > 0) ? ($12 - $8) / added : "NA"
			printf "| %s | %s | %s%s | %s | %s → %s | %s | %s | %s |\n", $1, name(s), num($4) ? commas($4) : "–", ($3 != "pass" ? " (" $3 ")" : ""),
				num(added) ? commas(added) : "–", num($7) ? sprintf("%.0f", $7 / 1024) : "–", num($11) ? sprintf("%.0f", $11 / 1024) : "–",
				show(rssc), show(pssc), show(shmc)
			if (num(rssc)) { rs[s] += rssc; rn[s]++ }
			if (num(pssc)) { ps[s] += pssc; pn[s]++ }
			if (num(shmc)) { ss[s] += shmc; sn[s]++ }
		}
		BEGIN {
			print "| pair | server | REGISTERs answered 200 | contacts added (usrloc) | RSS before → after (MB) | RSS increase per contact (B) | PSS increase per contact (B) | shared memory real_used per contact (B) |"
			print "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"
		}
		END {
			for (i = 0; i < 2; i++) {
				s = i == 0 ? "kamailio" : "osprey"
				mr[s] = rn[s] ? rs[s] / rn[s] : "NA"; mp[s] = pn[s] ? ps[s] / pn[s] : "NA"; mshm[s] = sn[s] ? ss[s] / sn[s] : "NA"
				if (rn[s] || pn[s]) printf "| mean | %s | | | | %s | %s | %s |\n", name(s), show(mr[s]), show(mp[s]), show(mshm[s])
			}
			print ""
			if (num(mr["osprey"]) && num(mshm["kamailio"]) && mshm["kamailio"] > 0)
				printf "**Osprey'"'"'s RSS increase per contact / Kamailio'"'"'s shared-memory increase per contact: %.2f**", mr["osprey"] / mshm["kamailio"]
			if (num(mp["osprey"]) && num(mp["kamailio"]) && mp["kamailio"] > 0)
				printf " (PSS per contact, Osprey / Kamailio: %.2f)", mp["osprey"] / mp["kamailio"]
			print "."
			print ""
			print "Contacts added: usrloc'"'"'s location_contacts before and after, read with kamcmd over the ctl module. Osprey is one process: its RSS is all its memory. Kamailio'"'"'s contacts live in its shared memory (real_used from core.shmmem: what its allocator handed out, with the allocator'"'"'s own overhead); its PSS sums all its processes."
		}'
}

_compare_table() {
	_legs_tsv | awk -F'\t' -v tx="$TX_PER_CALL" '
		function commas(n,   s) { n = sprintf("%d", n); s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } return n s }
		function name(s) { return s == "osprey" ? "Osprey" : (s == "kamailio" ? "Kamailio" : s) }
		function num(x) { return x != "NA" && x != "" }
		function ratio(a, b) { return (num(a) && num(b) && b > 0) ? sprintf("%.2f", a / b) : "–" }
		{
			s = $2; n[s]++
			mem = ($16 > 1) ? $14 : $15     # several processes: summed PSS; one: VmHWM
			rate = ($3 == "NA" || $3 == 0) ? "– (" $5 ")" : ($4 == 0 ? "≥ " : "") commas($3) ($6 == 1 ? " (SIPp-bound)" : "")
			if ($3 != "NA" && $3 > 0 && $4 == 0) unbounded = 1
			lat = num($12) ? sprintf("%.2f / %.2f", $12, $13) : "–"
			latv = ($10 != "pass" && $10 != "NA") ? " (" $10 ")" : ""
			wire = num($18) ? $18 " / " $19 : "–"
			printf "| %s | %s | %s | %s | %s: %s%s | %s | %s | %.0f |\n", $1, name(s), rate, num($7) ? $7 : "–", num($9) ? commas($9) "/s" : "–", lat, latv, wire, num($11) ? $11 : "–", mem / 1024
			if (num($3) && $3 > 0) { rs[s] += $3; rn[s]++ }
			if (num($7)) { cs[s] += $7; cn[s]++ }
			if (num($11)) { ls[s] += $11; ln[s]++ }
			if (num($12)) { p50[s] += $12; p99[s] += $13; pn[s]++ }
			if (num($18)) { w50[s] += $18; w99[s] += $19; wn[s]++ }
			ms[s] += mem / 1024; mn[s]++
			if ($17 > other) other = $17
			if ($6 == 1) loader[s] = 1
		}
		BEGIN {
			print "| pair | server | max sustained rate (calls/s) | CPU s per 1000 tx at max | p50 / p99 response (ms) at 50% of Kamailio max | server turnaround on the wire p50 / p99 (µs), same rate | CPU s per 1000 tx at that rate | peak memory (MB) |"
			print "| --- | --- | ---: | ---: | --- | --- | ---: | ---: |"
		}
		END {
			for (i = 0; i < 2; i++) {
				s = i == 0 ? "kamailio" : "osprey"
				if (!n[s]) continue
				mr[s] = rn[s] ? rs[s] / rn[s] : "NA"; mc[s] = cn[s] ? cs[s] / cn[s] : "NA"; ml[s] = ln[s] ? ls[s] / ln[s] : "NA"
				m50[s] = pn[s] ? p50[s] / pn[s] : "NA"; m99[s] = pn[s] ? p99[s] / pn[s] : "NA"; mm[s] = mn[s] ? ms[s] / mn[s] : "NA"
				mw50[s] = wn[s] ? w50[s] / wn[s] : "NA"; mw99[s] = wn[s] ? w99[s] / wn[s] : "NA"
				printf "| mean | %s | %s%s | %s | %s | %s | %s | %s |\n", name(s), num(mr[s]) ? commas(mr[s]) : "–", loader[s] ? " (SIPp-bound)" : "",
					num(mc[s]) ? sprintf("%.4f", mc[s]) : "–", num(m50[s]) ? sprintf("%.2f / %.2f", m50[s], m99[s]) : "–",
					num(mw50[s]) ? sprintf("%.0f / %.0f", mw50[s], mw99[s]) : "–",
					num(ml[s]) ? sprintf("%.4f", ml[s]) : "–", num(mm[s]) ? sprintf("%.0f", mm[s]) : "–"
			}
			if (n["kamailio"] && n["osprey"]) {
				printf "| **Osprey / Kamailio** | | **%s** | **%s** | **%s / %s** | **%s / %s** | **%s** | **%s** |\n", ratio(mr["osprey"], mr["kamailio"]), ratio(mc["osprey"], mc["kamailio"]),
					ratio(m50["osprey"], m50["kamailio"]), ratio(m99["osprey"], m99["kamailio"]), ratio(mw50["osprey"], mw50["kamailio"]), ratio(mw99["osprey"], mw99["kamailio"]),
					ratio(ml["osprey"], ml["kamailio"]), ratio(mm["osprey"], mm["kamailio"])
			}
			print ""
			print "CPU: utime+stime of all the server'"'"'s processes from /proc over each step, per " (tx == 1 ? "transaction" : "transaction (" tx " per call)") "."
			if (wn["osprey"] || wn["kamailio"]) print "Server turnaround on the wire: in a step of its own after the latency step, at its rate, a 3 s capture on lo; from each message into the server to the server'"'"'s first message out with the same Call-ID and CSeq (lib/wire.sh). SIPp'"'"'s response times add SIPp'"'"'s own cycles to this."
			print "Memory: Osprey, one process: VmHWM; Kamailio, many processes sharing memory: the largest sum of their PSS at the end of a step."
			if (unbounded) print "≥: the search ended (--max-steps or --max-rate) before a step failed."
			if (loader["osprey"] || loader["kamailio"]) print "SIPp-bound: SIPp could not offer the next rate; the server'"'"'s maximum is at least this, and the CPU columns compare the two servers at comparable load."
			if (other > 10) printf "Noise: other processes used up to %.0f%% of a CPU during a step (steps.tsv, other_cpu_pct).\n", other
		}'
}

_floor_table() {
	_legs_tsv | awk -F'\t' '
		function name(s) { return s == "osprey" ? "Osprey" : (s == "kamailio" ? "Kamailio" : "udp-floor") }
		function num(x) { return x != "NA" && x != "" }
		{
			s = $2
			lat = num($12) ? sprintf("%.2f / %.2f", $12, $13) : "–"
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, name(s), $10, num($11) ? $11 : "–", num($11) ? sprintf("%.1f", $11 * 1000) : "–", lat, num($18) ? $18 " / " $19 : "–"
			if (num($11)) { c[s] += $11; n[s]++ }
		}
		BEGIN {
			print "| pair | server | verdict | CPU s per 1000 OPTIONS | CPU µs per OPTIONS | p50 / p99 response (ms) | turnaround on the wire p50 / p99 (µs) |"
			print "| --- | --- | --- | ---: | ---: | --- | --- |"
		}
		END {
			for (s in n) m[s] = c[s] / n[s]
			for (i = 0; i < 3; i++) {
				s = i == 0 ? "kamailio" : (i == 1 ? "osprey" : "floor")
				if (s in m) printf "| mean | %s | | %.4f | %.1f | | |\n", name(s), m[s], m[s] * 1000
			}
			print ""
			if (("floor" in m) && m["floor"] > 0) {
				if ("osprey" in m) printf "Osprey spends %.1f µs per OPTIONS above the floor: %.2f× the floor'"'"'s CPU.\n", (m["osprey"] - m["floor"]) * 1000, m["osprey"] / m["floor"]
				if ("kamailio" in m) printf "Kamailio spends %.1f µs per OPTIONS above the floor: %.2f× the floor'"'"'s CPU.\n", (m["kamailio"] - m["floor"]) * 1000, m["kamailio"] / m["floor"]
			}
			print "The floor answers each datagram by overwriting the request line with a status line and sending the rest back (bench/Osprey.UdpFloor): a receive and a send, no SIP."
		}'
}
