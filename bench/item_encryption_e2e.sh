#!/usr/bin/env bash
# End to end over a table of the AWS DynamoDB Encryption Client: `SELECT
# count(*), sum(amount)` through ddbsql against boto3 + the format's Python
# reader, side by side on one DynamoDB Local (see bench/item_encryption_e2e.py).
#
#   bench/item_encryption_e2e.sh                      20,000 items, 3 rounds
#   bench/item_encryption_e2e.sh --items 5000 --reps 1   a quick look
#   bench/item_encryption_e2e.sh --ddbsql PATH        another ddbsql binary
#   bench/item_encryption_e2e.sh --compare PATH       an earlier build beside it
#
# Starts its own DynamoDB Local (stopped on exit); builds ddbsql if needed.
# Results: .cache/bench/item_encryption_e2e.json.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

ddbsql="$DDBSQL_BUILD_DIR/ddbsql"
args=()
while (($# > 0)); do
  case "$1" in
    --ddbsql)
      (($# >= 2)) || ddb_die "--ddbsql needs a value"
      ddbsql="$2"
      shift 2
      ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done
if [[ "$ddbsql" == "$DDBSQL_BUILD_DIR/ddbsql" ]]; then
  if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
    "$DDBSQL_REPO/scripts/setup.sh" --build
  else
    ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
      cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target ddbsql || ddb_die "build failed"
  fi
fi
python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh"

ddb_bench_emulators encbench

out="$DDBSQL_CACHE/bench/item_encryption_e2e.json"
mkdir -p "$(dirname "$out")"
"$python" "$DDBSQL_REPO/bench/item_encryption_e2e.py" --endpoint "$DDBSQL_TEST_DYNAMODB_URL" \
  --ddbsql "$ddbsql" --out "$out" "${args[@]}"
