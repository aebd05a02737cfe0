#!/usr/bin/env bash
# An S3-compatible object store for aisle's distributed blob store: S3Proxy (Apache-2.0) from Maven Central
# (org.gaul:s3proxy, the jar-with-dependencies build) on the filesystem backend, run as the unprivileged
# $AISLE_SVC_USER on 127.0.0.1. Credentials are fixed local test values (see S3_IDENTITY/S3_CREDENTIAL).
# Usage: deploy/local/s3.sh up|down|status|verify|install|start|wait
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=s3
PROC_MATCH=s3proxy   # see pid_alive in lib.sh

S3PROXY_VERSION="${AISLE_S3PROXY_VERSION:-2.6.0}"
S3_PORT="${AISLE_S3_PORT:-9000}"
S3_HEAP="${AISLE_S3_HEAP:-256m}"
S3_IDENTITY="${AISLE_S3_ACCESS_KEY:-aisle}"
S3_CREDENTIAL="${AISLE_S3_SECRET_KEY:-aisle-local-secret}"
S3_BASE="$AISLE_SERVICES_DIR/s3"
S3_DATA="$S3_BASE/data"
S3_CONF="$S3_BASE/s3proxy.conf"
S3_JAR_DIR="$AISLE_CACHE_DIR/s3proxy-$S3PROXY_VERSION"
S3_JAR="$S3_JAR_DIR/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
S3_PID="$AISLE_RUN_DIR/s3.pid"
S3_LOG="$AISLE_LOG_DIR/s3.log"
S3_URL="http://$AISLE_BIND:$S3_PORT"

svc_install() {
  ensure_svc_user
  [[ -s "$S3_JAR" ]] && return 0
  log "fetching org.gaul:s3proxy:$S3PROXY_VERSION:jar-with-dependencies from Maven Central (into $S3_JAR_DIR)"
  mkdir -p "$S3_JAR_DIR"
  (cd "$S3_JAR_DIR" && mvn_run "$S3_JAR_DIR/mvn.log" "$AISLE_MVN_DEP_PLUGIN:copy" \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" -DoutputDirectory="$S3_JAR_DIR") \
    || die "could not fetch org.gaul:s3proxy:$S3PROXY_VERSION"
  [[ -s "$S3_JAR" ]] || die "Maven did not leave $S3_JAR"
}

write_config() {
  install -d -o "$AISLE_SVC_USER" -g "$AISLE_SVC_USER" -m 755 "$S3_BASE" "$S3_DATA"
  cat >"$S3_CONF" <<PROPS
# Managed by deploy/local/s3.sh -- local S3-compatible server for aisle's tests and distributed shape.
s3proxy.endpoint=$S3_URL
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_IDENTITY
s3proxy.credential=$S3_CREDENTIAL
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_DATA
PROPS
  chown "$AISLE_SVC_USER:$AISLE_SVC_USER" "$S3_CONF"
  chmod 600 "$S3_CONF"
}

# Any S3 XML answer (an anonymous request is refused with an <Error>) means the server is up.
answers() { curl -s --max-time 3 "$S3_URL/" | grep -q -e '<Error>' -e 'ListAllMyBucketsResult'; }

EXTERNAL=0
svc_start() {
  svc_install
  if pid_alive "$S3_PID"; then
    log "already running (pid $(head -n 1 "$S3_PID"), $S3_URL)"
    return 0
  fi
  if port_open "$S3_PORT"; then
    if answers; then
      log "an S3 server not managed by this script already answers on $S3_URL; using it"
      EXTERNAL=1
      return 0
    fi
    port_owner "$S3_PORT" >&2
    die "port $S3_PORT is in use by something that is not S3; set AISLE_S3_PORT or stop it"
  fi
  write_config
  log "starting S3Proxy $S3PROXY_VERSION on $S3_URL as $AISLE_SVC_USER (heap $S3_HEAP, data $S3_DATA, log $S3_LOG)"
  printf '\n===== %s starting S3Proxy %s =====\n' "$(date -u +%FT%TZ)" "$S3PROXY_VERSION" >>"$S3_LOG"
  spawn_as_svc "$S3_BASE" "$S3_LOG" "$S3_PID" \
    "$(java_home)/bin/java" -Xmx"$S3_HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
    -jar "$S3_JAR" --properties "$S3_CONF"
}

svc_wait() {
  local pidfile="$S3_PID"
  if ((EXTERNAL)) || [[ ! -f "$pidfile" ]]; then pidfile=""; fi
  wait_for "S3Proxy on $S3_URL" "$S3_LOG" "$pidfile" answers || die "S3Proxy did not become ready"
  log "healthy: $S3_URL (access key $S3_IDENTITY)"
}

svc_up() { svc_start; svc_wait; }

svc_down() { stop_pid "$S3_PID" s3proxy 30; }

svc_status() {
  answers || die "not healthy at $S3_URL"
  log "healthy at $S3_URL"
}

svc_verify() {
  svc_status
  # A signed round trip needs a client; the Python one the tests use is the honest check.
  local py="${AISLE_PYTHON:-$HERE/../../.venv/bin/python}"
  [[ -x "$py" ]] || { warn "verify: no $py with boto3 (run make lint first); checked the port only"; return 0; }
  "$py" - "$S3_URL" "$S3_IDENTITY" "$S3_CREDENTIAL" <<'PY' || die "verify: bucket/object round trip failed"
import sys, uuid
import boto3
from botocore.config import Config
url, key, secret = sys.argv[1:4]
cfg = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required")
s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret,
                  region_name="us-east-1", config=cfg)
bucket = f"aisle-selfcheck-{uuid.uuid4().hex[:12]}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="hello", Body=b"aisle")
assert s3.get_object(Bucket=bucket, Key="hello")["Body"].read() == b"aisle"
s3.delete_object(Bucket=bucket, Key="hello")
s3.delete_bucket(Bucket=bucket)
PY
  log "verify ok: bucket create, PUT/GET/DELETE object"
}

dispatch "$@"
