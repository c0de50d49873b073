#!/usr/bin/env bash
# Builds the three programs into out/: ck (the CLI), ck-worker and ck-manager.
#   scripts/build.sh           (scripts/demo.sh runs it; run scripts/setup.sh once before)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${CK_OUT:-$(pwd)/out}
for project in Cli/ClusterKit.Cli.csproj Worker/Daemon/ClusterKit.Worker.csproj Manager/Host/ClusterKit.Manager.Host.csproj; do
  dotnet publish "$project" -c Release -o "$out" -nologo -v q -clp:ErrorsOnly
done
for program in ck ck-worker ck-manager; do
  [[ -x $out/$program ]] || { echo "build: $out/$program was not produced" >&2; exit 1; }
done
echo "build: $out/ck, $out/ck-worker, $out/ck-manager"
