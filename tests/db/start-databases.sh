#!/usr/bin/env bash
# Starts private PostgreSQL and MariaDB servers on 127.0.0.1 for the Osprey.Data and module tests,
# installing them first when missing (needs root, as test.sh does). Each server gets its own data
# directory under $OSPREY_DB_DIR (default /tmp/osprey-testdb) and its own port, so nothing of a system
# installation is touched; stop them with tests/db/stop-databases.sh (by the PIDs recorded here).
#
# Prints the connection URLs as shell exports; use it as:
#   eval "$(tests/db/start-databases.sh)"
# which sets
#   OSPREY_TEST_PGSQL_URL=postgres://kamailio:kamailiorw@127.0.0.1:55432/kamailio
#   OSPREY_TEST_MYSQL_URL=mysql://kamailio:kamailiorw@127.0.0.1:53306/kamailio
# Each server also has a database "kamailio_modules" (same user) that the module tests use, and
# "kamailio_interop" for the end-to-end tests, so they can run in parallel with the Osprey.Data tests,
# which drop and create the schema in "kamailio".
# Idempotent: servers already running from an earlier call are reused.
set -euo pipefail
DIR=${OSPREY_DB_DIR:-/tmp/osprey-testdb}
PG_PORT=${OSPREY_PG_PORT:-55432}
MY_PORT=${OSPREY_MY_PORT:-53306}
USER_NAME=kamailio
USER_PW=kamailiorw
log() { echo "start-databases: $*" >&2; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}
need=()
pg_bin >/dev/null || need+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then log "missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}"; exit 1; fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >/dev/null
  # the packages start system services on the default ports; we use our own instances
  if command -v systemctl >/dev/null 2>&1; then systemctl stop postgresql mariadb >/dev/null 2>&1 || true; fi
fi
mkdir -p "$DIR"
alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# ---- PostgreSQL (runs as the postgres user when we are root; it refuses to run as root)
PGBIN=$(pg_bin)
PGDATA="$DIR/pg"
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then RUNAS=(runuser -u postgres --); chown postgres "$DIR" 2>/dev/null || true; chmod 755 "$DIR"; fi
if ! alive "$PGDATA/postmaster.pid"; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"; [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA"
    "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$DIR/pg.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGDATA -c fsync=off" start >/dev/null
fi
PSQL=("${RUNAS[@]}" "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q -t)
if [ -z "$("${PSQL[@]}" -c "select 1 from pg_roles where rolname='$USER_NAME'")" ]; then
  "${PSQL[@]}" -c "create role $USER_NAME login password '$USER_PW'" >/dev/null
fi
for db in kamailio kamailio_modules kamailio_interop; do
  if [ -z "$("${PSQL[@]}" -c "select 1 from pg_database where datname='$db'")" ]; then
    "${PSQL[@]}" -c "create database $db owner $USER_NAME" >/dev/null
  fi
done

# ---- MariaDB
MYD=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
MYDATA="$DIR/mysql"
MYSOCK="$DIR/mysql.sock"
if ! alive "$DIR/mysql.pid"; then
  if [ ! -d "$MYDATA/mysql" ]; then
    mkdir -p "$MYDATA"
    INSTALL=$(command -v mariadb-install-db || command -v mysql_install_db)
    "$INSTALL" --no-defaults --datadir="$MYDATA" --user="$(id -un)" --auth-root-authentication-method=normal >/dev/null 2>&1
  fi
  log "starting MariaDB on 127.0.0.1:$MY_PORT"
  "$MYD" --no-defaults --datadir="$MYDATA" --port="$MY_PORT" --bind-address=127.0.0.1 --socket="$MYSOCK" \
    --pid-file="$DIR/mysql.pid" --user="$(id -un)" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
    >"$DIR/mysql.log" 2>&1 &
  for _ in $(seq 1 120); do [ -S "$MYSOCK" ] && break; sleep 0.5; done
  [ -S "$MYSOCK" ] || { log "MariaDB did not start; see $DIR/mysql.log"; exit 1; }
fi
MYCLI=$(command -v mariadb || command -v mysql)
"$MYCLI" --no-defaults -S "$MYSOCK" -u root -e "
  CREATE DATABASE IF NOT EXISTS kamailio;
  CREATE DATABASE IF NOT EXISTS kamailio_modules;
  CREATE DATABASE IF NOT EXISTS kamailio_interop;
  CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PW';
  CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PW';
  GRANT ALL ON kamailio.* TO '$USER_NAME'@'127.0.0.1';
  GRANT ALL ON kamailio.* TO '$USER_NAME'@'localhost';
  GRANT ALL ON kamailio_modules.* TO '$USER_NAME'@'127.0.0.1';
  GRANT ALL ON kamailio_modules.* TO '$USER_NAME'@'localhost';
  GRANT ALL ON kamailio_interop.* TO '$USER_NAME'@'127.0.0.1';
  GRANT ALL ON kamailio_interop.* TO '$USER_NAME'@'localhost';
  FLUSH PRIVILEGES;"

echo "export OSPREY_TEST_PGSQL_URL=postgres://$USER_NAME:$USER_PW@127.0.0.1:$PG_PORT/kamailio"
echo "export OSPREY_TEST_MYSQL_URL=mysql://$USER_NAME:$USER_PW@127.0.0.1:$MY_PORT/kamailio"
