#!/usr/bin/env bash
# Functional self-check of running services: SQL round trip (postgres), SET/GET (redis),
# synonym_graph + edge_ngram analyzers and a painless script (opensearch),
# topic create + produce + consume (kafka).
# Usage: deploy/local/verify.sh [postgres|redis|opensearch|kafka|s3|all ...]   (default: all)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SVC=verify
parse_services "$@"
failed=()
for s in "${SERVICES[@]}"; do
  "$HERE/$s.sh" verify || failed+=("$s")
done
((${#failed[@]} == 0)) || die "FAILED: ${failed[*]}"
log "all verified: ${SERVICES[*]}"
