# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; it defines
# variables and functions only and runs nothing.
#
# Every path can be moved with an environment variable, so a second checkout
# or a scratch build does not collide with the main one:
#   DDBSQL_CACHE      downloads, logs, emulator state   (default: REPO/.cache)
#   DDBSQL_BUILD_DIR  CMake build tree                  (default: REPO/build)
#   DDBSQL_JOBS       parallel build jobs               (default: 2)

DDBSQL_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DDBSQL_CACHE="${DDBSQL_CACHE:-$DDBSQL_REPO/.cache}"
DDBSQL_BUILD_DIR="${DDBSQL_BUILD_DIR:-$DDBSQL_REPO/build}"
DDBSQL_JOBS="${DDBSQL_JOBS:-2}"
DDBSQL_LOG_DIR="$DDBSQL_CACHE/logs"
DDBSQL_RUN_DIR="$DDBSQL_CACHE/run"

# DynamoDB Local ships inside this npm package (folder emulator/). The version
# is pinned so every machine tests against the same server.
DDBSQL_DDBLOCAL_PACKAGE="amplify-dynamodb-simulator"
DDBSQL_DDBLOCAL_VERSION="2.9.30"
DDBSQL_DDBLOCAL_DIR="$DDBSQL_CACHE/dynamodb-local/emulator"

# Prints a progress line on stderr, prefixed with the script's name.
ddb_say() {
  echo "$(basename "$0"): $*" >&2
}

# Prints an error on stderr and exits 1.
ddb_die() {
  echo "$(basename "$0"): error: $*" >&2
  exit 1
}

# Shows the part of LOG that explains a failure: from the first line that
# looks like an error (compilers, make and npm all say "error"), else its end.
ddb_show_log() {
  local log="$1" first
  [[ -s "$log" ]] || return 0
  first="$(grep -n -m1 -i -E '(^|[^a-z])error|undefined reference|multiple definition|fatal|not found|denied' \
    "$log" | cut -d: -f1 || true)"
  echo "----- $log -----" >&2
  if [[ -n "$first" ]]; then
    # A few lines before the first error give its context ("In function ...").
    tail -n "+$((first > 3 ? first - 3 : 1))" "$log" | head -n 60 >&2
  else
    tail -n 40 "$log" >&2
  fi
  echo "----- (full log: $log) -----" >&2
}

# Runs a command with all its output in LOG; on failure shows the log and
# returns the command's status. Standard input is /dev/null so nothing can
# wait for a terminal that CI does not have.
ddb_run_logged() {
  local log="$1"
  shift
  local rc=0
  mkdir -p "$(dirname "$log")"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  ((rc == 0)) && return 0
  echo "$(basename "$0"): error: '$*' failed with status $rc" >&2
  ddb_show_log "$log"
  return "$rc"
}

# Succeeds when PYTHON can import every module named after it. find_spec does
# not import, so this stays fast even for moto.
ddb_python_has() {
  local python="$1"
  shift
  "$python" - "$@" >/dev/null 2>&1 <<'EOF'
import importlib.util, sys
sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)
EOF
}

# Prints the path of the first Python that has boto3 and moto's server
# (flask): the one on PATH, else a pyenv one (in case PATH lacks pyenv's
# shims), else Debian's. Returns 1 if there is none.
ddb_find_python() {
  local candidate
  for candidate in python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if ddb_python_has "$candidate" boto3 moto flask flask_cors; then
      # The interpreter itself, not a pyenv shim: each start through a shim
      # costs a shell and a `pyenv exec`.
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

# Prints the major version of the `java` on PATH (8 for "1.8.0", 17 for
# "17.0.15"), or 0 when there is none.
ddb_java_major() {
  local line version
  if ! command -v java >/dev/null 2>&1; then
    echo 0
    return
  fi
  line="$(java -version 2>&1 | head -n 1)"
  version="$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$line")"
  version="${version#1.}"
  version="${version%%[.+-]*}"
  [[ "$version" =~ ^[0-9]+$ ]] && echo "$version" || echo 0
}

# For a bench script: starts private emulators (instance NAME-PID), stops them
# when the script exits (also on Ctrl-C and TERM), and exports their
# DDBSQL_TEST_DYNAMODB_URL and DDBSQL_TEST_S3_URL; loopback never goes
# through a proxy.
ddb_bench_emulators() {
  ddb_bench_instance="$1-$$"
  trap '"$DDBSQL_REPO/scripts/emulators.sh" stop "$ddb_bench_instance" || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  DDBSQL_EMULATORS_OWNER=$$ "$DDBSQL_REPO/scripts/emulators.sh" start "$ddb_bench_instance"
  eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$ddb_bench_instance")"
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
  export no_proxy="$NO_PROXY"
}
