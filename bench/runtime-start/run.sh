#!/usr/bin/env bash
# bench/runtime-start: create+start+wait+delete of /bin/true in the busybox image, for
# ClusterKit, crun and runc (and bare unshare as the floor) in one run; prints JSON.
#   bench/runtime-start/run.sh [--runs 50] [--rounds 10]   (rounds alternate the runtimes; runs is a multiple of rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh --bench >&2
dotnet build Worker/Daemon/ClusterKit.Worker.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
dotnet build bench/runtime-start/ClusterKit.Bench.RuntimeStart.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/runtime-start/bin/Release/net10.0/bench-runtime-start.dll "$@"
