#!/usr/bin/env bash
# Redis for aisle: Debian `redis-server`, started in the background by this script (no systemd)
# as $AISLE_SVC_USER on 127.0.0.1, no persistence.
# Usage: deploy/local/redis.sh up|down|status|verify|install|start|wait
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=redis
PROC_MATCH=redis-server   # see pid_alive in lib.sh

REDIS_PORT="${AISLE_REDIS_PORT:-6379}"
REDIS_DIR="$AISLE_SERVICES_DIR/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PID="$AISLE_RUN_DIR/redis.pid"
REDIS_LOG="$AISLE_LOG_DIR/redis.log"

rcli() { redis-cli -h "$AISLE_BIND" -p "$REDIS_PORT" "$@"; }
pong() { [[ "$(rcli ping 2>/dev/null)" == PONG ]]; }

svc_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_ensure redis-server redis-tools
}

write_config() {
  install -d -o "$AISLE_SVC_USER" -g "$AISLE_SVC_USER" -m 755 "$REDIS_DIR"
  cat >"$REDIS_CONF" <<CONF
# Managed by deploy/local/redis.sh -- local/test Redis for aisle.
bind $AISLE_BIND
port $REDIS_PORT
protected-mode yes
# Foreground process started by this script (pid recorded by us); logs go to stdout,
# which the script appends to $REDIS_LOG.
daemonize no
logfile ""
dir $REDIS_DIR
# No persistence: it is a cache/test instance.
save ""
appendonly no
CONF
}

EXTERNAL=0
svc_start() {
  svc_install
  if pid_alive "$REDIS_PID"; then
    log "already running (pid $(<"$REDIS_PID"), port $REDIS_PORT)"
    return 0
  fi
  if port_open "$REDIS_PORT"; then
    if pong; then
      # e.g. the Debian package's own daemon, started by its postinst on some images.
      log "a Redis not managed by this script already answers PONG on $AISLE_BIND:$REDIS_PORT; using it"
      EXTERNAL=1
      return 0
    fi
    port_owner "$REDIS_PORT" >&2
    die "port $REDIS_PORT is in use by something that is not Redis; set AISLE_REDIS_PORT or stop it"
  fi
  ensure_svc_user
  write_config
  log "starting $(redis-server --version | cut -d' ' -f1-3) on $AISLE_BIND:$REDIS_PORT as $AISLE_SVC_USER (log $REDIS_LOG)"
  spawn_as_svc "$REDIS_DIR" "$REDIS_LOG" "$REDIS_PID" "$(command -v redis-server)" "$REDIS_CONF"
}

svc_wait() {
  command -v redis-cli >/dev/null || die "redis is not installed (run: $0 install)"
  local pidfile="$REDIS_PID"
  # No liveness check for a server we did not start (or whose pidfile is gone).
  if ((EXTERNAL)) || [[ ! -f "$pidfile" ]]; then pidfile=""; fi
  wait_for "redis PING on $AISLE_BIND:$REDIS_PORT" "$REDIS_LOG" "$pidfile" pong || die "Redis did not become ready"
  log "healthy: redis://$AISLE_BIND:$REDIS_PORT/0"
}

svc_up() { svc_start; svc_wait; }

svc_down() {
  if ! pid_alive "$REDIS_PID"; then
    rm -f "$REDIS_PID"
    log "not running"
    return 0
  fi
  local pid i
  pid=$(head -n 1 "$REDIS_PID")
  log "stopping pid $pid (redis-cli shutdown nosave)"
  rcli shutdown nosave >/dev/null 2>&1 || true
  for ((i = 0; i < 10; i++)); do
    proc_alive "$pid" || break
    sleep 1
  done
  if proc_alive "$pid"; then
    stop_pid "$REDIS_PID" redis 30   # SIGTERM, then SIGKILL
  fi
  rm -f "$REDIS_PID"
  log "stopped"
}

svc_status() {
  command -v redis-cli >/dev/null || die "not installed"
  pong || die "not healthy on $AISLE_BIND:$REDIS_PORT"
  log "healthy on $AISLE_BIND:$REDIS_PORT"
}

svc_verify() {
  svc_status
  local key="aisle:selfcheck:$$"
  rcli set "$key" ok EX 60 >/dev/null
  [[ "$(rcli get "$key")" == ok ]] || die "verify: SET/GET round trip failed"
  rcli del "$key" >/dev/null
  log "verify ok: SET/GET/DEL"
}

dispatch "$@"
