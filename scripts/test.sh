#!/usr/bin/env bash
# Builds ddbsql and runs the whole test suite against local emulators:
#
#   scripts/test.sh               everything
#   scripts/test.sh -R Sigv4      extra arguments go to ctest
#   scripts/test.sh --sanitize [-R Sigv4]
#                                 the tests built with AddressSanitizer and
#                                 UndefinedBehaviorSanitizer (build/sanitize/)
#                                 instead: the unit tests and the integration
#                                 tests that run the binary
#   CI=true scripts/test.sh       builds the suite in Release (warnings are
#                                 errors in every build here), and after it
#                                 runs the sanitizer pass, a Debug build, and
#                                 each fuzz target for a few seconds (what
#                                 .ci/run does)
#
# Installs what is missing (scripts/setup.sh), starts DynamoDB Local and moto
# S3 on free loopback ports, runs ctest with DDBSQL_TEST_DYNAMODB_URL,
# DDBSQL_TEST_S3_URL and DDBSQL_REQUIRE_EMULATORS=1 (an integration test that
# cannot reach them fails instead of skipping), and stops the emulators on
# any exit. The exit status is ctest's.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --sanitize: the sanitizer pass alone; CI: the suite, then the sanitizer pass.
plain=1 sanitize=0
if [[ "${1:-}" == --sanitize ]]; then
  plain=0 sanitize=1
  shift
fi
[[ "${CI:-}" == true ]] && sanitize=1
# What the sanitizer pass leaves out unless -R/-E say otherwise: the format
# check (no binary), the clone test (it builds a tree of its own) and the
# memory bounds (peak RSS under ASan is its shadow and quarantine).
kSanitizeExclude='^(clang_format|clone_test|memory_test)$'
# CI's sanitizer pass (after the whole suite has passed unsanitized) also
# leaves out the slowest end-to-end tests, whose code paths the unit tests and
# the remaining end-to-end tests (reads, writes, codecs, SQL files, joins)
# already take under the sanitizers: the differential corpus, the crash matrix,
# the shell in tmux, and the tests that spend their time in the AWS CLI. This
# keeps CI near 20 minutes on 2 cores; `scripts/test.sh --sanitize` runs all.
kSanitizeExcludeCi='^(clang_format|clone_test|memory_test|differential_test|crash_test|shell_test|repl_test|writes_repl_test|ledger_repl_test|golden_test|cli_test|cli_emulators_test|credentials_test|credentials_role_test)$'

# In CI (CI=true) the binary must build clean in Release and Debug, as a
# packager or a developer builds it. The suite's own build is the Release one
# there (DDBSQL_BUILD_TYPE, read by setup.sh), and the Debug build is
# the sanitizer build (a Debug build with warnings as errors, the tests and
# the sanitizers besides): a third build would cost CI minutes for nothing.
if [[ "${CI:-}" == true ]]; then
  export DDBSQL_BUILD_TYPE=Release
fi

# The project's own build treats warnings as errors (a user's build does not).
# The sanitizer pass alone needs the packages, not the ordinary build.
if ((plain)); then
  DDBSQL_WERROR=ON "$DDBSQL_REPO/scripts/setup.sh"
else
  "$DDBSQL_REPO/scripts/setup.sh" --deps
fi

# The sanitizer build: ddbsql and the unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (any finding ends the process with an error), a
# Debug build (assertions on) at -O0 -g1 (half the build time of -O2 -g;
# reports keep file and line), in a tree of its own.
sanitize_dir="$DDBSQL_BUILD_DIR/sanitize"
if ((sanitize)); then
  launcher=""
  command -v ccache >/dev/null 2>&1 && launcher=ccache
  started=$SECONDS
  ddb_say "building ddbsql and the tests with ASan and UBSan ($sanitize_dir)"
  ddb_run_logged "$DDBSQL_LOG_DIR/configure-sanitize.log" \
    cmake -S "$DDBSQL_REPO" -B "$sanitize_dir" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DDDBSQL_WERROR=ON \
    -DDDBSQL_SANITIZE=address,undefined ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} ||
    ddb_die "configuring the sanitizer build failed"
  ddb_run_logged "$DDBSQL_LOG_DIR/build-sanitize.log" \
    cmake --build "$sanitize_dir" -j "$DDBSQL_JOBS" --target ddbsql ddbsql_tests ||
    ddb_die "the sanitizer build failed"
  ddb_say "sanitizer build: $((SECONDS - started)) s"
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
# from CMake (gtest cases: 300 s); the deadline bounds each run.
limit="${DDBSQL_TEST_TIMEOUT:-2400}"
expired="$DDBSQL_RUN_DIR/$instance/deadline-expired"
interrupted=0
forward() {
  interrupted="$2"
  kill "-$1" -- "-$ctest_pid" 2>/dev/null || true
}

# run_ctest BUILD_DIR [ctest arguments]: its status in `rc`.
run_ctest() {
  local dir="$1"
  shift
  rm -f "$expired"
  setsid ctest --test-dir "$dir" --output-on-failure -j "$DDBSQL_JOBS" \
    --timeout 900 "$@" &
  ctest_pid=$!
  setsid bash -c 'sleep "$1"
    echo "test.sh: error: the tests took longer than $1 s; stopping them" >&2
    touch "$3"; kill -TERM -- "-$2"; sleep 30; kill -KILL -- "-$2"' \
    deadline "$limit" "$ctest_pid" "$expired" </dev/null &
  deadline_pid=$!
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
  return 0
}

status=0
if ((plain)); then
  run_ctest "$DDBSQL_BUILD_DIR" "$@"
  status=$rc
fi
if ((sanitize)); then
  # A finding stops the process with status 86 and a report on stderr (with
  # the stack), which every test notices: unit tests fail, the end-to-end
  # tests check ddbsql's status and stderr. Leaks count too.
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86"
  export LSAN_OPTIONS="exitcode=86"
  # The sanitized binary runs a few times slower: the tests' own timeouts
  # (a hung ddbsql) stretch by this factor.
  export DDBSQL_TEST_TIME_SCALE=4
  filter=()
  if [[ " $* " != *" -R "* && " $* " != *" -E "* ]]; then
    if ((plain)); then filter=(-E "$kSanitizeExcludeCi"); else filter=(-E "$kSanitizeExclude"); fi
  fi
  started=$SECONDS
  ddb_say "running the tests under ASan and UBSan ($sanitize_dir)"
  run_ctest "$sanitize_dir" "${filter[@]}" "$@"
  ddb_say "sanitizer tests: $((SECONDS - started)) s, status $rc"
  ((status == 0)) && status=$rc
fi
exit "$status"
