#!/usr/bin/env bash
# Decrypt + verify rate of items of the AWS Database Encryption SDK
# (engine/dbe's DbeItemDecryptor, hierarchical keyring) versus raw OpenSSL
# EVP doing the same HKDF, AES-GCM, HMAC (and, suite 0x6701, ECDSA) work on
# the same items, in one run, as items per CPU-second and a ratio (target:
# within 3x; issue 18). The items are written by bench/dbe_items.py
# (tests/dbe_peer.py's writer). No emulator is needed.
#
#   bench/dbe.sh                 build the bench target if needed; 2,000 items of
#                                each suite, 5 rounds
#   bench/dbe.sh --reps 15       more rounds (the fastest of each is kept)
#
# Results: printed, and as JSON in .cache/bench/dbe-6700.json and dbe-6701.json.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
  "$DDBSQL_REPO/scripts/setup.sh" --build
fi
ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
  cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target ddbsql_dbe_bench ||
  ddb_die "build failed"
mkdir -p "$DDBSQL_CACHE/bench"
for flavor in 0 1; do
  items="$DDBSQL_CACHE/bench/dbe-items-$flavor.json"
  [[ -f "$items" ]] || "${DDBSQL_PYTHON:-python3}" "$DDBSQL_REPO/bench/dbe_items.py" 2000 "$flavor" "$items"
  "$DDBSQL_BUILD_DIR/bench/ddbsql_dbe_bench" "$items" \
    --json "$DDBSQL_CACHE/bench/dbe-670$flavor.json" "$@"
done
