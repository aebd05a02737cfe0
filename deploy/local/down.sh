#!/usr/bin/env bash
# Stop the aisle backing services started by up.sh. Idempotent: stopping a stopped
# service is a no-op. Data is kept (see README: remove $AISLE_SERVICES_DIR to reset).
# Usage: deploy/local/down.sh [postgres|redis|opensearch|kafka|s3|all ...]   (default: all)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=down
need_root
parse_services "$@"
failed=()
# Reverse start order.
for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
  s=${SERVICES[i]}
  "$HERE/$s.sh" down || failed+=("$s")
done
((${#failed[@]} == 0)) || die "FAILED to stop: ${failed[*]}"
log "stopped: ${SERVICES[*]}"
