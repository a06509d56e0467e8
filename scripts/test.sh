#!/usr/bin/env bash
# Installs what is missing, builds everything once with AddressSanitizer and
# UBSan, and runs the whole suite (unit, integration, e2e, a short run of each
# libFuzzer harness, built apart with clang, and the tests without CAF or
# Pistache built apart with ThreadSanitizer) with CTest. Tests
# start their own redis-server and incident-api on private loopback ports.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${INCIDENT_TEST_BUILD:-$ROOT/build/test}"

# The fuzzers' clang; promtool and headless Chromium check /metrics and the docs page.
"$ROOT/scripts/install-deps.sh" clang-14 libclang-rt-14-dev prometheus chromium
"$ROOT/scripts/install-npm.sh" --contract
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINCIDENT_SANITIZE=ON \
  -DINCIDENT_FUZZ_TESTS=ON -DINCIDENT_TSAN_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:suppressions=$ROOT/tests/asan.supp"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
