#!/usr/bin/env bash
# Builds ddbsql, starts local emulators (DynamoDB Local, moto S3), loads demo
# data, and runs ddbsql against them. Arguments go to ddbsql unchanged:
#
#   scripts/demo.sh                                   interactive shell
#   scripts/demo.sh -c 'SELECT * FROM demo_table'     one statement, then exit
#
# Data: tables demo_table (every DynamoDB type) and my-table (pk S + sk N, 20
# items), bucket ddbsql-demo. Credentials: access key id `demo`, us-east-1.
# The emulators run in memory and are stopped when ddbsql exits; the exit
# status is ddbsql's. A second demo while one is open starts emulators of its
# own (instance demo-PID) and stops only those: it never touches the first.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The demo needs the shell only (the test suite builds the rest).
DDBSQL_BUILD_TARGET=ddbsql "$DDBSQL_REPO/scripts/setup.sh"
python="$(ddb_find_python)" || ddb_die "no Python with boto3 and moto: run scripts/setup.sh"

# One demo owns the instance "demo"; a second one while it runs gets its own.
instance="demo"
if "$DDBSQL_REPO/scripts/emulators.sh" status "$instance" >/dev/null 2>&1; then
  instance="demo-$$"
  ddb_say "another demo is running; starting emulators of this one's own ($instance)"
fi
export DDBSQL_EMULATORS_OWNER=$$
# Ctrl-C belongs to ddbsql (it cancels a query); this script only waits. A
# trap, unlike an ignored signal, is reset to the default in ddbsql.
trap ':' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The stop trap only once the emulators are this script's: a start that
# fails has stopped what it started itself (and a watchdog stops them if
# this script is killed in between).
"$DDBSQL_REPO/scripts/emulators.sh" start "$instance"
# The demo's S3 write ledger and schema cache are its own, gone with its
# emulators: never the user's ~/.local/state/ddbsql nor ~/.cache/ddbsql.
demo_state="$(mktemp -d "${TMPDIR:-/tmp}/ddbsql-demo.XXXXXX")"
trap '"$DDBSQL_REPO/scripts/emulators.sh" stop "$instance"; rm -rf "$demo_state"' EXIT
export XDG_STATE_HOME="$demo_state/state"
export XDG_CACHE_HOME="$demo_state/cache"
mkdir -p "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$instance")"

# Only the demo's settings: nothing from the user's AWS profile may point
# ddbsql elsewhere.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_ACCESS_KEY_ID=demo
export AWS_SECRET_ACCESS_KEY=demo
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_DYNAMODB="$DDBSQL_TEST_DYNAMODB_URL"
export AWS_ENDPOINT_URL_S3="$DDBSQL_TEST_S3_URL"
# moto answers STS on the same port: .whoami stays local too.
export AWS_ENDPOINT_URL_STS="$DDBSQL_TEST_S3_URL"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
# The password of web_pages' encrypted column (scripts/demo_catalog.json names it).
export DDBSQL_DEMO_PASSWORD=demo-password

ddb_run_logged "$DDBSQL_LOG_DIR/load_demo.log" \
  "$python" "$DDBSQL_REPO/scripts/load_demo.py" \
  --dynamodb "$AWS_ENDPOINT_URL_DYNAMODB" --s3 "$AWS_ENDPOINT_URL_S3" ||
  ddb_die "loading the demo data failed"

# The banner says what there is (asked of the emulators, so it stays true
# when load_demo.py loads more), how to begin and how to leave.
if (($# == 0)) && [[ -t 0 ]]; then
  tables="$("$DDBSQL_BUILD_DIR/ddbsql" -batch -list -c '.tables' 2>/dev/null | tr -s ' \n' ' ' || true)"
  objects="$("$python" - "$AWS_ENDPOINT_URL_S3" 2>/dev/null <<'EOF' || true
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
n = size = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="ddbsql-demo"):
    for o in page.get("Contents", []):
        n, size = n + 1, size + o["Size"]
print(f"{n} objects, {size} bytes")
EOF
)"
  cat >&2 <<EOF
demo: DynamoDB Local at $AWS_ENDPOINT_URL_DYNAMODB, S3 (moto) at $AWS_ENDPOINT_URL_S3
  DynamoDB tables:       ${tables:-none}
  S3 bucket ddbsql-demo: ${objects:-unknown}
  try:   SELECT * FROM demo_table;
         SELECT pk, sk, json_extract(item, '\$') FROM "my-table" LIMIT 5;
         .tables    .schema demo_table    .help
  web_pages is stored the pynamodb_mate way (HTML in S3, gzip, AES), read through
  scripts/demo_catalog.json:
         SELECT id, owner_email, note, length(html) FROM web_pages WHERE owner_email = 'ana@example.com';
  leave: .quit or Ctrl-D
EOF
fi

# A child, not exec: the EXIT trap must stop the emulators afterwards.
rc=0
"$DDBSQL_BUILD_DIR/ddbsql" --catalog "$DDBSQL_REPO/scripts/demo_catalog.json" "$@" || rc=$?
exit "$rc"
