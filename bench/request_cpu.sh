#!/usr/bin/env bash
# CPU per request of ddbsql's DynamoDB and S3 clients, and of whole INSERT
# statements through the binary, against a loopback responder that answers
# at once (its CPU is not counted). Speed is never asserted by the tests.
#
#   bench/request_cpu.sh                  10,000 requests of each kind
#   bench/request_cpu.sh --requests 2000  other options go to ddbsql_request_cpu
#
# Uses the build tree's binaries ($DDBSQL_BUILD_DIR, default build/).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

bench="$DDBSQL_BUILD_DIR/bench/ddbsql_request_cpu"
binary="$DDBSQL_BUILD_DIR/ddbsql"
[[ -x "$bench" ]] || ddb_die "no $bench: build first (cmake --build build --target ddbsql_request_cpu)"
args=()
[[ -x "$binary" ]] && args=(--ddbsql "$binary")
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$bench" "${args[@]}" "$@"
