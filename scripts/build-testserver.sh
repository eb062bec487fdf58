#!/usr/bin/env bash
# Builds the test workload as a native (AOT) binary: artifacts/testserver/capstan-testserver.
# Incremental: about a second when nothing changed. Every build of tests/Capstan.TestServer does the same,
# so test projects get it by a ProjectReference with ReferenceOutputAssembly="false"; this script is for benchmarks and by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build tests/Capstan.TestServer -c Release -nologo -v q >&2
echo "$PWD/artifacts/testserver/capstan-testserver"
