#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provision (packages, dockerd, test image,
# npm packages), build, then every unit and integration test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npm run build --silent
results="$(mktemp)"
status=0
# jest prints its report on stderr; --json would repeat it all on stdout. --forceExit is a
# safety net for CI only: once, a full run here stayed alive after its report (jest's "did
# not exit" warning) and no file left a handle open when run alone; the report is complete
# by then, and a hung CI run would hide it.
npx jest --ci --forceExit --json --outputFile="$results" "$@" >/dev/null || status=$?
# One plain closing line, for readers that do not parse jest's summary.
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`+(r.numPendingTests?`, ${r.numPendingTests} skipped`:""))' "$results" || true
rm -f "$results"
exit "$status"
