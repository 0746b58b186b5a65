#!/usr/bin/env bash
# Restores, builds (warnings are errors) and runs every test of the backbone.
# The tests start real hosts on free loopback ports; nothing beyond the .NET SDK is needed yet.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Test hosts keep their data directories under TMPDIR; give this run its own and remove it after.
run_tmp="$(mktemp -d)"
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"

dotnet build Backbone.sln -c Release
dotnet format Backbone.sln --verify-no-changes --no-restore
dotnet test Backbone.sln -c Release --no-build
