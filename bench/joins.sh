#!/usr/bin/env bash
# Join suite: requests and read capacity of ddbsql's join plans against the
# cheapest hand-written plan, on a private DynamoDB Local (see bench/joins.py).
#
#   bench/joins.sh                 3,000 orders, 300 users, 300 customers
#   bench/joins.sh --scale 3       three times as many
#   bench/joins.sh --reps 5        wall time: median of 5 runs (default 3)
#
# Uses the ddbsql of the build tree ($DDBSQL_BUILD_DIR, default build/);
# build it first (scripts/test.sh or cmake --build build --target ddbsql).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

ddbsql="$DDBSQL_BUILD_DIR/ddbsql"
[[ -x "$ddbsql" ]] || ddb_die "no $ddbsql: build it first"
python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"

instance="bench-joins-$$"
stop_emulators() { "$DDBSQL_REPO/scripts/emulators.sh" stop "$instance" || true; }
trap stop_emulators EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
DDBSQL_EMULATORS_OWNER=$$ "$DDBSQL_REPO/scripts/emulators.sh" start "$instance"
eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$instance")"
"$python" "$DDBSQL_REPO/bench/joins.py" --endpoint "$DDBSQL_TEST_DYNAMODB_URL" \
  --ddbsql "$ddbsql" "$@"
