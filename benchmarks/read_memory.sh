#!/usr/bin/env bash
# Resident memory of incident-api after reading every one of INCIDENTS incidents
# (default 1,000,000): starts a private redis-server, seeds them through the storage
# code (seed_incidents), starts incident-api with its default settings, GETs ids
# 1..INCIDENTS in turn with wrk until each was read at least once, and reports the
# server's resident memory (VmRSS, and its peak VmHWM). Writes the figures into
# RESULTS.md between the read-memory markers.
#
#   benchmarks/read_memory.sh                   # INCIDENTS=1000000
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
INCIDENTS="${INCIDENTS:-1000000}"
export INCIDENTS

bench_setup memory incident-api seed_incidents
PORT=$(free_port)
start_redis
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"
start_api "$PORT"
memory() { awk -v key="$1:" '$1 == key { printf "%d", $2 / 1024 }' "/proc/$API_PID/status"; }
# The server first follows the change stream the seeding filled; let it settle.
sleep 5
BEFORE=$(memory VmRSS)

requests=0 seconds=0 unexpected=0 errors=0
while [ "$requests" -lt "$INCIDENTS" ]; do
  result=$(wrk -t1 -c50 -d20s -s "$WRK_DIR/get_every.lua" "http://127.0.0.1:$PORT" |
    sed -n 's/^RESULT //p')
  read -r n u e < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["requests"], d["unexpected"], d["socket_errors"])' "$result")
  requests=$((requests + n)) unexpected=$((unexpected + u)) errors=$((errors + e)) seconds=$((seconds + 20))
done
AFTER=$(memory VmRSS) PEAK=$(memory VmHWM)
CACHE="--actor-cache $("$BUILD/incident-api" --help | grep -A1 -- '--actor-cache' | grep -o 'default [0-9]*')"

REPORT="Run of $(date -u '+%Y-%m-%d %H:%M') UTC: \`benchmarks/read_memory.sh\` (INCIDENTS=$INCIDENTS), \
incident-api with default settings ($CACHE), wrk -t1 -c50 reading ids 1..$INCIDENTS in turn: \
$requests GETs in ${seconds} s (every incident read at least once), $unexpected non-200 answers, $errors socket errors.

| | resident memory |
|---|---|
| after start (stream followed, nothing read) | $BEFORE MiB |
| after reading every incident | $AFTER MiB |
| peak (VmHWM) | $PEAK MiB |
| target | at most 256 MiB |"
echo "$REPORT"
write_results read-memory "Memory after reading a million incidents" "$REPORT"
