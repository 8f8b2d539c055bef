#!/usr/bin/env bash
# Fuzzes one Osprey.Sip parser with AFL++ through SharpFuzz, bounded by time or executions, and fails
# (exit 1) when AFL saved any crash or hang. Non-interactive: fit for CI.
#
#   fuzz/run-fuzz.sh [target] [seconds | --execs N]
#     target   message (default) | uri | digest (when the harness lists it)
#     seconds  wall-clock bound, default 300;  --execs N: stop after N executions instead
#
# Environment: FUZZ_OUT (default fuzz/out/<target>; an existing campaign is resumed),
#              FUZZ_CPU (pin to this core with taskset, e.g. 1), AFL_ARGS (extra afl-fuzz options).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-message}"
bound=(-V "${2:-300}")
if [ "${2:-}" = "--execs" ]; then bound=(-E "${3:?--execs needs a number}"); fi

command -v afl-fuzz >/dev/null || { echo "run-fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
corpus="$here/corpus/$target"
[ -d "$corpus" ] || { echo "run-fuzz.sh: no seed corpus $corpus" >&2; exit 2; }

# 1. Build the harness into a private directory: instrumentation rewrites Osprey.Sip.dll in place,
#    and the instrumented copy must never be the one the tests or the server load.
build="$here/.build/$target"
rm -rf "$build"
mkdir -p "$build"
dotnet build "$here/Osprey.Fuzz/Osprey.Fuzz.csproj" -c Release -nologo -v quiet >/dev/null   # uninstrumented, for replays
cp -r "$here/Osprey.Fuzz/bin/Release/net10.0/." "$build/"

# 2. Instrument the code under test (only Osprey.Sip: coverage of the harness itself is noise).
tools="$here/.tools"
[ -x "$tools/sharpfuzz" ] || dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
"$tools/sharpfuzz" "$build/Osprey.Sip.dll" >/dev/null

# 3. Fuzz.
out="${FUZZ_OUT:-$here/out/$target}"
mkdir -p "$out"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1
export DOTNET_TieredPGO=0 DOTNET_gcServer=0
pin=()
if [ -n "${FUZZ_CPU:-}" ]; then pin=(taskset -c "$FUZZ_CPU"); fi
dict=()
if [ -f "$here/sip.dict" ]; then dict=(-x "$here/sip.dict"); fi
# -t: a fixed timeout (SharpFuzz advice; AFL's auto-scaling fits .NET badly); an input running 10 s is a hang.
# The harness process occasionally loses its fork-server pipe (afl-fuzz: "Unable to communicate with
# fork server"); afl-fuzz then stops. Resume the campaign until the bound is used up, replaying the
# input that was running through the uninstrumented harness: if it fails there it is a real finding.
# A resumed session restores execs_done (and counts -E against it), so totals are differences.
stats="$out/default/fuzzer_stats"
execs_done() { awk -F': *' '$1 ~ /^execs_done/ {print $2}' "$stats" 2>/dev/null | grep . || echo 0; }
mode="${bound[0]}"; limit="${bound[1]}"
initial=$(execs_done)
start=$SECONDS; total=0; restarts=0
while :; do
  if [ "$mode" = "-V" ]; then left=$((limit - (SECONDS - start))); arg=$left
  else left=$((limit - total)); arg=$((initial + limit)); fi
  [ "$left" -gt 0 ] || break
  set +e
  # shellcheck disable=SC2086
  "${pin[@]}" afl-fuzz -i "$corpus" -o "$out" -m none -t 10000 "$mode" "$arg" "${dict[@]}" ${AFL_ARGS:-} \
    -- dotnet "$build/Osprey.Fuzz.dll" afl "$target" > "$out/afl.log" 2>&1
  rc=$?
  set -e
  total=$(( $(execs_done) - initial ))
  if [ $rc -eq 0 ] && grep -q "We're done here" "$out/afl.log"; then break; fi
  if ! grep -q "fork server" "$out/afl.log"; then
    tail -20 "$out/afl.log" >&2; echo "run-fuzz.sh: afl-fuzz failed" >&2; exit 2
  fi
  restarts=$((restarts + 1))
  mkdir -p "$out/aborted"
  cp "$out/default/.cur_input" "$out/aborted/input-$restarts" 2>/dev/null || true
  if ! dotnet "$here/Osprey.Fuzz/bin/Release/net10.0/Osprey.Fuzz.dll" run "$target" "$out/aborted/input-$restarts" >/dev/null 2>&1; then
    mkdir -p "$out/default/crashes"; cp "$out/aborted/input-$restarts" "$out/default/crashes/aborted-$restarts"
  fi
  [ "$restarts" -lt 1000 ] || { echo "run-fuzz.sh: too many fork-server restarts" >&2; exit 2; }
done

# 4. Verdict.
crashes=$(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
echo "run-fuzz.sh: $target: $total executions (fork server restarted $restarts times), $crashes crash/hang inputs in $out/default"
echo "$target $total" >> "$out/execs.log"
if [ "$crashes" -gt 0 ]; then
  find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt
  echo "replay with: dotnet $build/../../Osprey.Fuzz/bin/Release/net10.0/Osprey.Fuzz.dll run $target FILE" >&2
  exit 1
fi
