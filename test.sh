#!/usr/bin/env bash
# Restores, builds (warnings are errors) and runs every test of the backbone.
# The tests start real hosts on free loopback ports. Beyond the .NET SDK they need Debian's chromium
# (the browser sign-in test drives it with Playwright), redis-server (the cluster tests start their
# own Redis processes) and nghttp2-client (h2load, which the scripts loadtests/h2load-*.sh drive); all are
# installed here when missing.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Test hosts keep their data directories under TMPDIR; give this run its own and remove it after.
run_tmp="$(mktemp -d)"
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"

dotnet build Backbone.sln -c Release
dotnet format Backbone.sln --verify-no-changes --no-restore
dotnet test Backbone.sln -c Release --no-build
