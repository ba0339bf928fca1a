#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ and runs each for a while:
#
#   scripts/fuzz.sh               every target for 60 s
#   scripts/fuzz.sh 10            every target for 10 s
#   scripts/fuzz.sh 30 number     the targets whose names contain "number"
#
# Installs clang and libFuzzer when missing (scripts/setup.sh --fuzz),
# configures BUILD/fuzz (clang-14, -O1 -g1 with assertions, DDBSQL_FUZZ=ON:
# AddressSanitizer, UndefinedBehaviorSanitizer, leak detection) and builds it. Each target
# starts from its committed seeds and regression inputs (fuzz/corpus/NAME/,
# all replayed first) and from what earlier runs found (.cache/fuzz/NAME/,
# not committed). A crash, hang (a run over 10 s), leak or a run above
# 2 GB of memory stops the target; the input is saved under
# .cache/fuzz/artifacts/ and the script exits 1 after running the others.
# Prints one line per target: runs, coverage (edges) and features.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds="${1:-60}"
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] || ddb_die "SECONDS must be a whole number, not '$seconds'"

"$DDBSQL_REPO/scripts/setup.sh" --fuzz
export CC="${DDBSQL_FUZZ_CC:-clang-14}" CXX="${DDBSQL_FUZZ_CXX:-clang++-14}"
command -v "$CXX" >/dev/null 2>&1 || ddb_die "$CXX not found"

dir="$DDBSQL_BUILD_DIR/fuzz"
launcher=""
command -v ccache >/dev/null 2>&1 && launcher=ccache
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  ddb_say "configuring $dir (log: $DDBSQL_LOG_DIR/fuzz-configure.log)"
  ddb_run_logged "$DDBSQL_LOG_DIR/fuzz-configure.log" \
    cmake -S "$DDBSQL_REPO" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDDBSQL_FUZZ=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DBUILD_TESTING=OFF ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} ||
    ddb_die "configuring the fuzz build failed"
fi
ddb_run_logged "$DDBSQL_LOG_DIR/fuzz-build.log" cmake --build "$dir" -j "$DDBSQL_JOBS" --target fuzz ||
  ddb_die "building the fuzz targets failed"

state="$DDBSQL_CACHE/fuzz"
artifacts="$state/artifacts"
mkdir -p "$artifacts"
# Targets write scratch files (aws_config_fuzz) into their working folder.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/ddbsql-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

failed=()
for src in "$DDBSQL_REPO"/fuzz/*_fuzz.cc; do
  name="$(basename "$src" .cc)"
  if (($# > 0)); then
    match=0
    for want in "$@"; do [[ "$name" == *"$want"* ]] && match=1; done
    ((match)) || continue
  fi
  seeds="$DDBSQL_REPO/fuzz/corpus/$name"
  found="$state/$name"
  mkdir -p "$found" "$seeds"
  log="$state/$name.log"
  rc=0
  (cd "$scratch" && ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$dir/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$found" "$seeds") >"$log" 2>&1 || rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)"
  corpus="$(find "$found" -type f | wc -l)"
  if ((rc != 0)); then
    failed+=("$name")
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs; log: $log" >&2
    grep -m1 -E 'ERROR: |runtime error|invariant broken|Test unit written' "$log" >&2 || tail -n 20 "$log" >&2
    grep -E 'Test unit written|artifact' "$log" >&2 || true
  else
    printf '%-20s runs %10s  cov %6s  ft %6s  corpus %5s  (%s s)\n' \
      "$name" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$seconds"
  fi
done
if ((${#failed[@]} > 0)); then
  ddb_die "failed: ${failed[*]} (inputs under $artifacts)"
fi
