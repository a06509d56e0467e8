#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build, the server and the tests
# need and is not installed yet, plus any packages named as arguments (the fuzzers'
# clang). Safe to run again: it installs only what is missing.
set -euo pipefail

PACKAGES=(
  cmake make g++ pkg-config
  libcaf-dev libpistache-dev libhiredis-dev nlohmann-json3-dev libjwt-dev libssl-dev
  libcurl4-openssl-dev
  libjemalloc-dev libgtest-dev libbenchmark-dev
  redis-server curl haproxy
  "$@"
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=lib/service_start_guard.sh
. "$(dirname "$0")/lib/service_start_guard.sh"
hold_service_starts /usr/sbin/policy-rc.d
trap 'release_service_starts /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
