#!/usr/bin/env bash
# Measures ddbsql's speed side by side with its peers (boto3, the AWS CLI) on
# one private DynamoDB Local, and reports ratios. Speed is never asserted by
# the test suite; this is where it is watched.
#
#   bench/run.sh                     build if needed, 100,000 items, 3 repetitions
#   bench/run.sh --items 20000       a quicker run (about 2 minutes on 2 cores)
#
# Options:
#   --items M         items in the scanned table (default 100000, ~200 bytes each)
#   --gets N          GetItem lookups per run (default 1000)
#   --reps R          repetitions of each measurement, median kept (default 3)
#   --load-workers W  loader processes (default 4)
#   --no-cli          skip the AWS CLI peer
#   --no-decode       skip the C++ decode micro-benchmark
#   --no-build        use the binaries already in the build tree
#   --ddbsql PATH     measure this ddbsql binary (implies not building ddbsql)
#   --out FILE        JSON results (default .cache/bench/latest.json; the
#                     printed report also goes to .cache/bench/latest.txt)
#
# What it does: builds the ddbsql and ddbsql_decode_bench targets
# (scripts/setup.sh --build when the build tree is not configured yet; the
# tree is $DDBSQL_BUILD_DIR, default build/), starts its own emulator
# instance (scripts/emulators.sh, stopped on exit however the script ends),
# then bench/bench.py loads the table with boto3 and runs, on that same
# DynamoDB Local:
#   - GetItem by key: N `SELECT * FROM t WHERE pk = 'kI';` in one
#     `ddbsql -batch FILE` (raw, and net of the start-up measured with an
#     empty FILE) versus a boto3 get_item loop;
#   - full scan: `ddbsql -c "SELECT count(*) FROM t"` (automatic segments and
#     --parallel 1, and count(item) for whole items) versus boto3's Scan
#     paginator and `aws dynamodb scan --select COUNT`; CPU time and peak RSS
#     of each client;
#   - decode: items/s of one ~1 MB Scan page decoded in memory, per path.
# The emulator shares the machine's cores with the clients: ratios compare
# the clients on equal terms, absolute numbers say little about AWS.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

items=100000
gets=1000
reps=3
workers=4
cli=1
decode=1
build=1
ddbsql=""
out="$DDBSQL_CACHE/bench/latest.json"
while (($# > 0)); do
  case "$1" in
    --items | --gets | --reps | --load-workers | --ddbsql | --out)
      (($# >= 2)) || ddb_die "$1 needs a value"
      case "$1" in
        --items) items="$2" ;;
        --gets) gets="$2" ;;
        --reps) reps="$2" ;;
        --load-workers) workers="$2" ;;
        --ddbsql) ddbsql="$2" ;;
        --out) out="$2" ;;
      esac
      shift 2
      ;;
    --no-cli) cli=0 && shift ;;
    --no-decode) decode=0 && shift ;;
    --no-build) build=0 && shift ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) ddb_die "unknown argument '$1' (try --help)" ;;
  esac
done
for n in "$items" "$gets" "$reps" "$workers"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || ddb_die "'$n' is not a positive whole number"
done

# ---- build ----
decode_bench="$DDBSQL_BUILD_DIR/bench/ddbsql_decode_bench"
if ((build)); then
  if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
    "$DDBSQL_REPO/scripts/setup.sh" --build
  else
    targets=()
    [[ -z "$ddbsql" ]] && targets+=(ddbsql)
    ((decode)) && targets+=(ddbsql_decode_bench)
    if ((${#targets[@]} > 0)); then
      ddb_say "building ${targets[*]} in $DDBSQL_BUILD_DIR"
      ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
        cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target "${targets[@]}" ||
        ddb_die "build failed"
    fi
  fi
fi
ddbsql="${ddbsql:-$DDBSQL_BUILD_DIR/ddbsql}"
[[ -x "$ddbsql" ]] || ddb_die "no ddbsql binary at $ddbsql (drop --no-build, or pass --ddbsql)"
ddbsql="$(cd "$(dirname "$ddbsql")" && pwd)/$(basename "$ddbsql")"
decode_args=()
if ((decode)); then
  if [[ -x "$decode_bench" ]]; then
    decode_args=(--decode-bench "$decode_bench")
  else
    ddb_say "no $decode_bench (is libbenchmark-dev installed?): decode benchmark skipped"
  fi
fi
cli_args=()
((cli)) || cli_args=(--no-cli)

python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"

# ---- emulator: our own instance, stopped however we exit ----
instance="bench-$$"
# Its logs are kept only when something went wrong.
stop_emulators() {
  local rc=$?
  "$DDBSQL_REPO/scripts/emulators.sh" stop "$instance" || true
  if ((rc == 0)); then
    rm -rf "${DDBSQL_RUN_DIR:?}/$instance"
  else
    ddb_say "emulator logs: $DDBSQL_RUN_DIR/$instance/"
  fi
}
trap stop_emulators EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ddb_say "starting DynamoDB Local (instance $instance)"
DDBSQL_EMULATORS_OWNER=$$ "$DDBSQL_REPO/scripts/emulators.sh" start "$instance"
eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$instance")"

# ---- measure ----
mkdir -p "$(dirname "$out")"
report="${out%.json}.txt"
server="$(sed -n 's/^Version:[[:space:]]*//p' "$DDBSQL_RUN_DIR/$instance/dynamodb.log" | head -n 1)"
server="${server:-?} (npm $DDBSQL_DDBLOCAL_PACKAGE@$DDBSQL_DDBLOCAL_VERSION)"
"$python" "$DDBSQL_REPO/bench/bench.py" --server-version "$server" \
  --endpoint "$DDBSQL_TEST_DYNAMODB_URL" --ddbsql "$ddbsql" "${decode_args[@]}" \
  --items "$items" --gets "$gets" --reps "$reps" --load-workers "$workers" "${cli_args[@]}" \
  --out "$out" | tee "$report"
