#!/usr/bin/env bash
# Kafka for aisle: a single-node KRaft broker+controller on 127.0.0.1, built from the
# org.apache.kafka:kafka_2.13 jars on Maven Central (no tarball download site is reachable),
# run as the unprivileged $AISLE_SVC_USER.
# Usage: deploy/local/kafka.sh up|down|status|verify|install|start|wait
#        deploy/local/kafka.sh tool CLASS ARGS...   (run a Kafka CLI class with the same classpath,
#                                                   e.g. org.apache.kafka.tools.TopicCommand --list ...)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=kafka
PROC_MATCH=kafka.Kafka   # see pid_alive in lib.sh

KAFKA_VERSION="${AISLE_KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${AISLE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${AISLE_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${AISLE_KAFKA_HEAP:-512m}"
KAFKA_BASE="$AISLE_SERVICES_DIR/kafka"
KAFKA_DATA="$KAFKA_BASE/data"
KAFKA_CONF="$KAFKA_BASE/config"
KAFKA_LIBS="$AISLE_CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_PID="$AISLE_RUN_DIR/kafka.pid"
KAFKA_LOG="$AISLE_LOG_DIR/kafka.log"
KAFKA_BOOTSTRAP="$AISLE_BIND:$KAFKA_PORT"
# Versions of the logging backend added to Kafka's own runtime deps (the binary tarball
# ships the same pair: slf4j 2 API + log4j2 binding).
SLF4J_VERSION=2.0.17
LOG4J_VERSION=2.25.5

svc_install() {
  ensure_svc_user
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    return 0
  fi
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central (into $KAFKA_LIBS)"
  # kafka-tools brings TopicCommand / console producer+consumer; its connect-runtime dep
  # (Jetty, Jersey, ...) is only needed by Connect tooling, so leave it out.
  mvn_fetch "$AISLE_CACHE_DIR/kafka-$KAFKA_VERSION/mvn" "$KAFKA_LIBS.new" "
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version>
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>" \
    || die "could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies"
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.new" "$KAFKA_LIBS"
  touch "$KAFKA_LIBS/.complete"
}

write_config() {
  mkdir -p "$KAFKA_CONF" "$KAFKA_DATA"
  cat >"$KAFKA_CONF/server.properties" <<PROPS
# Managed by deploy/local/kafka.sh -- single-node KRaft (combined broker+controller) for aisle.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$AISLE_BIND:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$AISLE_BIND:$KAFKA_PORT,CONTROLLER://$AISLE_BIND:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$AISLE_BIND:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
# One broker: every internal topic must have replication factor 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
# Consumers in tests should not sit 3 s waiting for more group members.
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  cat >"$KAFKA_CONF/log4j2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.controller" level="INFO"/>
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
  </Loggers>
</Configuration>
XML
  write_tool_config
  chown -R "$AISLE_SVC_USER:$AISLE_SVC_USER" "$KAFKA_BASE"
}

# Config for the CLI tools (also usable before the broker was ever started here).
write_tool_config() {
  mkdir -p "$KAFKA_CONF"
  cat >"$KAFKA_CONF/tools-log4j2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDERR" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="STDERR"/></Root></Loggers>
</Configuration>
XML
  # Fail health probes in seconds, not after the admin client's default 60 s.
  cat >"$KAFKA_CONF/admin-probe.properties" <<'PROPS'
request.timeout.ms=5000
default.api.timeout.ms=8000
PROPS
}

java_bin() { echo "$(java_home)/bin/java"; }

# Short-lived CLI JVM: small heap, C1 only (starts faster). Bounded by TOOL_TIMEOUT seconds:
# admin clients otherwise retry for a minute against a port that is not Kafka.
TOOL_TIMEOUT=60
kafka_tool() {
  [[ -f "$KAFKA_CONF/admin-probe.properties" ]] || write_tool_config
  timeout "$TOOL_TIMEOUT" "$(java_bin)" -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto -Dlog4j2.shutdownHookEnabled=false \
    -Dlog4j2.configurationFile="$KAFKA_CONF/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" "$@"
}

format_storage() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local cluster_id
  cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
  log "formatting KRaft storage in $KAFKA_DATA (cluster id $cluster_id)"
  as_svc "$(java_bin)" -Xmx256m -Dlog4j2.configurationFile="$KAFKA_CONF/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONF/server.properties" \
    >>"$KAFKA_LOG" 2>&1 || { show_log_tail "$KAFKA_LOG" 50; die "StorageTool format failed"; }
}

# The health probe gets AISLE_KAFKA_PROBE_TIMEOUT (60 s): on a heavily loaded machine the probe's own JVM may need
# 20 s or more just to start, and a healthy broker was then reported down.
topics_list() {
  TOOL_TIMEOUT="${AISLE_KAFKA_PROBE_TIMEOUT:-60}" kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" --list \
    --command-config "$KAFKA_CONF/admin-probe.properties"
}

EXTERNAL=0
svc_start() {
  svc_install
  if pid_alive "$KAFKA_PID"; then
    log "already running (pid $(head -n 1 "$KAFKA_PID"), $KAFKA_BOOTSTRAP)"
    return 0
  fi
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    if port_open "$KAFKA_PORT" && topics_list >/dev/null 2>&1; then
      log "a Kafka not managed by this script already answers on $KAFKA_BOOTSTRAP; using it"
      EXTERNAL=1
      return 0
    fi
    port_owner "$KAFKA_PORT" >&2; port_owner "$KAFKA_CONTROLLER_PORT" >&2
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is in use by something else; set AISLE_KAFKA_PORT/AISLE_KAFKA_CONTROLLER_PORT or stop it"
  fi
  write_config
  format_storage
  log "starting on $KAFKA_BOOTSTRAP (controller :$KAFKA_CONTROLLER_PORT) as $AISLE_SVC_USER (heap $KAFKA_HEAP, log $KAFKA_LOG)"
  printf '\n===== %s starting Kafka %s =====\n' "$(date -u +%FT%TZ)" "$KAFKA_VERSION" >>"$KAFKA_LOG"
  spawn_as_svc "$KAFKA_BASE" "$KAFKA_LOG" "$KAFKA_PID" \
    "$(java_bin)" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF/server.properties"
}

svc_wait() {
  local pidfile="$KAFKA_PID"
  # No liveness check for a server we did not start (or whose pidfile is gone).
  if ((EXTERNAL)) || [[ ! -f "$pidfile" ]]; then pidfile=""; fi
  wait_for "Kafka listener on $KAFKA_BOOTSTRAP" "$KAFKA_LOG" "$pidfile" port_open "$KAFKA_PORT" \
    || die "Kafka did not open its port"
  # A real client round trip (metadata request); one JVM per attempt, so poll with a short loop.
  wait_for "Kafka TopicCommand --list" "$KAFKA_LOG" "$pidfile" topics_list || die "Kafka is not answering admin requests"
  log "healthy: bootstrap.servers=$KAFKA_BOOTSTRAP"
}

svc_up() { svc_start; svc_wait; }

svc_down() {
  # SIGTERM triggers Kafka's controlled shutdown hook.
  stop_pid "$KAFKA_PID" kafka 60
}

svc_status() {
  port_open "$KAFKA_PORT" && topics_list >/dev/null 2>&1 || die "not healthy at $KAFKA_BOOTSTRAP"
  log "healthy at $KAFKA_BOOTSTRAP"
}

svc_verify() {
  svc_status
  local topic="aisle-selfcheck-$$-$RANDOM" msg="hello-aisle-$RANDOM" got
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null || die "verify: topic create failed"
  echo "$msg" | kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --topic "$topic" || die "verify: produce failed"
  got=$(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --topic "$topic" --from-beginning --max-messages 1 --timeout-ms 30000 2>/dev/null) || true
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --delete --topic "$topic" >/dev/null || warn "verify: deleting topic $topic failed"
  [[ "$got" == "$msg" ]] || die "verify: consumed '$got', expected '$msg'"
  log "verify ok: created $topic, produced and consumed '$msg', deleted it"
}

if [[ "${1:-}" == tool ]]; then
  shift
  kafka_tool "$@"
  exit
fi
dispatch "$@"
