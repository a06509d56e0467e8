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
BUILD="${BENCH_BUILD:-$ROOT/build/bench}"
INCIDENTS="${INCIDENTS:-1000000}"
export WRK_DIR="$ROOT/benchmarks/wrk" INCIDENTS

"$ROOT/scripts/install-deps.sh"
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_BENCHMARKS=ON -DINCIDENT_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target incident-api seed_incidents >/dev/null

WORK="$(mktemp -d /tmp/incident-memory-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCKET="$WORK/redis.sock"
redis-server --port 0 --unixsocket "$SOCKET" --unixsocketperm 700 --save "" --appendonly no \
  --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no & PIDS+=($!)
until redis-cli -s "$SOCKET" ping >/dev/null 2>&1; do sleep 0.1; done
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"

PM_SECRET_KEY=bench-secret "$BUILD/incident-api" --port "$PORT" --redis-uri "unix://$SOCKET" \
  2>"$WORK/api.log" & API_PID=$!; PIDS+=($API_PID)
until curl -sf "127.0.0.1:$PORT/health" >/dev/null; do sleep 0.1; done
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
python3 - "$ROOT/benchmarks/RESULTS.md" "$REPORT" <<'PY'
import sys
path, text = sys.argv[1], sys.argv[2]
begin, end = "<!-- read-memory:begin -->", "<!-- read-memory:end -->"
doc = open(path).read()
block = f"{begin}\n{text}\n{end}"
if begin in doc:
    head, rest = doc.split(begin, 1)
    doc = head + block + rest.split(end, 1)[1]
else:
    doc = doc.rstrip("\n") + "\n\n## Memory after reading a million incidents\n\n" + block + "\n"
open(path, "w").write(doc)
PY
