#!/usr/bin/env bash
# Install (if needed), start and health-check the aisle backing services on 127.0.0.1.
# Usage: deploy/local/up.sh [postgres|redis|opensearch|kafka|s3|all ...]   (default: all)
# Idempotent: services that are already running are left alone (a warm run takes seconds).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=up
need_root
parse_services "$@"
t0=$SECONDS
failed=()
started=()

# Phase 1: install one at a time (apt and Maven downloads; apt cannot run in parallel).
for s in "${SERVICES[@]}"; do
  t=$SECONDS
  if "$HERE/$s.sh" install; then
    (( SECONDS - t > 1 )) && log "$s install took $((SECONDS - t))s"
  else
    failed+=("$s(install)")
  fi
done

# Phase 2: launch everything without waiting, so the JVMs boot in parallel.
for s in "${SERVICES[@]}"; do
  [[ " ${failed[*]} " == *" $s("* ]] && continue
  if "$HERE/$s.sh" start; then started+=("$s"); else failed+=("$s(start)"); fi
done

# Phase 3: bounded health wait for each (each prints its log tail on failure).
for s in "${started[@]}"; do
  "$HERE/$s.sh" wait || failed+=("$s(health)")
done

if ((${#failed[@]})); then
  die "FAILED: ${failed[*]} -- logs in $AISLE_LOG_DIR (total $((SECONDS - t0))s)"
fi
log "all healthy: ${SERVICES[*]} (total $((SECONDS - t0))s)"
