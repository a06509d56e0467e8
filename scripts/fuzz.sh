#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang++-14, ASan + UBSan) and runs each on a copy
# of its corpus; exits non-zero on any finding (crash, leak, timeout, broken invariant).
#   scripts/fuzz.sh [SECONDS] [NAME...]   each harness for SECONDS (default 30)
#   scripts/fuzz.sh --runs N [NAME...]    each harness for N executions
#   scripts/fuzz.sh --build-only          install what is missing and build; run nothing
#   scripts/fuzz.sh --no-build ...        run what is already built
# NAMEs default to every fuzz/fuzz_<name>.cpp. INCIDENT_FUZZ_BUILD overrides build/fuzz.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${INCIDENT_FUZZ_BUILD:-$ROOT/build/fuzz}"

limit=(-max_total_time=30)
build=1
run=1
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) limit=(-runs="$2"); shift 2 ;;
    --build-only) run=0; shift ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    [0-9]*) limit=(-max_total_time="$1"); shift ;;
    *) names+=("$1"); shift ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for source in "$ROOT"/fuzz/fuzz_*.cpp; do
    name="$(basename "$source" .cpp)"
    names+=("${name#fuzz_}")
  done
fi

# Runs one harness on a fresh copy of its corpus (the repository's stays as committed);
# prints "name executions seconds result"; returns non-zero on a finding.
run_one() {
  local name="$1" corpus="$BUILD/corpus/$1" artifacts="$BUILD/artifacts/$1/" log="$BUILD/logs/$1.log"
  rm -rf "$corpus" && mkdir -p "$corpus" "$artifacts" "$BUILD/logs"
  [ ! -d "$ROOT/fuzz/corpus/$name" ] || cp -r "$ROOT/fuzz/corpus/$name/." "$corpus/"
  local options=("${limit[@]}" -print_final_stats=1 -timeout=10 -artifact_prefix="$artifacts")
  [ -f "$ROOT/fuzz/$name.dict" ] && options+=(-dict="$ROOT/fuzz/$name.dict")
  local start end status=0
  start=$(date +%s.%N)
  "$BUILD/fuzz_$name" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  local executions
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  printf '%-14s %12s %8s  %s\n' "$name" "${executions:-?}" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" \
    "$([ $status -eq 0 ] && echo ok || echo "FINDING (exit $status, log $log)")"
  if [ $status -ne 0 ]; then
    tail -n 60 "$log" >&2
    return 1
  fi
}

if [ $build -eq 1 ]; then
  "$ROOT/scripts/install-deps.sh" clang-14 libclang-rt-14-dev
  CXX=clang++-14 cmake -S "$ROOT/fuzz" -B "$BUILD" >/dev/null
  cmake --build "$BUILD" -j2 >/dev/null
fi
[ $run -eq 1 ] || exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
printf '%-14s %12s %8s  %s\n' harness executions seconds result
failed=0
for name in "${names[@]}"; do
  run_one "$name" || failed=1
done
exit $failed
