#!/usr/bin/env bash
# What one list may cost Redis, and what costly lists do to writes, in one run:
# starts a private redis-server and incident-api (Release), seeds COUNT
# incidents with seed_incidents, then
#   1. sends every shape of list query once (benchmarks/list_cost_search.py:
#      filters with 0, 1, 3 or all values, date ranges, page depths) and finds
#      the costliest one the server accepts, by Redis time (SLOWLOG);
#   2. runs a comment load alone, then the same load while LIST_CLIENTS clients
#      send the costliest accepted list in a loop, and compares the comments' p99.
# Prints the figures and writes them between the list-cost markers of RESULTS.md.
#
#   benchmarks/list_cost.sh                    # COUNT=1000000, ~15 minutes
#   COUNT=100000 DURATION=10 LIST_CLIENTS=20 WRITE_CLIENTS=20 benchmarks/list_cost.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
COUNT="${COUNT:-1000000}"
DURATION="${DURATION:-10}"
LIST_CLIENTS="${LIST_CLIENTS:-20}"
WRITE_CLIENTS="${WRITE_CLIENTS:-20}"

bench_setup list-cost incident-api seed_incidents
API_PORT=$(free_port)
start_redis
start_api "$API_PORT"
API="http://127.0.0.1:$API_PORT"

echo "seeding $COUNT incidents"
"$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$COUNT" >/dev/null
wait_caught_up

echo "searching the list shapes"
python3 "$ROOT/benchmarks/list_cost_search.py" "$API" "$SOCKET" >"$WORK/search.json"
redis-cli -s "$SOCKET" config set slowlog-log-slower-than 10000 >/dev/null
COSTLIEST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["costliest_accepted"][0]["path"])' \
  "$WORK/search.json")

TOKEN=$(curl -s -X POST "$API/api/token/create" -d secret=bench-secret -d name=bench \
  -d permission=incident_api | tr -d '"')
comments() {  # comments OUTPUT: the comment load on random seeded incidents
  TOKEN="$TOKEN" INCIDENTS="$COUNT" wrk -t1 -c"$WRITE_CLIENTS" -d"${DURATION}s" --latency \
    -s "$WRK_DIR/comment.lua" "$API" | grep '^RESULT' | cut -d' ' -f2- >"$1"
}
echo "comments alone"
comments "$WORK/alone.json"
echo "comments beside $LIST_CLIENTS clients sending $COSTLIEST"
LIST_PATH="$COSTLIEST" wrk -t1 -c"$LIST_CLIENTS" -d"$((DURATION + 2))s" --timeout 30s \
  -s "$WRK_DIR/list_query.lua" "$API" >"$WORK/lists.txt" &
LISTS_PID=$!
sleep 1
comments "$WORK/beside.json"
wait "$LISTS_PID"
grep -E '^(RESULT|STATUSES)' "$WORK/lists.txt" | cut -d' ' -f2- | paste -sd' ' >"$WORK/lists.json"

export COUNT DURATION LIST_CLIENTS WRITE_CLIENTS
export MACHINE="$(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), $(redis-server --version | cut -d' ' -f3)"
python3 "$ROOT/benchmarks/list_cost_report.py" "$WORK" "$ROOT/benchmarks/RESULTS.md"
