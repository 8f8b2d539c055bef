#!/usr/bin/env bash
# Local authoritative DNS for the Osprey DNS tests.
#
#   start-dnsmasq.sh --install             install dnsmasq-base when missing (needs root), then exit
#   start-dnsmasq.sh PORT [dnsmasq opts]   start dnsmasq on 127.0.0.1:PORT (UDP+TCP) answering only from
#                                          its own records (--host-record, --srv-host, --naptr-record, ...),
#                                          names under .test without a record get NXDOMAIN; prints the PID.
#                                          Stop it with: kill PID
#
# The tests in tests/Osprey.Core.Tests/Dns start dnsmasq themselves with the same options and stop it
# by PID; they only need the binary, which ./test.sh installs (package dnsmasq-base).
set -euo pipefail

find_dnsmasq() {
  command -v dnsmasq 2>/dev/null || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; } || true
}

bin=$(find_dnsmasq)
if [ -z "$bin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "start-dnsmasq.sh: dnsmasq is missing; run as root or: sudo apt-get install -y dnsmasq-base" >&2
    exit 1
  fi
  echo "start-dnsmasq.sh: installing dnsmasq-base" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq dnsmasq-base >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq dnsmasq-base >/dev/null; }
  bin=$(find_dnsmasq)
fi

if [ "${1:-}" = "--install" ]; then
  echo "$bin"
  exit 0
fi

port=${1:?usage: start-dnsmasq.sh --install | PORT [dnsmasq options...]}
shift
"$bin" --keep-in-foreground --conf-file=/dev/null --port="$port" --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --no-poll --local=/test/ --local-ttl=300 --log-facility=- "$@" >/dev/null 2>&1 &
pid=$!
sleep 0.2
if ! kill -0 "$pid" 2>/dev/null; then
  echo "start-dnsmasq.sh: dnsmasq exited at start (port $port taken or a bad option?)" >&2
  exit 1
fi
echo "$pid"
