#!/usr/bin/env bash
# Builds Osprey and runs every test. Installs the peers the tests use when missing
# (SIPp, sipsak, baresip, Kamailio for differential checks, dnsmasq, curl, PostgreSQL, MariaDB);
# needs root for that, as in CI.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio kamailio-extra-modules kamailio-sqlite-modules)
command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Kamailio's package starts a service; tests start their own instances on private ports.
if command -v systemctl >/dev/null 2>&1; then systemctl stop kamailio >/dev/null 2>&1 || true; fi

# Private PostgreSQL and MariaDB on 127.0.0.1 for the data-layer tests (installed when missing).
eval "$(tests/db/start-databases.sh)"
log=$(mktemp)
trap 'tests/db/stop-databases.sh >/dev/null 2>&1 || true; rm -f "$log"' EXIT

dotnet build Osprey.slnx -c Release -nologo -v quiet

# Coverage-guided fuzzing (SharpFuzz + AFL++) of the parsers, bounded: 20 s per target, fresh
# campaign each time. Long campaigns: fuzz/README.md.
fuzz_rc=0
for target in message uri digest; do
  fuzz_out=$(mktemp -d)
  FUZZ_OUT="$fuzz_out" fuzz/run-fuzz.sh "$target" 20 || fuzz_rc=1
  rm -rf "$fuzz_out"
done
set +e
dotnet test Osprey.slnx -c Release --no-build -nologo -v quiet --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line over every test assembly, in the plain form CI reads.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
if [ "$fuzz_rc" -ne 0 ]; then echo "test.sh: fuzzing found a crash or hang (see above)" >&2; exit 1; fi
exit "$rc"
