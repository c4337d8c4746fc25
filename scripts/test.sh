#!/usr/bin/env bash
# `npm test`: services → type-check → lint → every test with V8 coverage (src/ lines ≥ 90 %).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-services.sh
echo "== type-check"; npx tsc --noEmit -p tsconfig.json
echo "== lint"; npx eslint .
echo "== tests"
summary=$(mktemp)
status=0
CALSYNC_TEST_SUMMARY_FILE="$summary" npx vitest run --coverage "$@" || status=$?
# The closing line: the counts, after vitest's coverage table.
[ -s "$summary" ] && cat "$summary"
rm -f "$summary"
exit "$status"
