#!/usr/bin/env bash
# PostgreSQL for aisle: a dedicated cluster (own data dir, own socket dir) on 127.0.0.1,
# run by the `postgres` OS user from the Debian `postgresql` package.
# Usage: deploy/local/postgres.sh up|down|status|verify|install|start|wait
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=postgres

PG_PORT="${AISLE_PG_PORT:-5432}"
PG_DIR="$AISLE_SERVICES_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"          # own socket dir: no clash with a Debian cluster in /var/run/postgresql
PG_LOG="$AISLE_LOG_DIR/postgres.log"
PG_OS_USER=postgres
PG_APP_USER=aisle
PG_APP_PASSWORD=aisle
PG_DATABASES=(aisle aisle_test)

pg_bindir() {
  local d
  if [[ -n "${AISLE_PG_VERSION:-}" ]]; then
    d="/usr/lib/postgresql/$AISLE_PG_VERSION/bin"
  else
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [[ -n "$d" && -x "$d/postgres" ]] || return 1
  echo "$d"
}

as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }

# Superuser SQL over our private unix socket (peer auth as the postgres OS user).
pg_super_sql() { as_pg "$BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# A real login as the application role over TCP.
app_login() {
  PGPASSWORD="$PG_APP_PASSWORD" PGCONNECT_TIMEOUT=3 "$BIN/psql" -h "$AISLE_BIND" -p "$PG_PORT" \
    -U "$PG_APP_USER" -d "${1:-aisle}" -v ON_ERROR_STOP=1 -qAt -c 'select 1' 2>/dev/null | grep -qx 1
}

# Our postmaster is alive: the pid in postmaster.pid exists and runs with our data dir
# (pg_ctl status alone would be fooled by a pid reused after a reboot or a kill -9).
ours_running() { PROC_MATCH="$PG_DATA" pid_alive "$PG_DATA/postmaster.pid"; }

svc_install() {
  if ! BIN=$(pg_bindir); then
    apt_ensure postgresql
    BIN=$(pg_bindir) || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
  fi
  id -u "$PG_OS_USER" >/dev/null 2>&1 || die "OS user $PG_OS_USER missing (should come with the postgresql package)"
}

init_cluster() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  log "initdb $PG_DATA"
  rm -rf "$PG_DATA"
  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 700 "$PG_DIR" "$PG_DATA"
  as_pg "$BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >"$AISLE_LOG_DIR/postgres-initdb.log" 2>&1 || {
      show_log_tail "$AISLE_LOG_DIR/postgres-initdb.log" 50
      die "initdb failed"
    }
  echo "include_if_exists = 'aisle.conf'" >>"$PG_DATA/postgresql.conf"
}

write_config() {
  # Rewritten on every start so edits here take effect on the next (re)start.
  cat >"$PG_DATA/aisle.conf" <<CONF
# Managed by deploy/local/postgres.sh -- local/test cluster for aisle.
listen_addresses = '$AISLE_BIND'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 256MB
# A commit waits for its WAL flush (the default), so what aisle acknowledged survives a PostgreSQL
# crash; "off" lost the last few acknowledged writes to a kill -9 of the server (~0.3 ms a commit here).
synchronous_commit = on
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
CONF
  chown "$PG_OS_USER:$PG_OS_USER" "$PG_DATA/aisle.conf"
}

# Something else is on our port. Returns 0 if it is usable as-is (aisle/aisle works).
handle_port_conflict() {
  if app_login aisle; then
    log "a PostgreSQL not managed by this script already answers on $AISLE_BIND:$PG_PORT with aisle/aisle credentials; using it"
    return 0
  fi
  # A Debian-managed cluster (pg_createcluster / the package's postinst) on our port:
  # stop it, since the aisle cluster owns this port on dev/CI machines.
  local line
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p && $4 ~ /online/ {print $1" "$2}' | head -n 1 || true)
  if [[ -n "$line" ]]; then
    warn "Debian cluster '$line' is online on port $PG_PORT without the aisle role; stopping it (pg_ctlcluster $line stop)"
    # shellcheck disable=SC2086
    pg_ctlcluster $line stop || die "could not stop Debian cluster $line"
    return 1
  fi
  port_owner "$PG_PORT" >&2
  die "port $PG_PORT is in use by something else (see above) and aisle/aisle cannot log in; set AISLE_PG_PORT or stop it"
}

# postmaster.pid left by a killed postmaster whose pid now belongs to some other process:
# postgres would take that for a live server and refuse to start. (A pid that is simply dead
# is handled by postgres itself, so that file is left alone.)
remove_stale_pidfile() {
  local f="$PG_DATA/postmaster.pid" pid
  [[ -f "$f" ]] || return 0
  pid=$(head -n 1 "$f")
  if [[ "$pid" =~ ^[0-9]+$ ]] && proc_alive "$pid" \
     && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PG_DATA"; then
    warn "removing stale $f (pid $pid is now another process)"
    rm -f "$f"
  fi
}

svc_start() {
  svc_install
  if ours_running; then
    log "already running (data $PG_DATA, port $PG_PORT)"
    return 0
  fi
  if port_open "$PG_PORT" && handle_port_conflict; then
    return 0
  fi
  init_cluster
  remove_stale_pidfile
  write_config
  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 755 "$PG_SOCK"
  touch "$PG_LOG" && chown "$PG_OS_USER:$PG_OS_USER" "$PG_LOG"
  log "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on $AISLE_BIND:$PG_PORT (data $PG_DATA, log $PG_LOG)"
  # -w: wait (bounded) until it accepts connections, while still holding the lock, so a
  # concurrent up.sh sees a running server rather than a half-started one. Takes ~1 s.
  run_detached as_pg "$BIN/pg_ctl" start -w -t "$AISLE_WAIT_SECS" -D "$PG_DATA" -l "$PG_LOG" >/dev/null || {
    show_log_tail "$PG_LOG" 50
    die "pg_ctl start failed or timed out after ${AISLE_WAIT_SECS}s"
  }
}

ensure_role_and_dbs() {
  pg_super_sql <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_APP_USER') THEN
    CREATE ROLE $PG_APP_USER LOGIN CREATEDB PASSWORD '$PG_APP_PASSWORD';
  END IF;
END \$\$;
SQL
  local db
  for db in "${PG_DATABASES[@]}"; do
    if [[ -z "$(pg_super_sql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      log "creating database $db owned by $PG_APP_USER"
      pg_super_sql -c "CREATE DATABASE $db OWNER $PG_APP_USER"
    fi
  done
}

pg_ready() { "$BIN/pg_isready" -q -h "$AISLE_BIND" -p "$PG_PORT" -t 2; }

svc_wait() {
  BIN=$(pg_bindir) || die "postgresql is not installed (run: $0 install)"
  wait_for "pg_isready on $AISLE_BIND:$PG_PORT" "$PG_LOG" "" pg_ready || die "PostgreSQL did not become ready"
  if ours_running; then
    ensure_role_and_dbs || { show_log_tail "$PG_LOG" 50; die "creating role/databases failed"; }
  fi
  local db
  for db in "${PG_DATABASES[@]}"; do
    app_login "$db" || { show_log_tail "$PG_LOG" 50; die "login as $PG_APP_USER to database $db failed"; }
  done
  log "healthy: postgresql://$PG_APP_USER:$PG_APP_PASSWORD@$AISLE_BIND:$PG_PORT/aisle (and /aisle_test)"
}

svc_up() { svc_start; svc_wait; }

svc_down() {
  BIN=$(pg_bindir) || { log "postgresql not installed; nothing to stop"; return 0; }
  if ! ours_running; then
    log "not running"
    return 0
  fi
  log "stopping (pg_ctl stop -m fast)"
  as_pg "$BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null || {
    show_log_tail "$PG_LOG" 50
    die "pg_ctl stop failed"
  }
  log "stopped"
}

svc_status() {
  BIN=$(pg_bindir) || die "not installed"
  pg_ready && app_login aisle && app_login aisle_test || die "not healthy on $AISLE_BIND:$PG_PORT"
  log "healthy on $AISLE_BIND:$PG_PORT"
}

svc_verify() {
  svc_status
  local out
  out=$(PGPASSWORD="$PG_APP_PASSWORD" "$BIN/psql" -h "$AISLE_BIND" -p "$PG_PORT" -U "$PG_APP_USER" -d aisle_test \
    -v ON_ERROR_STOP=1 -qAt <<'SQL'
CREATE TEMP TABLE aisle_selfcheck (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO aisle_selfcheck (name) VALUES ('ok');
SELECT name FROM aisle_selfcheck;
SQL
  ) || die "verify: SQL round trip failed"
  [[ "$out" == ok ]] || die "verify: unexpected result '$out'"
  log "verify ok: create/insert/select as $PG_APP_USER in aisle_test"
}

dispatch "$@"
