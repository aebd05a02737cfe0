#!/usr/bin/env bash
# OpenSearch for aisle: single node on 127.0.0.1, HTTP only (the integ-test distribution has
# no security plugin), run as the unprivileged $AISLE_SVC_USER (OpenSearch refuses root).
#
# Where it comes from (Maven Central; no other download site is reachable here):
#   org.opensearch.distribution.integ-test-zip:opensearch:<v>:zip  core + transport-netty4 only
#   org.opensearch.plugin:lang-painless:<v> (+ painless-spi, antlr4, asm)  -> modules/lang-painless
#   org.opensearch.plugin:analysis-common:<v>                            -> modules/analysis-common
# The module dirs get a plugin-descriptor.properties (and painless' security policy) written
# here, the way the full distribution ships them. analysis-common provides synonym(_graph),
# (edge_)ngram, stemmer, lowercase, word_delimiter, ... ; it extends lang-painless.
#
# Usage: deploy/local/opensearch.sh up|down|status|verify|install|start|wait
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=opensearch

OS_VERSION="${AISLE_OPENSEARCH_VERSION:-2.19.6}"
OS_PORT="${AISLE_OPENSEARCH_PORT:-9200}"
OS_TRANSPORT_PORT="${AISLE_OPENSEARCH_TRANSPORT_PORT:-9300}"
OS_HEAP="${AISLE_OPENSEARCH_HEAP:-1g}"
OS_BASE="$AISLE_SERVICES_DIR/opensearch"
OS_HOME="$OS_BASE/opensearch-$OS_VERSION"
OS_CACHE="$AISLE_CACHE_DIR/opensearch-$OS_VERSION"
OS_PID="$AISLE_RUN_DIR/opensearch.pid"
OS_LOG="$AISLE_LOG_DIR/opensearch.log"   # console output; OpenSearch's own logs: $OS_BASE/logs
OS_URL="http://$AISLE_BIND:$OS_PORT"
# In both the bin/opensearch launcher's and the final java command line (see pid_alive in lib.sh).
PROC_MATCH="$OS_HOME"
# Bump when the install layout below changes, so existing installs are redone.
OS_LAYOUT=1

osq() { curl -sS --max-time 10 "$@"; }

fetch_artifacts() {
  if [[ -f "$OS_CACHE/.complete" ]]; then
    return 0
  fi
  log "fetching OpenSearch $OS_VERSION artifacts from Maven Central (cache $OS_CACHE)"
  mvn_fetch "$OS_CACHE/mvn-dist" "$OS_CACHE/dist" "
    <dependency><groupId>org.opensearch.distribution.integ-test-zip</groupId><artifactId>opensearch</artifactId>
      <version>$OS_VERSION</version><type>zip</type></dependency>" \
    || die "could not fetch org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip"
  # painless-spi's pom drags in the whole OpenSearch server; those jars are already in lib/
  # (and duplicates would trip OpenSearch's jar-hell check), so cut them off.
  mvn_fetch "$OS_CACHE/mvn-painless" "$OS_CACHE/lang-painless" "
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>lang-painless</artifactId><version>$OS_VERSION</version></dependency>
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>opensearch-scripting-painless-spi</artifactId><version>$OS_VERSION</version>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>" \
    || die "could not fetch org.opensearch.plugin:lang-painless:$OS_VERSION"
  mvn_fetch "$OS_CACHE/mvn-analysis" "$OS_CACHE/analysis-common" "
    <dependency><groupId>org.opensearch.plugin</groupId><artifactId>analysis-common</artifactId><version>$OS_VERSION</version>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>" \
    || die "could not fetch org.opensearch.plugin:analysis-common:$OS_VERSION"
  touch "$OS_CACHE/.complete"
}

# Print the first of the candidate classes that exists in the jar (names changed across 2.x/3.x).
plugin_class() {
  local jar="$1"; shift
  local c
  for c in "$@"; do
    if unzip -l "$jar" "${c//.//}.class" >/dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  die "none of $* found in $jar"
}

write_descriptor() {
  local dir="$1" name="$2" classname="$3" description="$4" extended="$5"
  cat >"$dir/plugin-descriptor.properties" <<PROPS
# Written by deploy/local/opensearch.sh (same fields as the distribution's module descriptor).
description=$description
version=$OS_VERSION
name=$name
classname=$classname
java.version=11
opensearch.version=$OS_VERSION
extended.plugins=$extended
has.native.controller=false
PROPS
}

install_modules() {
  local m="$OS_HOME/modules" cls
  rm -rf "$m/lang-painless" "$m/analysis-common"
  mkdir -p "$m/lang-painless" "$m/analysis-common"
  cp "$OS_CACHE"/lang-painless/*.jar "$m/lang-painless/"
  cp "$OS_CACHE"/analysis-common/analysis-common-"$OS_VERSION".jar "$m/analysis-common/"

  cls=$(plugin_class "$m/lang-painless/lang-painless-$OS_VERSION.jar" \
    org.opensearch.painless.PainlessModulePlugin org.opensearch.painless.PainlessPlugin)
  write_descriptor "$m/lang-painless" lang-painless "$cls" \
    "An easy, safe and fast scripting language for OpenSearch" ""
  # Painless compiles scripts to bytecode at runtime; this is its stock policy.
  cat >"$m/lang-painless/plugin-security.policy" <<'POLICY'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";

  // needed to find the classloader to load whitelisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
POLICY

  cls=$(plugin_class "$m/analysis-common/analysis-common-$OS_VERSION.jar" \
    org.opensearch.analysis.common.CommonAnalysisModulePlugin org.opensearch.analysis.common.CommonAnalysisPlugin)
  # extends lang-painless: the jar ships a PainlessExtension (analysis predicate scripts).
  write_descriptor "$m/analysis-common" analysis-common "$cls" \
    'Adds "built in" analyzers to OpenSearch.' lang-painless
}

svc_install() {
  ensure_svc_user
  command -v unzip >/dev/null || apt_ensure unzip
  command -v curl >/dev/null || apt_ensure curl
  local stamp="$OS_HOME/.aisle-installed" want="version=$OS_VERSION layout=$OS_LAYOUT"
  if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  fetch_artifacts
  log "installing OpenSearch $OS_VERSION into $OS_HOME"
  mkdir -p "$OS_BASE"
  rm -rf "$OS_HOME" "$OS_BASE/unpack.tmp"
  mkdir -p "$OS_BASE/unpack.tmp"
  unzip -q "$OS_CACHE/dist/opensearch-$OS_VERSION.zip" -d "$OS_BASE/unpack.tmp"
  mv "$OS_BASE/unpack.tmp/opensearch-$OS_VERSION" "$OS_HOME"
  rmdir "$OS_BASE/unpack.tmp"
  install_modules
  echo "$want" >"$stamp"
}

write_config() {
  mkdir -p "$OS_BASE/data" "$OS_BASE/logs" "$OS_BASE/tmp"
  cat >"$OS_HOME/config/opensearch.yml" <<YML
# Managed by deploy/local/opensearch.sh -- local/test node for aisle.
cluster.name: aisle-local
node.name: aisle-node-1
path.data: $OS_BASE/data
path.logs: $OS_BASE/logs
network.host: $AISLE_BIND
http.port: $OS_PORT
transport.port: $OS_TRANSPORT_PORT
discovery.type: single-node
# Dev/CI disks are often >90% full; do not flip indices to read-only because of that.
cluster.routing.allocation.disk.threshold_enabled: false
YML
  printf -- '-Xms%s\n-Xmx%s\n' "$OS_HEAP" "$OS_HEAP" >"$OS_HOME/config/jvm.options.d/aisle-heap.options"
  chown -R "$AISLE_SVC_USER:$AISLE_SVC_USER" "$OS_BASE"
}

# OpenSearch mmaps index files and warns below 262144 map areas (the kernel default is 65530).
# Best effort: in containers /proc/sys may be read-only, and a small test node works anyway.
raise_map_count() {
  local cur
  cur=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)
  if ((cur < 262144)); then
    sysctl -q -w vm.max_map_count=262144 2>/dev/null \
      && log "raised vm.max_map_count $cur -> 262144" \
      || warn "vm.max_map_count is $cur (< 262144) and could not be raised; fine for small test indices"
  fi
}

health_ok() {
  osq "$OS_URL/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

EXTERNAL=0
svc_start() {
  svc_install
  if pid_alive "$OS_PID"; then
    log "already running (pid $(head -n 1 "$OS_PID"), $OS_URL)"
    return 0
  fi
  if port_open "$OS_PORT"; then
    if health_ok; then
      log "an OpenSearch/Elasticsearch not managed by this script already answers on $OS_URL; using it"
      EXTERNAL=1
      return 0
    fi
    port_owner "$OS_PORT" >&2
    die "port $OS_PORT is in use by something that is not a healthy OpenSearch; set AISLE_OPENSEARCH_PORT or stop it"
  fi
  write_config
  raise_map_count
  local jh
  jh=$(java_home)
  log "starting on $OS_URL as $AISLE_SVC_USER (java $jh, heap $OS_HEAP, log $OS_LOG)"
  printf '\n===== %s starting OpenSearch %s =====\n' "$(date -u +%FT%TZ)" "$OS_VERSION" >>"$OS_LOG"
  spawn_as_svc "$OS_HOME" "$OS_LOG" "$OS_PID" \
    env OPENSEARCH_JAVA_HOME="$jh" OPENSEARCH_TMPDIR="$OS_BASE/tmp" OPENSEARCH_PATH_CONF="$OS_HOME/config" \
    "$OS_HOME/bin/opensearch"
}

check_modules() {
  local mods
  mods=$(osq "$OS_URL/_nodes/_local/plugins?filter_path=nodes.*.modules.name" | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' ')
  log "modules loaded: $mods"
  [[ " $mods " == *" analysis-common "* ]] || warn "analysis-common is NOT loaded: synonym/ngram/stemmer analyzers will be rejected"
}

svc_wait() {
  local pidfile="$OS_PID"
  # No liveness check for a server we did not start (or whose pidfile is gone).
  if ((EXTERNAL)) || [[ ! -f "$pidfile" ]]; then pidfile=""; fi
  wait_for "cluster health green/yellow at $OS_URL" "$OS_LOG" "$pidfile" health_ok || die "OpenSearch did not become healthy"
  check_modules
  log "healthy: $OS_URL"
}

svc_up() { svc_start; svc_wait; }

svc_down() {
  # SIGTERM makes OpenSearch shut down cleanly (flushes, releases node lock).
  stop_pid "$OS_PID" opensearch 90
}

svc_status() {
  health_ok || die "not healthy at $OS_URL"
  log "healthy at $OS_URL"
}

# Real use of analysis-common and painless: an index with synonym_graph + edge_ngram analyzers.
svc_verify() {
  svc_status
  local idx="aisle-selfcheck-$$" out
  osq -XDELETE "$OS_URL/$idx?ignore_unavailable=true" >/dev/null || true
  out=$(osq -XPUT "$OS_URL/$idx" -H 'Content-Type: application/json' -d '{
    "settings": {
      "number_of_shards": 1, "number_of_replicas": 0,
      "analysis": {
        "filter": {
          "aisle_synonyms": {"type": "synonym_graph", "synonyms": ["tv, television", "laptop, notebook"]},
          "aisle_stem": {"type": "stemmer", "language": "light_english"}
        },
        "tokenizer": {
          "aisle_edge": {"type": "edge_ngram", "min_gram": 2, "max_gram": 6, "token_chars": ["letter", "digit"]}
        },
        "analyzer": {
          "aisle_search": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "aisle_synonyms", "aisle_stem"]},
          "aisle_autocomplete": {"type": "custom", "tokenizer": "aisle_edge", "filter": ["lowercase"]}
        }
      }
    }}') || die "verify: index create request failed"
  [[ "$out" == *'"acknowledged":true'* ]] || die "verify: creating an index with synonym_graph/edge_ngram failed: $out"

  out=$(osq "$OS_URL/$idx/_analyze" -H 'Content-Type: application/json' -d '{"analyzer": "aisle_search", "text": "Cheap TV"}')
  [[ "$out" == *'"token":"television"'* && "$out" == *'"token":"tv"'* ]] || die "verify: synonym_graph did not expand tv: $out"
  log "synonym_graph ok: 'Cheap TV' -> $(grep -o '"token":"[^"]*"' <<<"$out" | cut -d'"' -f4 | tr '\n' ' ')"

  out=$(osq "$OS_URL/$idx/_analyze" -H 'Content-Type: application/json' -d '{"analyzer": "aisle_autocomplete", "text": "Kettle"}')
  [[ "$out" == *'"token":"ke"'* && "$out" == *'"token":"kettle"'* ]] || die "verify: edge_ngram tokenizer failed: $out"
  log "edge_ngram ok: 'Kettle' -> $(grep -o '"token":"[^"]*"' <<<"$out" | cut -d'"' -f4 | tr '\n' ' ')"

  osq -XDELETE "$OS_URL/$idx" >/dev/null || die "verify: deleting $idx failed"

  out=$(osq "$OS_URL/_scripts/painless/_execute" -H 'Content-Type: application/json' \
    -d '{"script": {"source": "params.a * params.b", "params": {"a": 6, "b": 7}}}')
  [[ "$out" == *'"result":"42"'* ]] || die "verify: painless script execution failed: $out"
  log "painless ok: 6*7 -> 42"
  log "verify ok"
}

dispatch "$@"
