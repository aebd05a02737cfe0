#!/usr/bin/env bash
# Health of the aisle backing services; exits non-zero if any is not healthy.
# Usage: deploy/local/status.sh [postgres|redis|opensearch|kafka|s3|all ...]   (default: all)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=status
parse_services "$@"
failed=()
for s in "${SERVICES[@]}"; do
  "$HERE/$s.sh" status || failed+=("$s")
done
((${#failed[@]} == 0)) || die "not healthy: ${failed[*]}"
