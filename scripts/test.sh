#!/usr/bin/env bash
# Runs every ClusterKit test: installs what is missing, builds, runs xunit over the whole
# solution (real-kernel tests need root), and ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || exit 1

results=$(mktemp -d /tmp/ck-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

dotnet build ClusterKit.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "Tests: 0 passed, 1 failed (build failed)"; exit 1; }

# Hang guard: a test still running after 6 minutes fails the run and is named ("The active test running was: ...").
# The slowest legitimate waits are the image-interop fixture's 5-minute setup and the 2-minute join deadlines of the
# cluster tests; ordinary cluster tests take 10-60 s.
hang_guard=(--blame-hang-timeout 6m --blame-hang-dump-type none)

now_not_before=$(date -u -d '-1 day' +%FT%TZ)
CK_TEST_CLOCK_NOT_BEFORE="$now_not_before" dotnet test ClusterKit.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/now" "${hang_guard[@]}" "$@"
status=$?

# The identity, CA and admin-certificate tests again, with the process clock (and every process it starts) ten years
# ahead: a fixed date mixed with the wall clock fails here today instead of on the day it is reached. libfaketime
# moves .NET's DateTime.UtcNow (ProcessClockTests checks it in this run). The monotonic clock stays real so that
# timers and timeouts work, and libfaketime's "monotonic fix", which it switches on by itself for this glibc, stays
# off: with it, .NET's timed waits on monotonic condition variables hang (the test host never connects).
faketime_lib=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime.so.1$')
future_filter='FullyQualifiedName~ClusterKit.Shared.Tests.ProcessClockTests|FullyQualifiedName~ClusterKit.Shared.Tests.Identity.'
future_filter+='|FullyQualifiedName~ClusterKit.Manager.Tests.Ca.|FullyQualifiedName~ClusterKit.Manager.Tests.Host.Membership.'
future_filter+='|FullyQualifiedName~ClusterKit.Cli.Tests.Control.Admin|FullyQualifiedName~ClusterKit.Cli.Tests.Control.ClusterJoiner'
future_filter+='|FullyQualifiedName~ClusterKit.Cli.Tests.ManagerConnectionTests'
if [[ -z "$faketime_lib" ]]; then
  echo "test.sh: libfaketime is missing (scripts/setup.sh installs faketime); the ten-years-ahead run cannot run" >&2
  status=1
else
  future_not_before=$(date -u -d '+3649 days' +%FT%TZ)
  for project in Shared.Tests/ClusterKit.Shared.Tests.csproj Manager.Tests/ClusterKit.Manager.Tests.csproj Cli.Tests/ClusterKit.Cli.Tests.csproj; do
    echo "test.sh: $project with the clock ten years ahead"
    CK_TEST_CLOCK_NOT_BEFORE="$future_not_before" \
      LD_PRELOAD="$faketime_lib" FAKETIME="+3650d" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 \
      dotnet test "$project" -c Release --no-build -nologo --filter "$future_filter" \
      --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/future" "${hang_guard[@]}" || status=1
  done
fi

passed=0; failed=0; skipped=0
for trx in "$results"/now/*.trx "$results"/future/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  # A run the hang guard (or a crash) aborted counts no failed test in its counters: its hung test is one.
  outcome=$(grep -o '<ResultSummary outcome="[^"]*"' "$trx" | head -1 | sed 's/.*="\(.*\)"/\1/')
  if [[ "$outcome" =~ ^(Failed|Aborted|Error|Timeout)$ ]] && ((${f:-0} == 0)); then f=1; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if ((status != 0 && failed == 0)); then failed=1; fi
# The failed tests by name, just above the summary line, so that the tail of a long log says what broke.
for trx in "$results"/now/*.trx "$results"/future/*.trx; do
  [[ -f "$trx" ]] || continue
  pass=$([[ "$trx" == */future/* ]] && echo " (clock ten years ahead)")
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/\1/p' |
    sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' | while IFS= read -r name; do echo "test.sh: failed$pass: $name"; done
done
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status
