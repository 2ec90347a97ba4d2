#!/usr/bin/env bash
# Builds fleet-systemd-check (static Swift stdlib), boots a throwaway nspawn machine, runs the
# checks against the machine's real systemd, and destroys the machine — also on failure or ^C.
# Exits with the checks' status. Needs root. Usage: Integration/run-systemd-tests.sh [--bench]
# --bench: instead of the checks, print the agent's figures (100 units to active, ListUnitsByNames
# of 500, idle CPU with 500 running + 500 loaded units).
# FLEET_BUILD_CONFIGURATION=release builds optimized (figures closer to production; slower build).
set -euo pipefail
cd "$(dirname "$0")/.."

name=fleet-systemd-$$
machines=${FLEET_MACHINES_DIR:-/tmp/fleet-machines}
stage=$machines/$name-bin
machine=Integration/machine

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    "$machine" destroy "$name" || true
    rm -rf "$stage"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== build"
configuration=${FLEET_BUILD_CONFIGURATION:-debug}
bin=$(scripts/build-static -c "$configuration" fleet-systemd-check | tail -n 1)
mkdir -p "$stage"
cp "$bin/fleet-systemd-check" "$stage/"

echo "== machine $name"
"$machine" create "$name" --bin "$stage" >/dev/null
start=$(date +%s%N)
"$machine" boot "$name"
echo "booted in $(( ($(date +%s%N) - start) / 1000000 )) ms"

environment="FLEET_SYSTEMD_CHECK=1"
if [ "${1:-}" = "--bench" ]; then
    echo "== benchmark"
    environment="$environment FLEET_SYSTEMD_BENCH=1"
else
    echo "== checks"
fi
FLEET_MACHINE_ENV="$environment" "$machine" exec "$name" /opt/fleet/bin/fleet-systemd-check
