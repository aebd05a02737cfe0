#!/usr/bin/env bash
# A small real cluster on 127.0.0.1 for failover tests and for trying aisle on more than one node:
#   OpenSearch 2.19: opensearch-1, opensearch-2 (data + manager-eligible, 512 MB heap each) and
#                    opensearch-manager (cluster-manager-only tiebreaker, 256 MB heap)
#   Kafka 4.4:       kafka-1..3, combined broker+controller KRaft nodes with a static quorum (384 MB heap each)
# The same jars as the single-node services (opensearch.sh / kafka.sh install them, cached), separate data dirs.
#
# Usage: deploy/local/cluster.sh up|down|status
#        deploy/local/cluster.sh kill NODE|start NODE     NODE = opensearch-1|opensearch-2|opensearch-manager|
#                                                                kafka-1|kafka-2|kafka-3
#        deploy/local/cluster.sh leader opensearch|kafka  prints the elected manager / active controller node
#
# Ports (every one configurable; the defaults are the single-node services' client ports and their neighbours):
#   AISLE_CLUSTER_OPENSEARCH_PORTS            9200,9201,9202  HTTP of opensearch-1, opensearch-2, opensearch-manager
#   AISLE_CLUSTER_OPENSEARCH_TRANSPORT_PORTS  9300,9301,9302
#   AISLE_CLUSTER_KAFKA_PORTS                 9092,9093,9094  client listeners of kafka-1..3
#   AISLE_CLUSTER_KAFKA_CONTROLLER_PORTS      9192,9193,9194
#   AISLE_CLUSTER_DIR                         $AISLE_SERVICES_DIR/cluster (data, logs, pid files)
# On the default ports `up` first stops the single-node OpenSearch and Kafka of `make services-up` (they hold 9200,
# 9300, 9092 and 9093); `make services-up` brings them back after `down`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=cluster
# A JVM restarting on a busy 2-core machine may need minutes; the single-node scripts' 120 s is too short here.
AISLE_WAIT_SECS="${AISLE_CLUSTER_WAIT_SECS:-300}"

# The install locations opensearch.sh and kafka.sh use (same variables, same defaults).
OS_VERSION="${AISLE_OPENSEARCH_VERSION:-2.19.6}"
OS_HOME="$AISLE_SERVICES_DIR/opensearch/opensearch-$OS_VERSION"
KAFKA_VERSION="${AISLE_KAFKA_VERSION:-4.4.0}"
KAFKA_LIBS="$AISLE_CACHE_DIR/kafka-$KAFKA_VERSION/libs"

CLUSTER_DIR="${AISLE_CLUSTER_DIR:-$AISLE_SERVICES_DIR/cluster}"
OS_NODES=(opensearch-1 opensearch-2 opensearch-manager)
OS_HEAPS=(512m 512m 256m)
KAFKA_NODES=(kafka-1 kafka-2 kafka-3)
KAFKA_HEAP="${AISLE_CLUSTER_KAFKA_HEAP:-384m}"
KAFKA_STOP_GRACE_SECS="${AISLE_CLUSTER_KAFKA_STOP_SECS:-8}"

# three_ports VARIABLE DEFAULT -> prints three port numbers (commas or spaces between them)
three_ports() {
  local value="${!1:-$2}" ports p
  read -r -a ports <<<"${value//,/ }"
  ((${#ports[@]} == 3)) || die "$1 must list three ports (got '$value')"
  for p in "${ports[@]}"; do
    [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "$1: '$p' is not a port number"
  done
  echo "${ports[@]}"
}
read -r -a OS_HTTP <<<"$(three_ports AISLE_CLUSTER_OPENSEARCH_PORTS '9200 9201 9202')"
read -r -a OS_TRANSPORT <<<"$(three_ports AISLE_CLUSTER_OPENSEARCH_TRANSPORT_PORTS '9300 9301 9302')"
read -r -a KAFKA_CLIENT <<<"$(three_ports AISLE_CLUSTER_KAFKA_PORTS '9092 9093 9094')"
read -r -a KAFKA_CONTROLLER <<<"$(three_ports AISLE_CLUSTER_KAFKA_CONTROLLER_PORTS '9192 9193 9194')"

node_dir() { echo "$CLUSTER_DIR/$1"; }
node_pid() { echo "$CLUSTER_DIR/run/$1.pid"; }
node_log() { echo "$CLUSTER_DIR/logs/$1.log"; }

# Index of NODE in its group (0..2) and its kind; dies on an unknown name.
node_index() {
  local i
  for i in 0 1 2; do
    [[ "$1" == "${OS_NODES[i]}" || "$1" == "${KAFKA_NODES[i]}" ]] && { echo "$i"; return 0; }
  done
  die "unknown node '$1' (expected one of: ${OS_NODES[*]} ${KAFKA_NODES[*]})"
}
node_kind() { [[ "$1" == opensearch-* ]] && echo opensearch || echo kafka; }

# Every node's command line holds its own directory (see pid_alive in lib.sh).
node_alive() { PROC_MATCH="$(node_dir "$1")/" pid_alive "$(node_pid "$1")"; }
node_pid_value() { if node_alive "$1"; then head -n 1 "$(node_pid "$1")"; else echo -; fi; }

csv_hosts() { local IFS=,; echo "$*"; }
os_urls() { local p out=(); for p in "${OS_HTTP[@]}"; do out+=("http://$AISLE_BIND:$p"); done; csv_hosts "${out[@]}"; }
kafka_bootstrap() { local p out=(); for p in "${KAFKA_CLIENT[@]}"; do out+=("$AISLE_BIND:$p"); done; csv_hosts "${out[@]}"; }

# -- OpenSearch ---------------------------------------------------------------------------------------------------

os_write_config() {
  local i="$1" name="${OS_NODES[$1]}" dir roles seeds p
  dir=$(node_dir "$name")
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  # The distribution's config (jvm.options, log4j2, keystore) with node-local paths: bin/opensearch runs in
  # OS_HOME, so its relative gc-log / heap-dump paths would otherwise be shared by every node.
  cp -r "$OS_HOME/config/." "$dir/config/"
  rm -f "$dir/config/jvm.options.d/"*.options
  sed -i -e "s|logs/gc.log|$dir/logs/gc.log|g" -e "s|logs/hs_err|$dir/logs/hs_err|g" \
    -e "s|HeapDumpPath=data|HeapDumpPath=$dir/data|" "$dir/config/jvm.options"
  printf -- '-Xms%s\n-Xmx%s\n' "${OS_HEAPS[i]}" "${OS_HEAPS[i]}" >"$dir/config/jvm.options.d/aisle-heap.options"
  roles="[cluster_manager, data, ingest]"
  ((i == 2)) && roles="[cluster_manager]"
  seeds=""
  for p in "${OS_TRANSPORT[@]}"; do seeds+="\"$AISLE_BIND:$p\", "; done
  cat >"$dir/config/opensearch.yml" <<YML
# Managed by deploy/local/cluster.sh -- node $name of the local aisle cluster.
cluster.name: aisle-cluster
node.name: $name
node.roles: $roles
path.data: $dir/data
path.logs: $dir/logs
network.host: $AISLE_BIND
http.port: ${OS_HTTP[i]}
transport.port: ${OS_TRANSPORT[i]}
discovery.seed_hosts: [${seeds%, }]
# Three manager-eligible nodes: any one may die and the other two still form a voting majority.
cluster.initial_cluster_manager_nodes: [${OS_NODES[0]}, ${OS_NODES[1]}, ${OS_NODES[2]}]
cluster.routing.allocation.disk.threshold_enabled: false
YML
  chown -R "$AISLE_SVC_USER:$AISLE_SVC_USER" "$dir"
}

os_start() {
  local i="$1" name="${OS_NODES[$1]}" dir
  dir=$(node_dir "$name")
  if node_alive "$name"; then log "$name already running (pid $(node_pid_value "$name"))"; return 0; fi
  port_free "${OS_HTTP[i]}" "$name HTTP" && port_free "${OS_TRANSPORT[i]}" "$name transport" || return 1
  os_write_config "$i"
  log "starting $name on http://$AISLE_BIND:${OS_HTTP[i]} (transport ${OS_TRANSPORT[i]}, heap ${OS_HEAPS[i]})"
  printf '\n===== %s starting %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$(node_log "$name")"
  spawn_as_svc "$dir" "$(node_log "$name")" "$(node_pid "$name")" \
    env OPENSEARCH_JAVA_HOME="$(java_home)" OPENSEARCH_TMPDIR="$dir/tmp" OPENSEARCH_PATH_CONF="$dir/config" \
    "$OS_HOME/bin/opensearch" -Epath.logs="$dir/logs"
}

# The node answers and sees an elected cluster manager.
os_node_ready() {
  curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$AISLE_BIND:${OS_HTTP[$1]}/_cluster/health?timeout=1s" \
    2>/dev/null | grep -q '^200$'
}

os_cluster_healthy() {
  curl -sS --max-time 5 "http://$AISLE_BIND:${OS_HTTP[0]}/_cluster/health?wait_for_nodes=3&wait_for_status=yellow&timeout=2s" \
    2>/dev/null | grep -Eq '"status":"(green|yellow)".*"number_of_nodes":3,'
}

# -- Kafka --------------------------------------------------------------------------------------------------------

kafka_write_config() {
  local i="$1" name="${KAFKA_NODES[$1]}" dir voters="" j
  dir=$(node_dir "$name")
  mkdir -p "$dir/data"
  for j in 0 1 2; do voters+="$((j + 1))@$AISLE_BIND:${KAFKA_CONTROLLER[j]},"; done
  cat >"$dir/server.properties" <<PROPS
# Managed by deploy/local/cluster.sh -- node $name of the local aisle cluster (KRaft, static quorum).
process.roles=broker,controller
node.id=$((i + 1))
controller.quorum.voters=${voters%,}
listeners=PLAINTEXT://$AISLE_BIND:${KAFKA_CLIENT[i]},CONTROLLER://$AISLE_BIND:${KAFKA_CONTROLLER[i]}
advertised.listeners=PLAINTEXT://$AISLE_BIND:${KAFKA_CLIENT[i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
unclean.leader.election.enable=false
# A dead broker is fenced (and its partitions get new leaders) after 3 s instead of 9 s.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
# A restarted broker gets its preferred leaderships back within seconds, not five minutes.
leader.imbalance.check.interval.seconds=10
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
  kafka_write_log_config "$dir/log4j2.xml"
  chown -R "$AISLE_SVC_USER:$AISLE_SVC_USER" "$dir"
}

kafka_write_log_config() {
  cat >"$1" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="STDOUT" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
  </Loggers>
</Configuration>
XML
}

java_bin() { echo "$(java_home)/bin/java"; }

# All three nodes share one cluster id, chosen once.
kafka_cluster_id() {
  local file="$CLUSTER_DIR/kafka-cluster-id"
  if [[ ! -s "$file" ]]; then
    bash "$HERE/kafka.sh" tool kafka.tools.StorageTool random-uuid >"$file.tmp" || die "StorageTool random-uuid failed"
    mv "$file.tmp" "$file"
  fi
  cat "$file"
}

kafka_format() {
  local name="$1" dir
  dir=$(node_dir "$name")
  [[ -f "$dir/data/meta.properties" ]] && return 0
  log "formatting KRaft storage of $name"
  as_svc "$(java_bin)" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$dir/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$dir/server.properties" \
    >>"$(node_log "$name")" 2>&1 || { show_log_tail "$(node_log "$name")" 30; die "StorageTool format failed for $name"; }
}

kafka_start() {
  local i="$1" name="${KAFKA_NODES[$1]}" dir log
  dir=$(node_dir "$name")
  log=$(node_log "$name")
  if node_alive "$name"; then log "$name already running (pid $(node_pid_value "$name"))"; return 0; fi
  port_free "${KAFKA_CLIENT[i]}" "$name client" && port_free "${KAFKA_CONTROLLER[i]}" "$name controller" || return 1
  kafka_write_config "$i"
  kafka_format "$name"
  log "starting $name on $AISLE_BIND:${KAFKA_CLIENT[i]} (controller ${KAFKA_CONTROLLER[i]}, heap $KAFKA_HEAP)"
  printf '\n===== %s starting %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  wc -l <"$log" >"$dir/log-offset"
  spawn_as_svc "$dir" "$log" "$(node_pid "$name")" \
    "$(java_bin)" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}

# The node logged "Kafka Server started" since its last start: it has joined the quorum and been unfenced.
kafka_node_ready() {
  local name="${KAFKA_NODES[$1]}" dir
  dir=$(node_dir "$name")
  port_open "${KAFKA_CLIENT[$1]}" || return 1
  awk -v from="$(cat "$dir/log-offset" 2>/dev/null || echo 0)" \
    'NR > from && /Kafka Server started/ {found = 1; exit} END {exit !found}' "$(node_log "$name")"
}

kafka_stop_all() {
  local name pids=() pid i alive
  for name in "${KAFKA_NODES[@]}"; do
    node_alive "$name" && pids+=("$(head -n 1 "$(node_pid "$name")")")
  done
  ((${#pids[@]})) || { log "kafka nodes are not running"; return 0; }
  # All at once: the last broker standing cannot finish a controlled shutdown without a controller majority.
  log "stopping kafka (pids ${pids[*]})"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < KAFKA_STOP_GRACE_SECS; i++)); do
    alive=0
    for pid in "${pids[@]}"; do if proc_alive "$pid"; then alive=1; fi; done
    ((alive)) || break
    sleep 1
  done
  for pid in "${pids[@]}"; do
    if proc_alive "$pid"; then warn "kafka pid $pid still alive after ${KAFKA_STOP_GRACE_SECS}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for name in "${KAFKA_NODES[@]}"; do rm -f "$(node_pid "$name")"; done
}

# The active controller's node id, from the KRaft quorum (MetadataQuorumCommand through any live broker).
kafka_leader_id() {
  local i out
  for i in 0 1 2; do
    port_open "${KAFKA_CLIENT[i]}" || continue
    out=$(bash "$HERE/kafka.sh" tool org.apache.kafka.tools.MetadataQuorumCommand \
      --bootstrap-server "$AISLE_BIND:${KAFKA_CLIENT[i]}" describe --status 2>/dev/null) || continue
    sed -n 's/^LeaderId:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$out" && return 0
  done
  return 1
}

# -- both ---------------------------------------------------------------------------------------------------------

# port_free PORT WHAT: fails (with who holds it) when something listens on PORT.
port_free() {
  port_open "$1" || return 0
  port_owner "$1" >&2
  warn "port $1 ($2) is in use; stop that process or choose other ports (AISLE_CLUSTER_*_PORTS)"
  return 1
}

# The single-node services hold 9200/9300 and 9092/9093: stop each one whose ports the cluster needs.
replace_single_nodes() {
  local os_single=("${AISLE_OPENSEARCH_PORT:-9200}" "${AISLE_OPENSEARCH_TRANSPORT_PORT:-9300}")
  local kafka_single=("${AISLE_KAFKA_PORT:-9092}" "${AISLE_KAFKA_CONTROLLER_PORT:-9093}")
  local ours=" ${OS_HTTP[*]} ${OS_TRANSPORT[*]} ${KAFKA_CLIENT[*]} ${KAFKA_CONTROLLER[*]} " p
  for p in "${os_single[@]}"; do
    if [[ "$ours" == *" $p "* ]]; then
      log "the cluster needs port $p: stopping the single-node OpenSearch (make services-up restores it)"
      bash "$HERE/opensearch.sh" down; break
    fi
  done
  for p in "${kafka_single[@]}"; do
    if [[ "$ours" == *" $p "* ]]; then
      log "the cluster needs port $p: stopping the single-node Kafka (make services-up restores it)"
      bash "$HERE/kafka.sh" down; break
    fi
  done
}

start_node() {
  local i
  i=$(node_index "$1")
  if [[ $(node_kind "$1") == opensearch ]]; then os_start "$i"; else kafka_start "$i"; fi
}

wait_node() {
  local i
  i=$(node_index "$1")
  if [[ $(node_kind "$1") == opensearch ]]; then
    wait_for "$1 joined the cluster" "$(node_log "$1")" "" os_node_ready "$i"
  else
    wait_for "$1 started and unfenced" "$(node_log "$1")" "" kafka_node_ready "$i"
  fi
}

cmd_up() {
  local t0=$SECONDS name failed=()
  mkdir -p "$CLUSTER_DIR/run" "$CLUSTER_DIR/logs"
  chmod 755 "$CLUSTER_DIR"
  bash "$HERE/opensearch.sh" install
  bash "$HERE/kafka.sh" install
  replace_single_nodes
  for name in "${OS_NODES[@]}" "${KAFKA_NODES[@]}"; do start_node "$name" || failed+=("$name(start)"); done
  ((${#failed[@]} == 0)) || die "could not start: ${failed[*]}"
  for name in "${OS_NODES[@]}" "${KAFKA_NODES[@]}"; do wait_node "$name" || failed+=("$name"); done
  wait_for "OpenSearch cluster of 3 nodes" "$(node_log opensearch-1)" "" os_cluster_healthy || failed+=(opensearch)
  ((${#failed[@]} == 0)) || die "not healthy: ${failed[*]} (logs in $CLUSTER_DIR/logs)"
  log "cluster up in $((SECONDS - t0))s"
  log "  AISLE_OPENSEARCH_URL=$(os_urls)"
  log "  AISLE_KAFKA_BOOTSTRAP=$(kafka_bootstrap)"
}

cmd_down() {
  local name
  kafka_stop_all
  for name in "${OS_NODES[@]}"; do PROC_MATCH="$(node_dir "$name")/" stop_pid "$(node_pid "$name")" "$name" 60; done
  log "cluster stopped (data kept in $CLUSTER_DIR; make services-up restarts the single-node services)"
}

cmd_kill() {
  local name="$1" pid
  node_index "$name" >/dev/null
  node_alive "$name" || { log "$name is not running"; return 0; }
  pid=$(head -n 1 "$(node_pid "$name")")
  log "SIGKILL $name (pid $pid)"
  kill -KILL "$pid"
  while proc_alive "$pid"; do sleep 0.1; done
  rm -f "$(node_pid "$name")"
}

cmd_start() {
  mkdir -p "$CLUSTER_DIR/run" "$CLUSTER_DIR/logs"
  start_node "$1"
  wait_node "$1" || die "$1 did not come back (log $(node_log "$1"))"
}

cmd_leader() {
  local url id
  case "${1:-}" in
    opensearch)
      local i
      for i in 0 1 2; do  # the first node that answers (a starting node's process runs before its HTTP does)
        node_alive "${OS_NODES[i]}" || continue
        curl -sS --max-time 5 "http://$AISLE_BIND:${OS_HTTP[i]}/_cat/nodes?h=name,cluster_manager" 2>/dev/null \
          | awk '$2 == "*" {print $1; found = 1} END {exit !found}' && return 0
      done
      die "no elected cluster manager"
      ;;
    kafka)
      id=$(kafka_leader_id) && [[ -n "$id" ]] || die "no active controller found"
      echo "kafka-$id"
      ;;
    *) die "usage: $0 leader opensearch|kafka" ;;
  esac
}

cmd_status() {
  local i name manager="" controller="" pid state role mark unhealthy=0
  manager=$(cmd_leader opensearch 2>/dev/null) || true
  controller=$(cmd_leader kafka 2>/dev/null) || true
  printf '%-20s %-8s %-6s %-36s %s\n' NODE PID STATE ROLE ELECTED
  for i in 0 1 2; do
    name=${OS_NODES[i]}; pid=$(node_pid_value "$name"); state=down; mark=""
    [[ "$pid" != - ]] && state=up
    [[ "$pid" != - ]] || unhealthy=1
    role="data, manager-eligible (:${OS_HTTP[i]})"
    ((i == 2)) && role="cluster-manager only (:${OS_HTTP[i]})"
    [[ "$name" == "$manager" ]] && mark="elected cluster manager"
    printf '%-20s %-8s %-6s %-36s %s\n' "$name" "$pid" "$state" "$role" "$mark"
  done
  for i in 0 1 2; do
    name=${KAFKA_NODES[i]}; pid=$(node_pid_value "$name"); state=down; mark=""
    [[ "$pid" != - ]] && state=up
    [[ "$pid" != - ]] || unhealthy=1
    [[ "$name" == "$controller" ]] && mark="active controller"
    printf '%-20s %-8s %-6s %-36s %s\n' "$name" "$pid" "$state" "broker+controller (:${KAFKA_CLIENT[i]})" "$mark"
  done
  echo "AISLE_OPENSEARCH_URL=$(os_urls)"
  echo "AISLE_KAFKA_BOOTSTRAP=$(kafka_bootstrap)"
  return "$unhealthy"
}

case "${1:-}" in
  up) need_root; take_lock cluster; cmd_up ;;
  down) need_root; take_lock cluster; cmd_down ;;
  kill) need_root; [[ -n "${2:-}" ]] || die "usage: $0 kill NODE"; cmd_kill "$2" ;;
  start) need_root; [[ -n "${2:-}" ]] || die "usage: $0 start NODE"; take_lock cluster; cmd_start "$2" ;;
  leader) cmd_leader "${2:-}" ;;
  status) cmd_status ;;
  *) die "usage: $0 up|down|status|kill NODE|start NODE|leader opensearch|kafka" ;;
esac
