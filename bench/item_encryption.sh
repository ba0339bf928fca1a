#!/usr/bin/env bash
# Decrypt + verify rate of tables of the AWS DynamoDB Encryption Client
# (engine/item_encryption's ItemEncryptor, static provider) versus raw
# OpenSSL EVP doing the same AES-256-CBC decrypts and HMAC-SHA256 on the same
# items, in one run, as items per CPU-second and a ratio (target: within 2x;
# issue 16). No emulator is needed.
#
#   bench/item_encryption.sh              build the bench target if needed, 5 rounds
#   bench/item_encryption.sh --reps 15    more rounds (the fastest of each is kept)
#
# Results: printed, and as JSON in .cache/bench/item_encryption.json.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

if [[ ! -f "$DDBSQL_BUILD_DIR/CMakeCache.txt" ]]; then
  "$DDBSQL_REPO/scripts/setup.sh" --build
fi
ddb_run_logged "$DDBSQL_LOG_DIR/bench-build.log" \
  cmake --build "$DDBSQL_BUILD_DIR" -j "$DDBSQL_JOBS" --target ddbsql_item_encryption_bench ||
  ddb_die "build failed"
mkdir -p "$DDBSQL_CACHE/bench"
"$DDBSQL_BUILD_DIR/bench/ddbsql_item_encryption_bench" \
  --json "$DDBSQL_CACHE/bench/item_encryption.json" "$@"
