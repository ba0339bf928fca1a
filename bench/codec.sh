#!/usr/bin/env bash
# Decrypt and inflate throughput of ddbsql's codecs (engine/codec) versus raw
# OpenSSL EVP, zlib and libzstd on the same bytes, in one run, as ratios
# (target: at least 0.8x in every case). No emulator is needed.
#
#   bench/codec.sh               build the bench target if needed, 5 rounds
#   bench/codec.sh --reps 15     more rounds (the fastest of each is kept)
#   bench/codec.sh --only gcm    only the cases whose name contains "gcm"
#
# Results: printed, and as JSON in .cache/bench/codec.json.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
  "$DDBSQL_REPO/scripts/setup.sh" --build
fi
ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
  cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target ddbsql_codec_bench ||
  ddb_die "build failed"
mkdir -p "$DDBSQL_CACHE/bench"
"$DDBSQL_BUILD_DIR/bench/ddbsql_codec_bench" --json "$DDBSQL_CACHE/bench/codec.json" "$@"
