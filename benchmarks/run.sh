#!/usr/bin/env bash
# HTTP load, measured side by side: builds Release, starts redis-server,
# incident-api, the baseline Pistache server and nginx on private loopback
# ports, seeds incidents, runs wrk for every scenario with fixed duration and
# connections, and prints (and writes into RESULTS.md) requests/s, p50, p99,
# errors and the ratio to the baseline measured in the same run, and GET hot's
# ratio to nginx serving the same bytes (the practical limit of an HTTP server
# on this machine).
#
#   benchmarks/run.sh                  # defaults below
#   DURATION=10 CONNECTIONS=50 INCIDENTS=100000 benchmarks/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-50}"
INCIDENTS="${INCIDENTS:-100000}"
export INCIDENTS

# nginx-light for the nginx run (bench_setup installs wrk and the rest).
"$ROOT/scripts/install-deps.sh" nginx-light
bench_setup bench incident-api baseline-server seed_incidents
API_PORT=$(free_port); BASE_PORT=$(free_port); NGINX_PORT=$(free_port)
start_redis
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"
start_api "$API_PORT"
"$BUILD/benchmarks/baseline-server" --port "$BASE_PORT" 2>"$WORK/baseline.log" &
BASE_PID=$!
PIDS+=($BASE_PID)
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

# nginx answers the hot incident's bytes as get_hot.lua reads them (no token,
# so the anonymous view) at the path it asks, for the same wrk scenario.
mkdir -p "$WORK/nginx"
curl -sf "$API/api/incident/$HOT_ID" >"$WORK/nginx/incident.json"
start_nginx "$NGINX_PORT" "/api/incident/$HOT_ID" "$WORK/nginx/incident.json"

# run NAME SCRIPT URL SERVER_PID: one wrk run; prints its RESULT JSON with the
# CPU time the server (its child processes included: nginx's workers) and
# redis-server used meanwhile (clock ticks) added.
run() {
  local server_before redis_before result
  server_before=$(cpu_ticks_tree "$4")
  redis_before=$(cpu_ticks "$REDIS_PID")
  result=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WRK_DIR/$2" "$3" |
    sed -n 's/^RESULT //p')
  printf '%s, "server_ticks": %d, "redis_ticks": %d}\n' "${result%\}}" \
    $(($(cpu_ticks_tree "$4") - server_before)) $(($(cpu_ticks "$REDIS_PID") - redis_before))
}
commands_processed() { redis-cli -s "$SOCKET" info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'; }

declare -A RESULTS
RESULTS[baseline]=$(run baseline baseline.lua "http://127.0.0.1:$BASE_PORT" "$BASE_PID")
RESULTS[nginx]=$(run nginx get_hot.lua "http://127.0.0.1:$NGINX_PORT" "$NGINX_PID")
RESULTS[get_hot]=$(run get_hot get_hot.lua "$API" "$API_PID")
RESULTS[get_random]=$(run get_random get_random.lua "$API" "$API_PID")
RSS_KIB=$(sed -n 's/^VmRSS:\s*\([0-9]*\).*/\1/p' "/proc/$API_PID/status")
RESULTS[list_page]=$(run list_page list_page.lua "$API" "$API_PID")
RESULTS[create]=$(run create create.lua "$API" "$API_PID")
BEFORE=$(commands_processed); START=$(date +%s.%N)
RESULTS[update_distinct]=$(run update_distinct update_distinct.lua "$API" "$API_PID")
REDIS_CPS=$(python3 -c "print(round(($(commands_processed)-$BEFORE)/($(date +%s.%N)-$START)))")
export HOT_ID=$(create_hot)
RESULTS[update_hot]=$(run update_hot update_hot.lua "$API" "$API_PID")
curl -s "$API/api/incident/$HOT_ID" -H "Authorization: Bearer $TOKEN" >"$WORK/hot.json"
RESULTS[comment]=$(run comment comment.lua "$API" "$API_PID")
RESULTS[mix]=$(run mix mix.lua "$API" "$API_PID")
EVAL_CPS=$(redis-benchmark -s "$SOCKET" -c "$CONNECTIONS" -n 200000 -r 100000 -q \
  EVAL "redis.call('HSET', KEYS[1], 'v', ARGV[1]) return redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'd', ARGV[1])" \
  2 "bench:__rand_int__" bench:stream value | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | head -1)

export RESULTS_JSON=$(for k in "${!RESULTS[@]}"; do echo "$k ${RESULTS[$k]}"; done)
export TICKS_PER_S=$(getconf CLK_TCK)
export HOT_STATE_FILE="$WORK/hot.json" RSS_KIB REDIS_CPS EVAL_CPS DURATION CONNECTIONS INCIDENTS
python3 "$ROOT/benchmarks/report.py" "$ROOT/benchmarks/RESULTS.md"
