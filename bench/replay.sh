#!/usr/bin/env bash
# Measures ddbsql's client-side read speed and memory against a loopback
# server that replays recorded-style Scan pages (bench/replay_server.py), so
# that the client's own costs are what is timed, next to boto3's paginator.
# Speed is never asserted by the test suite; this is where it is watched.
#
#   bench/replay.sh                  build if needed, 1,000,000 items, 3 repetitions
#   bench/replay.sh --items 200000   a quicker run
#
# Options:
#   --items N           items per scan (default 1000000)
#   --reps R            repetitions of each measurement, median kept (default 3)
#   --server-processes K  processes per replay server (default 1)
#   --no-boto3          skip the boto3 peer
#   --no-build          use the ddbsql already in the build tree
#   --ddbsql PATH       measure this ddbsql binary (implies not building)
#   --out FILE          JSON results (default .cache/bench/replay.json; the
#                       printed report also goes to .cache/bench/replay.txt)
#
# Targets (reported, not asserted): >= 500,000 items per CPU-second of the
# client, peak RSS < 100 MB for 1,000,000 items. See bench/replay.py.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

items=1000000
reps=3
processes=1
boto3=1
build=1
ddbsql=""
out="$DDBSQL_CACHE/bench/replay.json"
while (($# > 0)); do
  case "$1" in
    --items | --reps | --server-processes | --ddbsql | --out)
      (($# >= 2)) || ddb_die "$1 needs a value"
      case "$1" in
        --items) items="$2" ;;
        --reps) reps="$2" ;;
        --server-processes) processes="$2" ;;
        --ddbsql) ddbsql="$2" ;;
        --out) out="$2" ;;
      esac
      shift 2
      ;;
    --no-boto3) boto3=0 && shift ;;
    --no-build) build=0 && shift ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) ddb_die "unknown argument '$1' (try --help)" ;;
  esac
done
for n in "$items" "$reps" "$processes"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || ddb_die "'$n' is not a positive whole number"
done

if ((build)) && [[ -z "$ddbsql" ]]; then
  if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
    "$DDBSQL_REPO/scripts/setup.sh" --build
  else
    ddb_say "building ddbsql in $DDBSQL_BUILD_DIR"
    ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
      cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target ddbsql ||
      ddb_die "build failed"
  fi
fi
ddbsql="${ddbsql:-$DDBSQL_BUILD_DIR/ddbsql}"
[[ -x "$ddbsql" ]] || ddb_die "no ddbsql binary at $ddbsql (drop --no-build, or pass --ddbsql)"

python="$(ddb_find_python)" || ddb_die "no Python with boto3 found: run scripts/setup.sh --deps"
args=(--ddbsql "$ddbsql" --items "$items" --reps "$reps" --server-processes "$processes"
  --out "$out")
((boto3)) || args+=(--no-boto3)
mkdir -p "$(dirname "$out")"
# The servers are children of replay.py, stopped when it ends.
"$python" "$DDBSQL_REPO/bench/replay.py" "${args[@]}" | tee "${out%.json}.txt"
