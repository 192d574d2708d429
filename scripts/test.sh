#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provision (packages, dockerd, auditd, test image,
# npm packages), build (which type-checks every file), then the unit tests in parallel and
# the integration tests one file at a time (they share one engine). CI runs exactly this.
# Arguments go to both jest runs (a path pattern, -t NAME, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npm run build --silent
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
status=0
# jest prints its report on stderr; --json would repeat it all on stdout. --forceExit is a
# safety net for CI only: once, a full run here stayed alive after its report (jest's "did
# not exit" warning) and no file left a handle open when run alone; the report is complete
# by then, and a hung CI run would hide it.
npx jest --ci --forceExit --passWithNoTests --selectProjects unit --json --outputFile="$dir/unit.json" "$@" >/dev/null || status=$?
npx jest --ci --forceExit --passWithNoTests --selectProjects integration --runInBand --json --outputFile="$dir/integration.json" "$@" >/dev/null || status=$?
# One plain closing line, for readers that do not parse jest's summary.
node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0, ms = 0;
for (const f of process.argv.slice(1)) {
  if (!fs.existsSync(f)) continue;
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests;
  ms += Math.max(0, ...r.testResults.map((t) => t.endTime)) - r.startTime;
}
console.log(`jest: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "") + ` (${(ms / 1000).toFixed(1)} s)`);
' "$dir/unit.json" "$dir/integration.json" || true
exit "$status"
