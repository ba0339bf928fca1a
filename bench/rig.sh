#!/usr/bin/env bash
# The latency rig's own speed, so that a bench on it measures the client, not
# the rig: build/bench/ddbsql_http_load (C++, epoll, keep-alive connections)
# against build/bench/ddbsql_s3_server directly and through
# build/bench/ddbsql_latency_proxy, on this machine's cores:
#
#   bench/rig.sh [--seconds S]
#
#   S3 GET of 64 KB, 16 connections          (goal: at least 2,000 a second)
#   S3 PUT of 64 KB, 16 connections
#   proxy, no delay, GET of 0 bytes, 64 connections    (goal: at least 5,000 a second)
#   proxy, 10 ms, GET of 0 bytes, 128 connections      (at most 12,800 a second)
#
# Each line is the load generator's JSON plus the CPU seconds the server and
# the proxy used (ps), and the machine's load average.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

seconds=5
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) ddb_die "usage: bench/rig.sh [--seconds S]" ;;
  esac
done

ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" cmake --build "$DDBSQL_BUILD_DIR" \
  -j "$DDBSQL_JOBS" --target ddbsql_s3_server ddbsql_latency_proxy ddbsql_http_load ||
  ddb_die "build failed"
bin="$DDBSQL_BUILD_DIR/bench"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
tmp="$(mktemp -d)"
trap 'cleanup; rm -rf "$tmp"' EXIT

# Starts a rig binary (in this shell: it exits when its parent does); sets
# port (the first line it prints) and pid.
start() {
  local out="$tmp/$1.$RANDOM"
  "$bin/$1" "${@:2}" >"$out" &
  pid=$!
  pids+=("$pid")
  until [[ -s "$out" ]]; do
    kill -0 "$pid" 2>/dev/null || ddb_die "$1 did not start"
    sleep 0.05
  done
  port="$(head -1 "$out")"
}

cpu_of() { # user+sys seconds of a process
  awk -v hz="$(getconf CLK_TCK)" '{ split($0, a, ") "); split(a[2], f, " ");
    printf "%.2f", (f[12] + f[13]) / hz }' "/proc/$1/stat"
}

start ddbsql_s3_server
s3_pid="$pid"
s3="http://127.0.0.1:$port"
curl -sf -X PUT "$s3/rig" >/dev/null
head -c 65536 /dev/urandom >"$tmp/object"
curl -sf -T "$tmp/object" "$s3/rig/object" >/dev/null
curl -sf -X PUT --data-binary '' "$s3/rig/empty" >/dev/null

measure() { # LABEL PID-OF-THE-RIG-PROCESS LOAD-ARGS...
  local label="$1" pid="$2" before after result
  shift 2
  before="$(cpu_of "$pid")"
  result="$("$bin/ddbsql_http_load" "$@" --seconds "$seconds")"
  after="$(cpu_of "$pid")"
  echo "$label: $result, rig process CPU $(awk -v a="$before" -v b="$after" \
    'BEGIN { printf "%.2f", b - a }') s"
}

uptime
measure "S3 GET 64 KB, 16 connections" "$s3_pid" "$s3/rig/object" --connections 16 \
  --expect-bytes 65536
measure "S3 PUT 64 KB, 16 connections" "$s3_pid" "$s3/rig/put" --connections 16 --put-bytes 65536
for delay in 0 10; do
  start ddbsql_latency_proxy "$s3" --delay-ms "$delay"
  connections=$((delay ? 128 : 64))
  measure "proxy ($delay ms) GET 0 bytes, $connections connections" "$pid" \
    "http://127.0.0.1:$port/rig/empty" --connections "$connections" --expect-bytes 0
  measure "proxy ($delay ms) GET 64 KB, 16 connections" "$pid" \
    "http://127.0.0.1:$port/rig/object" --connections 16 --expect-bytes 65536
done
uptime
