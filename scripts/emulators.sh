#!/usr/bin/env bash
# Starts and stops the local emulators the tests and the demo talk to:
# DynamoDB Local (in memory, one database per access key id and region) and
# moto_server for S3, each on a free loopback port.
#
#   scripts/emulators.sh start [NAME]    start both, wait until they answer
#   scripts/emulators.sh env [NAME]      print `export DDBSQL_TEST_..._URL=...` lines
#   scripts/emulators.sh status [NAME]   say whether they run
#   scripts/emulators.sh stop [NAME]     stop them (idempotent; with
#                                        DDBSQL_EMULATORS_OWNER set, only the
#                                        owner's own instance)
#   scripts/emulators.sh stop --all      stop every instance under .cache/run/
#
# NAME (default "default") keeps concurrent users apart: state and logs live in
# .cache/run/NAME/. Each emulator runs in its own process group, recorded in
# .cache/run/NAME/emulators.env, so `stop` ends exactly those processes. A
# watchdog stops them as well once the owner process exits, even if it was
# killed without running its trap: the owner is DDBSQL_EMULATORS_OWNER if set,
# else the process that ran `start`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kReadyTimeoutSeconds="${DDBSQL_EMULATORS_TIMEOUT:-60}"
kStopGraceSeconds=10

instance_dir() { echo "$DDBSQL_RUN_DIR/$1"; }
state_file() { echo "$DDBSQL_RUN_DIR/$1/emulators.env"; }

# Succeeds while any process of the group is alive. Zombies do not count: an
# init that never reaps them must not make `stop` wait forever.
group_alive() {
  local pgid="$1" f stat fields
  [[ "$pgid" =~ ^[0-9]+$ ]] || return 1
  kill -0 -- "-$pgid" 2>/dev/null || return 1
  for f in /proc/[0-9]*/stat; do
    # `read`, not $(<file): under set -e bash exits when $(<file) cannot open
    # a process that just went away.
    read -r stat 2>/dev/null <"$f" || continue
    stat="${stat##*) }" # after the command name: state ppid pgrp ...
    read -r -a fields <<<"$stat"
    [[ "${fields[2]}" == "$pgid" && "${fields[0]}" != Z ]] && return 0
  done
  return 1
}

# Sends SIGTERM to each group, waits, then SIGKILLs what is left.
kill_groups() {
  local pgid waited=0 alive
  for pgid in "$@"; do
    [[ "$pgid" =~ ^[0-9]+$ ]] && kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  while :; do
    alive=()
    for pgid in "$@"; do
      group_alive "$pgid" && alive+=("$pgid")
    done
    ((${#alive[@]} == 0)) && return 0
    if ((waited >= kStopGraceSeconds * 5)); then
      for pgid in "${alive[@]}"; do
        kill -KILL -- "-$pgid" 2>/dev/null || true
      done
      return 0
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
}

# Stops instance NAME from its state file; nothing to do if there is none.
stop_instance() {
  local name="$1" file
  file="$(state_file "$name")"
  [[ -f "$file" ]] || return 0
  local EMU_DYNAMODB_PGID="" EMU_S3_PGID="" EMU_WATCHDOG_PGID="" EMU_OWNER_PID=""
  # shellcheck disable=SC1090
  source "$file"
  # An owner stops only its own instance: never one another live process
  # started (a second demo or test run with the same NAME).
  if [[ -n "${DDBSQL_EMULATORS_OWNER:-}" && -n "$EMU_OWNER_PID" &&
    "$EMU_OWNER_PID" != "$DDBSQL_EMULATORS_OWNER" ]] && kill -0 "$EMU_OWNER_PID" 2>/dev/null; then
    ddb_say "not stopping emulator instance '$name': it belongs to process $EMU_OWNER_PID"
    return 0
  fi
  kill_groups "$EMU_DYNAMODB_PGID" "$EMU_S3_PGID"
  # The watchdog runs `stop` itself; it must not kill its own group.
  if [[ -z "${DDBSQL_EMULATORS_WATCHDOG:-}" && -n "$EMU_WATCHDOG_PGID" ]]; then
    kill_groups "$EMU_WATCHDOG_PGID"
  fi
  rm -f "$file"
}

# Writes the state file atomically from the EMU_* and URL variables in scope.
write_state() {
  local file tmp
  file="$(state_file "$name")"
  tmp="$file.tmp.$$"
  {
    echo "# Written by scripts/emulators.sh; read by its stop and env commands."
    echo "EMU_OWNER_PID=$owner"
    echo "EMU_WATCHDOG_PGID=${watchdog_pgid:-}"
    echo "EMU_DYNAMODB_PGID=${pgid[dynamodb]:-}"
    echo "EMU_S3_PGID=${pgid[s3]:-}"
    [[ -n "${ready[dynamodb]:-}" ]] && echo "DDBSQL_TEST_DYNAMODB_URL=http://127.0.0.1:${port[dynamodb]}"
    [[ -n "${ready[s3]:-}" ]] && echo "DDBSQL_TEST_S3_URL=http://127.0.0.1:${port[s3]}"
  } >"$tmp"
  mv -f "$tmp" "$file"
}

# Prints a port that was free on 127.0.0.1 a moment ago.
free_port() {
  "$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Starts emulator KIND (dynamodb or s3) in a new session, so that its process
# group id is its pid, on a fresh port; records both.
launch() {
  local kind="$1" log="$dir/$1.log" p
  p="$(free_port)"
  port[$kind]="$p"
  case "$kind" in
    dynamodb)
      (cd "$dir" && exec setsid java -Xmx2g \
        "-Djava.library.path=$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal_lib" \
        -jar "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal.jar" \
        -inMemory -disableTelemetry -port "$p") >"$log" 2>&1 </dev/null &
      ;;
    s3)
      (cd "$dir" && exec setsid "$python" -m moto.server -H 127.0.0.1 -p "$p") \
        >"$log" 2>&1 </dev/null &
      ;;
  esac
  pgid[$kind]=$!
  write_state
  # Until setsid has run, the child is still in our group and a kill of its
  # group would miss it; wait for that (a few milliseconds).
  local stat fields
  for _ in $(seq 50); do
    read -r stat 2>/dev/null <"/proc/${pgid[$kind]}/stat" || return 0
    stat="${stat##*) }"
    read -r -a fields <<<"$stat"
    [[ "${fields[2]:-}" == "${pgid[$kind]}" ]] && return 0
    sleep 0.02
  done
}

# Waits until emulator KIND answers HTTP 200, or its process exits, or the
# timeout passes. Prints the reason on failure.
wait_ready() {
  local kind="$1"
  "$python" - "$kind" "http://127.0.0.1:${port[$kind]}" "${pgid[$kind]}" "$kReadyTimeoutSeconds" <<'EOF'
import sys, time, urllib.error, urllib.request

kind, url, pid, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
# Never through a proxy from the environment: the emulator is on loopback.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + timeout
last = "no answer yet"

def alive():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

while time.monotonic() < deadline:
    if not alive():
        print(f"the {kind} emulator exited")
        sys.exit(2)
    if kind == "dynamodb":
        # DynamoDB Local wants an Authorization header to pick its database;
        # it does not check the signature.
        req = urllib.request.Request(url + "/", data=b"{}", method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Authorization": "AWS4-HMAC-SHA256 Credential=ready/20200101/us-east-1/"
                             "dynamodb/aws4_request, SignedHeaders=host, Signature=00",
        })
    else:
        req = urllib.request.Request(url + "/")
    try:
        with opener.open(req, timeout=2) as resp:
            if resp.status == 200:
                sys.exit(0)
            last = f"HTTP {resp.status}"
    except urllib.error.HTTPError as e:
        last = f"HTTP {e.code}"
    except Exception as e:  # refused or reset while it starts
        last = str(e)
    time.sleep(0.2)
print(f"the {kind} emulator did not answer at {url} within {timeout:g} s ({last})")
sys.exit(1)
EOF
}

start_instance() {
  local name="$1"
  local owner="${DDBSQL_EMULATORS_OWNER:-$PPID}"
  local dir
  dir="$(instance_dir "$name")"

  [[ -f "$DDBSQL_DDBLOCAL_DIR/DynamoDBLocal.jar" ]] ||
    ddb_die "DynamoDB Local is not in $DDBSQL_DDBLOCAL_DIR: run scripts/setup.sh --deps"
  (($(ddb_java_major) >= 11)) || ddb_die "DynamoDB Local needs Java 11 or newer: run scripts/setup.sh --deps"
  command -v setsid >/dev/null 2>&1 || ddb_die "setsid (util-linux) not found"
  local python
  python="$(ddb_find_python)" ||
    ddb_die "no Python with boto3 and moto[server] found: run scripts/setup.sh --deps"

  # A state file left behind is either another live user's, or leftovers.
  local file
  file="$(state_file "$name")"
  if [[ -f "$file" ]]; then
    local other
    other="$(sed -n 's/^EMU_OWNER_PID=//p' "$file")"
    if [[ -n "$other" && "$other" != "$owner" ]] && kill -0 "$other" 2>/dev/null; then
      ddb_die "emulator instance '$name' is in use by process $other; pick another NAME"
    fi
    stop_instance "$name"
  fi
  mkdir -p "$dir"

  local -A port=() pgid=() ready=()
  local watchdog_pgid=""
  write_state
  # The watchdog re-runs this script's `stop` once the owner is gone and the
  # state file is still there (a clean stop removes it and the watchdog).
  DDBSQL_EMULATORS_WATCHDOG=1 setsid bash -c '
    while kill -0 "$1" 2>/dev/null && [ -f "$2" ]; do sleep 1; done
    [ -f "$2" ] && exec "$3" stop "$4"' \
    watchdog "$owner" "$file" "$DDBSQL_REPO/scripts/emulators.sh" "$name" \
    >"$dir/watchdog.log" 2>&1 </dev/null &
  watchdog_pgid=$!
  write_state

  launch dynamodb
  launch s3
  local kind attempt why
  for kind in dynamodb s3; do
    for attempt in 1 2 3; do
      if why="$(wait_ready "$kind")"; then
        ready[$kind]=1
        write_state
        break
      fi
      # Another process may have taken the port between our probe and the
      # emulator's bind: try a new one.
      if ((attempt < 3)) && grep -q -i -E 'address already in use|BindException' "$dir/$kind.log"; then
        kill_groups "${pgid[$kind]}"
        launch "$kind"
        continue
      fi
      echo "$(basename "$0"): error: $why" >&2
      echo "----- last lines of $dir/$kind.log -----" >&2
      tail -n 25 "$dir/$kind.log" >&2 || true
      echo "-----" >&2
      stop_instance "$name"
      exit 1
    done
  done
}

print_env() {
  local name="$1" file
  file="$(state_file "$name")"
  [[ -f "$file" ]] || ddb_die "emulator instance '$name' is not running (no $file)"
  local DDBSQL_TEST_DYNAMODB_URL="" DDBSQL_TEST_S3_URL=""
  # shellcheck disable=SC1090
  source "$file"
  [[ -n "$DDBSQL_TEST_DYNAMODB_URL" && -n "$DDBSQL_TEST_S3_URL" ]] ||
    ddb_die "emulator instance '$name' did not finish starting"
  echo "export DDBSQL_TEST_DYNAMODB_URL=$DDBSQL_TEST_DYNAMODB_URL"
  echo "export DDBSQL_TEST_S3_URL=$DDBSQL_TEST_S3_URL"
}

print_status() {
  local name="$1" file
  file="$(state_file "$name")"
  if [[ ! -f "$file" ]]; then
    echo "$name: stopped"
    return 1
  fi
  local EMU_DYNAMODB_PGID="" EMU_S3_PGID="" DDBSQL_TEST_DYNAMODB_URL="" DDBSQL_TEST_S3_URL=""
  # shellcheck disable=SC1090
  source "$file"
  local d="down" s="down"
  group_alive "$EMU_DYNAMODB_PGID" && d="up"
  group_alive "$EMU_S3_PGID" && s="up"
  echo "$name: dynamodb $d ${DDBSQL_TEST_DYNAMODB_URL:-}, s3 $s ${DDBSQL_TEST_S3_URL:-}"
  [[ "$d" == up && "$s" == up ]]
}

main() {
  local command="${1:-}" name="${2:-default}"
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ || "$name" == --all ]] || ddb_die "bad instance name '$name'"
  case "$command" in
    start) start_instance "$name" ;;
    stop)
      if [[ "$name" == --all ]]; then
        local f
        for f in "$DDBSQL_RUN_DIR"/*/emulators.env; do
          [[ -f "$f" ]] && stop_instance "$(basename "$(dirname "$f")")"
        done
      else
        stop_instance "$name"
      fi
      ;;
    env) print_env "$name" ;;
    status) print_status "$name" ;;
    *) ddb_die "usage: $(basename "$0") start|stop|env|status [NAME]" ;;
  esac
}

main "$@"
