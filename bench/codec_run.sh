#!/usr/bin/env bash
# Codec columns against a pynamodb_mate-style loop, side by side in one run
# (see bench/codec_bench.py for what is measured):
#
#   bench/codec_run.sh                          1,000 items (ratio), 10,000 (RSS)
#   bench/codec_run.sh --items 200 --rss-items 0 --reps 1   a quick look
#
# Loopback and 10 ms per request (--latency-ms 0,10, the rig's C++ proxy),
# median of 3, each side's wall time and CPU. Other arguments go to
# codec_bench.py (--html-bytes B, --reps R, --latency-ms L,...). Starts its own
# DynamoDB Local (stopped on exit); S3 is the rig's in-memory server
# (build/bench/ddbsql_s3_server); builds ddbsql and the rig.
# Results: .cache/bench/codec.json and codec.txt.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
  "$DDBSQL_REPO/scripts/setup.sh" --build
else
  ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
    cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" \
    --target ddbsql ddbsql_s3_server ddbsql_latency_proxy || ddb_die "build failed"
fi
python="$(ddb_find_python)" || ddb_die "no Python with boto3 and moto found: run scripts/setup.sh"

ddb_bench_emulators codecbench

out="$DDBSQL_CACHE/bench/codec.json"
mkdir -p "$(dirname "$out")"
"$python" "$DDBSQL_REPO/bench/codec_bench.py" --dynamodb "$DDBSQL_TEST_DYNAMODB_URL" \
  --ddbsql "$DDBSQL_BUILD_DIR/ddbsql" --out "$out" "$@" |
  tee "${out%.json}.txt"
