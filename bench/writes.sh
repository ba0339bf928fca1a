#!/usr/bin/env bash
# Write speed of ddbsql against boto3 on a private DynamoDB Local and moto S3,
# as ratios measured in the same run (bench/writes_bench.py says what each
# measure does). Speed is never asserted by the test suite.
#
#   bench/writes.sh                      10,000 inserts, 1,000 updates, 1,000 S3 inserts
#   bench/writes.sh --items 2000 ...     other sizes (options go to writes_bench.py)
#
# Uses the ddbsql binary of the build tree ($DDBSQL_BUILD_DIR, default build/).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"
binary="$DDBSQL_BUILD_DIR/ddbsql"
[[ -x "$binary" ]] || ddb_die "no $binary: build first (scripts/setup.sh --build)"

instance="bench-writes-$$"
trap '"$DDBSQL_REPO/scripts/emulators.sh" stop "$instance" || true' EXIT
DDBSQL_EMULATORS_OWNER=$$ "$DDBSQL_REPO/scripts/emulators.sh" start "$instance"
eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$instance")"
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_EC2_METADATA_DISABLED=true

"$python" "$DDBSQL_REPO/bench/writes_bench.py" --dynamodb "$DDBSQL_TEST_DYNAMODB_URL" \
  --s3 "$DDBSQL_TEST_S3_URL" --ddbsql "$binary" "$@"
