#!/usr/bin/env bash
# bench/bridge-attach: attach time of the netlink veth driver against the ip driver (its anchor), in one host
# namespace with alternating rounds; prints JSON. Needs root.
#   bench/bridge-attach/run.sh [--rounds 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2
dotnet build bench/bridge-attach/ClusterKit.Bench.BridgeAttach.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/bridge-attach/bin/Release/net10.0/bench-bridge-attach.dll "$@"
