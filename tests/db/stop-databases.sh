#!/usr/bin/env bash
# Stops the servers tests/db/start-databases.sh started, by the PIDs it recorded.
set -uo pipefail
DIR=${OSPREY_DB_DIR:-/tmp/osprey-testdb}
stop() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(head -1 "$f")
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop "$DIR/pg/postmaster.pid"
stop "$DIR/mysql.pid"
