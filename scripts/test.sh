#!/usr/bin/env bash
# Builds ddbsql and runs the whole test suite against local emulators:
#
#   scripts/test.sh               everything
#   scripts/test.sh -R Sigv4      extra arguments go to ctest
#   CI=true scripts/test.sh       also builds ddbsql in Release and Debug with
#                                 warnings as errors and runs each fuzz target
#                                 for a few seconds (what .ci/run does)
#
# Installs what is missing (scripts/setup.sh), starts DynamoDB Local and moto
# S3 on free loopback ports, runs ctest with DDBSQL_TEST_DYNAMODB_URL,
# DDBSQL_TEST_S3_URL and DDBSQL_REQUIRE_EMULATORS=1 (an integration test that
# cannot reach them fails instead of skipping), and stops the emulators on
# any exit. The exit status is ctest's.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The project's own build treats warnings as errors (a user's build does not).
DDBSQL_WERROR=ON "$DDBSQL_REPO/scripts/setup.sh"

# In CI (CI=true) the binary must also build clean in Release and Debug, as a
# packager or a developer builds it: only the ddbsql target, without the
# tests (BUILD_TESTING=OFF: the runtime libraries alone), into trees of their
# own inside the build folder (ci-release/, ci-debug/).
if [[ "${CI:-}" == true ]]; then
  launcher=""
  command -v ccache >/dev/null 2>&1 && launcher=ccache
  for type in Release Debug; do
    dir="$DDBSQL_BUILD_DIR/ci-${type,,}"
    ddb_say "building ddbsql in $type with warnings as errors ($dir)"
    ddb_run_logged "$DDBSQL_LOG_DIR/configure-${type,,}.log" \
      cmake -S "$DDBSQL_REPO" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DDDBSQL_WERROR=ON \
      -DBUILD_TESTING=OFF ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} ||
      ddb_die "configuring the $type build failed"
    ddb_run_logged "$DDBSQL_LOG_DIR/build-${type,,}.log" \
      cmake --build "$dir" -j "$DDBSQL_JOBS" --target ddbsql ||
      ddb_die "the $type build failed"
  done
fi

# In CI the fuzz targets (fuzz/, scripts/fuzz.sh) run for a few seconds each
# after replaying their committed seeds and regression inputs
# (DDBSQL_CI_FUZZ_SECONDS, default 5; 0 skips them).
if [[ "${CI:-}" == true && "${DDBSQL_CI_FUZZ_SECONDS:-5}" != 0 ]]; then
  ddb_say "running the fuzz targets for ${DDBSQL_CI_FUZZ_SECONDS:-5} s each"
  "$DDBSQL_REPO/scripts/fuzz.sh" "${DDBSQL_CI_FUZZ_SECONDS:-5}" || ddb_die "a fuzz target failed"
fi

instance="test"
export DDBSQL_EMULATORS_OWNER=$$
trap '"$DDBSQL_REPO/scripts/emulators.sh" stop "$instance"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$DDBSQL_REPO/scripts/emulators.sh" start "$instance"
eval "$("$DDBSQL_REPO/scripts/emulators.sh" env "$instance")"
export DDBSQL_REQUIRE_EMULATORS=1
export DDBSQL_SOURCE_DIR="$DDBSQL_REPO"
# The Python with boto3 (for cross-checks) that also runs tests/fault_proxy.py.
DDBSQL_PYTHON="$(ddb_find_python)" || ddb_die "no Python with boto3 and moto: run scripts/setup.sh"
export DDBSQL_PYTHON

# Tests are hermetic: no AWS setting of the caller leaks in, and nothing may
# try the instance metadata service (a non-loopback address).
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_EC2_METADATA_DISABLED=true
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# ctest runs in its own process group so that a timeout or an interrupt can
# end it together with every test process it started. Per-test timeouts come
# from CMake (gtest cases: 300 s); the deadline bounds the whole run.
limit="${DDBSQL_TEST_TIMEOUT:-2400}"
expired="$DDBSQL_RUN_DIR/$instance/deadline-expired"
rm -f "$expired"
setsid ctest --test-dir "$DDBSQL_BUILD_DIR" --output-on-failure -j "$DDBSQL_JOBS" \
  --timeout 900 "$@" &
ctest_pid=$!
setsid bash -c 'sleep "$1"
  echo "test.sh: error: the tests took longer than $1 s; stopping them" >&2
  touch "$3"; kill -TERM -- "-$2"; sleep 30; kill -KILL -- "-$2"' \
  deadline "$limit" "$ctest_pid" "$expired" </dev/null &
deadline_pid=$!

interrupted=0
forward() {
  interrupted="$2"
  kill "-$1" -- "-$ctest_pid" 2>/dev/null || true
}
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
trap 'forward HUP 129' HUP

rc=0
while :; do
  wait "$ctest_pid" && rc=0 || rc=$?
  # A trapped signal ends `wait` early; the trap passed it on to ctest, so
  # wait again until ctest itself is gone (127: it was reaped already).
  ((rc != 127)) && kill -0 "$ctest_pid" 2>/dev/null || break
done
kill -TERM -- "-$deadline_pid" 2>/dev/null || true
((interrupted)) && exit "$interrupted"
[[ -f "$expired" ]] && exit 124
exit "$rc"
