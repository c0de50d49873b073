#!/usr/bin/env bash
# bench/registry: push and pull of a 200 MB image (seeded random layers of mixed sizes) through the cluster
# registry, the reference registry (Debian's docker-registry) and a plain directory copy, all over loopback with
# TLS, alternating in each round; prints JSON with MB/s, the ratios and the CPU seconds of each end per transfer.
# Each server is started once and serves every round (each round an image of new bytes), as a registry runs for weeks:
# the first round meets new servers, the median is their steady rate.
# Last, the worker-pull phase (--worker-pull, passed here): three managers and a new ck-worker in a network namespace
# the bench makes and removes; `ck image pull` of the replicated image on the worker, against skopeo from the registry.
# After each registry pull, curl fetches the largest blob alone (HTTP/1.1, to /dev/null): the server's own rate.
#   bench/registry/run.sh [--size-mb 200] [--rounds 3] [--seed 1] [--binaries out]   (--rounds 0: only the worker pull)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh >&2
scripts/build.sh >&2                     # out/ck-manager and out/ck for the cluster registry
dotnet build bench/registry/ClusterKit.Bench.Registry.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
exec dotnet bench/registry/bin/Release/net10.0/bench-registry.dll --worker-pull "$@"
