#!/usr/bin/env bash
# HTTP load, measured side by side: builds Release, starts redis-server,
# incident-api and the baseline Pistache server on private loopback ports,
# seeds incidents, runs wrk for every scenario with fixed duration and
# connections, and prints (and writes into RESULTS.md) requests/s, p50, p99,
# errors and the ratio to the baseline measured in the same run.
#
#   benchmarks/run.sh                  # defaults below
#   DURATION=10 CONNECTIONS=50 INCIDENTS=100000 benchmarks/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BENCH_BUILD:-$ROOT/build/bench}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-50}"
INCIDENTS="${INCIDENTS:-100000}"
export WRK_DIR="$ROOT/benchmarks/wrk" INCIDENTS

"$ROOT/scripts/install-deps.sh"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk; }
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_BENCHMARKS=ON -DINCIDENT_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target incident-api baseline-server seed_incidents >/dev/null

WORK="$(mktemp -d /tmp/incident-bench-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port); BASE_PORT=$(free_port)
SOCKET="$WORK/redis.sock"

redis-server --port 0 --unixsocket "$SOCKET" --unixsocketperm 700 --save "" --appendonly no \
  --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no & PIDS+=($!)
until redis-cli -s "$SOCKET" ping >/dev/null 2>&1; do sleep 0.1; done
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"

PM_SECRET_KEY=bench-secret "$BUILD/incident-api" --port "$API_PORT" --redis-uri "unix://$SOCKET" \
  2>"$WORK/api.log" & API_PID=$!; PIDS+=($API_PID)
"$BUILD/benchmarks/baseline-server" --port "$BASE_PORT" 2>"$WORK/baseline.log" & PIDS+=($!)
until curl -sf "127.0.0.1:$API_PORT/health" >/dev/null; do sleep 0.1; done
until curl -sf "127.0.0.1:$BASE_PORT/" >/dev/null; do sleep 0.1; done

API="http://127.0.0.1:$API_PORT"
export TOKEN=$(curl -s -X POST "$API/api/token/create" -d secret=bench-secret -d name=bench \
  -d permission=incident_api | tr -d '"')
create_hot() {
  curl -s -X POST "$API/api/incident/create" -H "Authorization: Bearer $TOKEN" \
    -H "Prefer: return=representation" -d scope=1 -d service=1 -d severity=high \
    -d name="Hot incident" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
export HOT_ID=$(create_hot)

# run NAME SCRIPT URL: one wrk run; prints its RESULT JSON.
run() {
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WRK_DIR/$2" "$3" | sed -n 's/^RESULT //p'
}
commands_processed() { redis-cli -s "$SOCKET" info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'; }

declare -A RESULTS
RESULTS[baseline]=$(run baseline baseline.lua "http://127.0.0.1:$BASE_PORT")
RESULTS[get_hot]=$(run get_hot get_hot.lua "$API")
RESULTS[get_random]=$(run get_random get_random.lua "$API")
RSS_KIB=$(sed -n 's/^VmRSS:\s*\([0-9]*\).*/\1/p' "/proc/$API_PID/status")
RESULTS[list_page]=$(run list_page list_page.lua "$API")
RESULTS[create]=$(run create create.lua "$API")
BEFORE=$(commands_processed); START=$(date +%s.%N)
RESULTS[update_distinct]=$(run update_distinct update_distinct.lua "$API")
REDIS_CPS=$(python3 -c "print(round(($(commands_processed)-$BEFORE)/($(date +%s.%N)-$START)))")
export HOT_ID=$(create_hot)
RESULTS[update_hot]=$(run update_hot update_hot.lua "$API")
curl -s "$API/api/incident/$HOT_ID" -H "Authorization: Bearer $TOKEN" >"$WORK/hot.json"
RESULTS[comment]=$(run comment comment.lua "$API")
RESULTS[mix]=$(run mix mix.lua "$API")
EVAL_CPS=$(redis-benchmark -s "$SOCKET" -c "$CONNECTIONS" -n 200000 -r 100000 -q \
  EVAL "redis.call('HSET', KEYS[1], 'v', ARGV[1]) return redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'd', ARGV[1])" \
  2 "bench:__rand_int__" bench:stream value | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | head -1)

export RESULTS_JSON=$(for k in "${!RESULTS[@]}"; do echo "$k ${RESULTS[$k]}"; done)
export HOT_STATE_FILE="$WORK/hot.json" RSS_KIB REDIS_CPS EVAL_CPS DURATION CONNECTIONS INCIDENTS
python3 "$ROOT/benchmarks/report.py" "$ROOT/benchmarks/RESULTS.md"
