#!/usr/bin/env bash
# Checks (default) or fixes (--fix) the C++ formatting against .clang-format.
#   scripts/format.sh          list files that differ; exit 1 if any
#   scripts/format.sh --fix    rewrite them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "needs formatting: $f"
    bad=1
  fi
done
exit "$bad"
