#!/usr/bin/env bash
# Reading a table's S3 export: ddbsql's dynamodb_export against boto3 + gzip
# + json reading the same files in a loop, on a generated export in a
# private moto S3, in one run (bench/export_bench.py says what is measured).
# Speed is never asserted by the test suite.
#
#   bench/export.sh                        1,000,000 items in 64 files
#   bench/export.sh --items 100000 ...     other sizes (options go to export_bench.py)
#
# Uses the ddbsql binary of the build tree ($DDBSQL_BUILD_DIR, default build/).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"
binary="$DDBSQL_BUILD_DIR/ddbsql"
[[ -x "$binary" ]] || ddb_die "no $binary: build first (scripts/setup.sh --build)"

ddb_bench_emulators bench-export
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_EC2_METADATA_DISABLED=true

"$python" "$DDBSQL_REPO/bench/export_bench.py" --s3 "$DDBSQL_TEST_S3_URL" --ddbsql "$binary" "$@"
