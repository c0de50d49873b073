#!/usr/bin/env bash
# Runs every ClusterKit test: installs what is missing, builds, runs xunit over the whole
# solution (real-kernel tests need root), and ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || exit 1

results=$(mktemp -d /tmp/ck-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

dotnet build ClusterKit.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "Tests: 0 passed, 1 failed (build failed)"; exit 1; }

dotnet test ClusterKit.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if ((status != 0 && failed == 0)); then failed=1; fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status
