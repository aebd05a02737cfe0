# shellcheck shell=bash
# Shared helpers for the deploy/local service scripts. Source it; do not run it.
#
# Every service script follows the same shape:
#   install  -> make the binaries available (apt / Maven Central), cached, idempotent
#   start    -> launch the process in the background if it is not already running
#   wait     -> bounded health wait with progress dots; prints the log tail on failure
#   up       -> install + start + wait
#   down     -> stop cleanly, idempotent
#   status   -> exit 0 if healthy
#   verify   -> deeper functional self-check (create/use/delete something real)

set -euo pipefail

AISLE_SERVICES_DIR="${AISLE_SERVICES_DIR:-/var/tmp/aisle-services}"
AISLE_CACHE_DIR="${AISLE_SERVICES_DIR}/cache"
AISLE_LOG_DIR="${AISLE_SERVICES_DIR}/logs"
AISLE_RUN_DIR="${AISLE_SERVICES_DIR}/run"
AISLE_WAIT_SECS="${AISLE_WAIT_SECS:-120}"
# Unprivileged OS user for OpenSearch and Kafka (OpenSearch refuses to run as root).
AISLE_SVC_USER="${AISLE_SVC_USER:-aisle-svc}"
AISLE_BIND="127.0.0.1"

log()  { printf '[%s] %s\n' "${SVC:-aisle}" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "${SVC:-aisle}" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "${SVC:-aisle}" "$*" >&2; exit 1; }

need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (installs packages, creates users, switches to service users)"
}

ensure_dirs() {
  mkdir -p "$AISLE_SERVICES_DIR" "$AISLE_CACHE_DIR" "$AISLE_LOG_DIR" "$AISLE_RUN_DIR"
  # Service users (postgres, aisle-svc) must be able to traverse into their own subdirs.
  chmod 755 "$AISLE_SERVICES_DIR" "$AISLE_CACHE_DIR" "$AISLE_LOG_DIR" "$AISLE_RUN_DIR"
}

# Serialise concurrent invocations for one service (several engineers / CI jobs may
# run up.sh at the same time on a shared machine). Lock is released when the script exits.
take_lock() {
  local name="$1"
  ensure_dirs
  exec {AISLE_LOCK_FD}>"$AISLE_RUN_DIR/$name.lock"
  if ! flock -w 600 "$AISLE_LOCK_FD"; then
    die "could not take lock $AISLE_RUN_DIR/$name.lock within 600 s"
  fi
}

# Run a command that leaves a daemon behind without handing it our lock fd
# (a daemon inheriting the fd would hold the lock forever).
run_detached() {
  if [[ -n "${AISLE_LOCK_FD:-}" ]]; then
    "$@" {AISLE_LOCK_FD}>&-
  else
    "$@"
  fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/$AISLE_BIND/$1") 2>/dev/null
}

# Print who listens on a port (for error messages).
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null || true
}

pid_alive() {
  local pidfile="$1" pid
  [[ -s "$pidfile" ]] || return 1
  # First line only: postgres' postmaster.pid has more lines after the pid.
  pid=$(head -n 1 "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && proc_alive "$pid" || return 1
  # /var/tmp survives reboots, so a stale pidfile may name a reused pid: also check that the
  # process is what the service script expects (PROC_MATCH, a substring of its command line).
  if [[ -n "${PROC_MATCH:-}" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PROC_MATCH" || return 1
  fi
}

# kill -0 also succeeds for zombies (a daemon whose reaper never waited for it).
proc_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ "$state" != Z ]]
}

# Show the last N lines of a log file on stderr.
show_log_tail() {
  local file="$1" n="${2:-50}"
  if [[ -f "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$file" >&2
    tail -n "$n" "$file" >&2
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf 'no log file at %s\n' "$file" >&2
  fi
}

# wait_for DESCRIPTION LOGFILE PIDFILE CHECK_CMD...
# Polls CHECK_CMD once a second, printing a dot each time, for at most AISLE_WAIT_SECS.
# PIDFILE may be "" (no liveness check). Fails fast if the process dies.
wait_for() {
  local what="$1" logfile="$2" pidfile="$3"; shift 3
  local start=$SECONDS
  printf '[%s] waiting for %s ' "${SVC:-aisle}" "$what"
  while true; do
    if "$@" >/dev/null 2>&1; then
      printf ' ok (%ss)\n' "$((SECONDS - start))"
      return 0
    fi
    if [[ -n "$pidfile" ]] && ! pid_alive "$pidfile"; then
      # Give a process that just wrote its pidfile a moment; a dead one stays dead.
      sleep 1
      if ! pid_alive "$pidfile" && ! "$@" >/dev/null 2>&1; then
        printf ' FAILED\n'
        warn "$what: process exited (pidfile $pidfile)"
        show_log_tail "$logfile" 50
        return 1
      fi
    fi
    if (( SECONDS - start >= AISLE_WAIT_SECS )); then
      printf ' TIMEOUT\n'
      warn "$what: not healthy after ${AISLE_WAIT_SECS}s"
      show_log_tail "$logfile" 50
      return 1
    fi
    printf '.'
    sleep 1
  done
}

# Wait for a pid to exit (bounded), then SIGKILL as a last resort.
stop_pid() {
  local pidfile="$1" what="$2" secs="${3:-60}" pid i
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    log "$what is not running"
    return 0
  fi
  pid=$(head -n 1 "$pidfile")
  log "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  printf '[%s] waiting for pid %s to exit ' "${SVC:-aisle}" "$pid"
  for ((i = 0; i < secs; i++)); do
    if ! proc_alive "$pid"; then
      printf ' stopped\n'
      rm -f "$pidfile"
      return 0
    fi
    printf '.'
    sleep 1
  done
  printf ' still alive after %ss, sending SIGKILL\n' "$secs"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 1
  rm -f "$pidfile"
}

# apt-get install the given packages if any is missing. apt-get update runs at most
# once per invocation, and only when something must be installed.
# apt-get install the given packages if any is missing. `apt-get update` runs first unless
# this machine ran it through these scripts in the last 6 hours (marker file), and again
# if the install then fails.
apt_ensure() {
  local missing=() p marker="$AISLE_RUN_DIR/apt-updated"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  local fresh=0
  [[ -n "$(find "$marker" -mmin -360 2>/dev/null)" ]] && fresh=1
  ((fresh)) || apt_update
  if ! apt_install "${missing[@]}"; then
    ((fresh)) && apt_update && apt_install "${missing[@]}" && return 0
    show_log_tail "$AISLE_LOG_DIR/apt.log" 50
    die "apt-get install ${missing[*]} failed"
  fi
}
# Wait for the dpkg/apt lock rather than failing when someone else is running apt.
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
apt_update() {
  DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update -qq >"$AISLE_LOG_DIR/apt.log" 2>&1 \
    || { show_log_tail "$AISLE_LOG_DIR/apt.log" 50; die "apt-get update failed"; }
  touch "$AISLE_RUN_DIR/apt-updated"
}
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$@" \
    >>"$AISLE_LOG_DIR/apt.log" 2>&1
}

# Dedicated unprivileged system user for the JVM services.
ensure_svc_user() {
  if ! id -u "$AISLE_SVC_USER" >/dev/null 2>&1; then
    log "creating system user $AISLE_SVC_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$AISLE_SVC_USER"
  fi
}

# spawn_as_svc WORKDIR LOGFILE PIDFILE CMD...
# Start CMD in the background as $AISLE_SVC_USER, in its own session, stdout+stderr appended
# to LOGFILE, and record its pid. setsid/setpriv exec in place (no fork), so the recorded pid
# is the pid of CMD itself (or of whatever CMD finally execs, e.g. java).
spawn_as_svc() {
  local workdir="$1" logfile="$2" pidfile="$3"; shift 3
  local home="$AISLE_SERVICES_DIR/home"
  install -d -o "$AISLE_SVC_USER" -g "$AISLE_SVC_USER" -m 755 "$home"
  (
    cd "$workdir"
    if [[ -n "${AISLE_LOCK_FD:-}" ]]; then exec {AISLE_LOCK_FD}>&-; fi
    export HOME="$home" USER="$AISLE_SVC_USER" LOGNAME="$AISLE_SVC_USER"
    exec setsid setpriv --reuid="$AISLE_SVC_USER" --regid="$AISLE_SVC_USER" --init-groups -- "$@" \
      </dev/null >>"$logfile" 2>&1
  ) &
  echo $! >"$pidfile"
}

# Run a short command as $AISLE_SVC_USER in the foreground.
as_svc() {
  (cd / && HOME="$AISLE_SERVICES_DIR/home" setpriv --reuid="$AISLE_SVC_USER" --regid="$AISLE_SVC_USER" --init-groups -- "$@")
}

# JAVA_HOME for the JVM services: AISLE_JAVA_HOME, else the system default java (17 here).
java_home() {
  if [[ -n "${AISLE_JAVA_HOME:-}" ]]; then
    echo "$AISLE_JAVA_HOME"
  else
    local j
    j=$(command -v java) || die "java not found (apt-get install openjdk-17-jre-headless, or set AISLE_JAVA_HOME)"
    j=$(readlink -f "$j")
    echo "${j%/bin/java}"
  fi
}

# Run Maven, offline first (fast and works without network when ~/.m2 is warm),
# then online. Output goes to a log that is shown on failure.
mvn_run() {
  local logfile="$1"; shift
  command -v mvn >/dev/null || apt_ensure maven
  if mvn -B -q -o "$@" >"$logfile" 2>&1; then
    return 0
  fi
  if mvn -B -q "$@" >"$logfile" 2>&1; then
    return 0
  fi
  show_log_tail "$logfile" 50
  return 1
}

# mvn_fetch WORKDIR OUTDIR DEPENDENCIES_XML
# Resolve the given <dependency> elements (with their runtime deps) from Maven Central via a
# throwaway pom in WORKDIR and copy the files, flat, into OUTDIR. Maven keeps its own cache
# in ~/.m2, so a second fetch needs no network.
AISLE_MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
mvn_fetch() {
  local workdir="$1" outdir="$2" deps="$3"
  mkdir -p "$workdir"
  cat >"$workdir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.aisle.deploy</groupId>
  <artifactId>fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$deps
  </dependencies>
</project>
POM
  rm -rf "$outdir.tmp"
  (cd "$workdir" && mvn_run "$workdir/mvn.log" "$AISLE_MVN_DEP_PLUGIN:copy-dependencies" \
      -DincludeScope=runtime -DoutputDirectory="$outdir.tmp") || return 1
  rm -rf "$outdir"
  mv "$outdir.tmp" "$outdir"
}

# Dispatch a service script's subcommand to the function svc_<cmd>. Commands that change
# state hold the per-service lock.
dispatch() {
  local cmd="${1:-up}"
  case "$cmd" in
    up|down|start|wait|install) need_root; take_lock "$SVC" ;;
    status|verify) ensure_dirs ;;
    *) die "usage: $0 up|down|status|verify|install|start|wait" ;;
  esac
  "svc_$cmd"
}

# Service names from the command line ("all" or nothing = every service), in start order.
AISLE_ALL_SERVICES=(postgres redis opensearch kafka s3)
parse_services() {
  SERVICES=()
  local a s
  (($#)) || set -- all
  for a in "$@"; do
    case "$a" in
      all) SERVICES+=("${AISLE_ALL_SERVICES[@]}") ;;
      postgres|redis|opensearch|kafka|s3) SERVICES+=("$a") ;;
      -h|--help) echo "usage: $0 [postgres|redis|opensearch|kafka|s3|all ...]"; exit 0 ;;
      *) die "unknown service '$a' (expected: postgres redis opensearch kafka s3 all)" ;;
    esac
  done
  # de-duplicate, keep canonical order
  local out=()
  for s in "${AISLE_ALL_SERVICES[@]}"; do
    [[ " ${SERVICES[*]} " == *" $s "* ]] && out+=("$s")
  done
  SERVICES=("${out[@]}")
}
