#!/usr/bin/env bash
# Write speed of ddbsql against boto3 on a private DynamoDB Local and the
# rig's in-memory S3 server (build/bench/ddbsql_s3_server), as ratios measured
# in the same run, on loopback and at 10 ms per request (the rig's C++ proxy),
# median of 3, each side's wall time and CPU, and ddbsql's peak RSS for a
# 10,000-item INSERT with a 64 KB S3 column (bench/writes_bench.py says what
# each measure does). Speed is never asserted by the test suite.
#
#   bench/writes.sh                      10,000 inserts, 1,000 updates, 1,000 S3 inserts
#   bench/writes.sh --latency-ms 0,5,25  other latencies
#   bench/writes.sh --items 2000 ...     other sizes (options go to writes_bench.py)
#
# Builds ddbsql and the rig in the build tree ($DDBSQL_BUILD_DIR, default build/).
# Results: .cache/bench/writes.json and writes.txt.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"
binary="$DDBSQL_BUILD_DIR/ddbsql"
[[ -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]] || "$DDBSQL_REPO/scripts/setup.sh" --build
ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" cmake --build "$DDBSQL_BUILD_DIR" \
  -j "$DDBSQL_JOBS" --target ddbsql ddbsql_s3_server ddbsql_latency_proxy || ddb_die "build failed"

ddb_bench_emulators bench-writes
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_EC2_METADATA_DISABLED=true

out="$DDBSQL_CACHE/bench/writes.json"
mkdir -p "$(dirname "$out")"
"$python" "$DDBSQL_REPO/bench/writes_bench.py" --dynamodb "$DDBSQL_TEST_DYNAMODB_URL" \
  --ddbsql "$binary" --out "$out" "$@" | tee "${out%.json}.txt"
