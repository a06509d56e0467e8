#!/usr/bin/env bash
# Outbound webhooks: how fast they are delivered, how late, and what they cost
# the writes.
#
# One incident-api (Release, --webhook-allow-private) on a private Redis, and
# benchmarks/webhook_receiver.cpp on loopback: a Pistache server answering 200
# at once that keeps each delivery's webhook-id ("msg_<stream id>": its leading
# milliseconds are the commit time) and arrival time. ENDPOINTS webhooks point
# at it (/hook/1..N, every incident event), all disabled but those a phase
# enables. Latency is arrival minus commit, both read on this machine's clock.
#
#   1. steady: RATE creates a second for STEADY seconds (one paced client), with
#      1 endpoint and then ENDPOINTS: delivery latency p50/p99.
#   2. burst: BURST changes committed at once (seed_incidents, through the
#      commit script, several thousand a second), with 1 endpoint and then
#      ENDPOINTS: deliveries/s = deliveries / (last arrival - first commit).
#   3. write throughput: wrk (WORKLOADS) with 0 endpoints enabled and with
#      ENDPOINTS, alternated round after round (the order flips every round), so
#      the machine's drift falls on both: only the ratios mean something. After
#      a run with endpoints they are disabled, which drops what is still waiting
#      in their retries, and the server is let go idle before the next run.
# Each phase waits at most DRAIN_TIMEOUT seconds for its deliveries; what was
# not delivered by then is reported, not waited for.
#
#   benchmarks/webhook_delivery.sh        # ROUNDS=4 DURATION=5 CONNECTIONS=32 RATE=200 BURST=2000; ~7 min
#   ROUNDS=6 RATE=400 BURST=5000 benchmarks/webhook_delivery.sh
#
# Environment: ROUNDS, DURATION (s per wrk run), CONNECTIONS, THREADS (wrk),
# WORKLOADS (wrk scenarios of benchmarks/wrk), ENDPOINTS, RATE and STEADY
# (paced writes/s and seconds), BURST (changes), DRAIN_TIMEOUT (s), INCIDENTS
# (seeded for update_distinct), KEEP (keep the work directory: logs, dumps,
# runs.jsonl).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
ROUNDS="${ROUNDS:-4}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
WORKLOADS="${WORKLOADS:-create update_distinct}"
ENDPOINTS="${ENDPOINTS:-10}"
RATE="${RATE:-200}"
STEADY="${STEADY:-15}"
BURST="${BURST:-2000}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-120}"
INCIDENTS="${INCIDENTS:-10000}"
KEEP="${KEEP:-0}"
HELPER="$ROOT/benchmarks/webhook_delivery.py"
export INCIDENTS

bench_setup webhooks incident-api webhook-receiver seed_incidents
[ "$KEEP" = 1 ] && trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done;
  wait; echo "work directory kept: $WORK" >&2' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start_redis
# Seeded before the server starts: its consumer group begins at the stream's
# end, so the seed is no delivery.
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"
STREAM=pm:incidents:stream

RECEIVER_PORT=$(free_port)
"$BUILD/benchmarks/webhook-receiver" --port "$RECEIVER_PORT" 2>"$WORK/receiver.log" &
RECEIVER_PID=$!
PIDS+=($RECEIVER_PID)
RECEIVER="http://127.0.0.1:$RECEIVER_PORT"
until curl -sf "$RECEIVER/count" >/dev/null; do sleep 0.1; done

API_PORT=$(free_port)
API="http://127.0.0.1:$API_PORT"
PM_SECRET_KEY=bench-secret "$BUILD/incident-api" --port "$API_PORT" --redis-uri "unix://$SOCKET" \
  --webhook-allow-private 2>"$WORK/api.log" &
API_PID=$!
PIDS+=($API_PID)
for _ in $(seq 300); do curl -sf "$API/health" >/dev/null && break; sleep 0.1; done
curl -sf "$API/health" >/dev/null || { tail -5 "$WORK/api.log" >&2; exit 1; }
wait_caught_up

export TOKEN=$(curl -s -X POST "$API/api/token/create" -d secret=bench-secret -d name=bench \
  -d permission=incident_api -d permission=webhook_api | tr -d '"')
AUTH=(-H "Authorization: Bearer $TOKEN")
HOOKS=()
for i in $(seq "$ENDPOINTS"); do
  HOOKS+=($(curl -sf -X POST "$API/api/webhook/create" "${AUTH[@]}" -d enabled=false \
    -d url="$RECEIVER/hook/$i" -d description="bench $i" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'))
done
ENABLED=0

# enable COUNT: the first COUNT endpoints enabled, the others disabled (which
# drops their waiting retries).
enable() {
  local i want
  for i in $(seq "$ENDPOINTS"); do
    want=$([ "$i" -le "$1" ] && echo true || echo false)
    if [ "$i" -le "$ENABLED" ] && [ "$want" = true ]; then continue; fi
    if [ "$i" -gt "$ENABLED" ] && [ "$want" = false ]; then continue; fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/api/webhook/${HOOKS[$((i - 1))]}/update" \
      "${AUTH[@]}" -d enabled="$want")" = 302 ] || { echo "webhook update refused" >&2; exit 1; }
  done
  ENABLED=$1
}
# backlog: "<changes read by the group, not acknowledged> <changes not read
# yet> <retries waiting, all endpoints>"; all 0 once every delivery due has
# been made (an outcome is recorded after the receiver's answer).
backlog() {
  local pending lag retries=0 id
  pending=$(redis-cli -s "$SOCKET" xpending "$STREAM" webhooks | head -1)
  lag=$(redis-cli -s "$SOCKET" xinfo groups "$STREAM" | sed -n '/^lag$/{n;p}')
  for id in "${HOOKS[@]}"; do
    retries=$((retries + $(redis-cli -s "$SOCKET" zcard "pm:webhook:$id:retries")))
  done
  echo "$pending ${lag:-unknown} $retries"
}
# wait_drained: 0 once the backlog is empty, 1 after DRAIN_TIMEOUT seconds.
wait_drained() {
  local deadline=$((SECONDS + DRAIN_TIMEOUT))
  until [ "$(backlog)" = "0 0 0" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}
# settle: no endpoint enabled, nothing left in flight, the server idle, and the
# receiver emptied.
settle() {
  enable 0
  wait_drained || { echo "backlog left after disabling: $(backlog)" >&2; exit 1; }
  wait_caught_up
  curl -s "$RECEIVER/dump" >/dev/null
}
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
: >"$WORK/runs.jsonl"

# delivery_phase KIND COUNT: enables COUNT endpoints, commits (paced writes or a
# seeded burst), waits for the deliveries and appends the figures to runs.jsonl.
delivery_phase() {
  local kind="$1" count="$2" writes write_rate drained=true before after pace
  settle
  enable "$count"
  wait_caught_up
  before=$(redis-cli -s "$SOCKET" xlen "$STREAM")
  if [ "$kind" = steady ]; then
    pace=$(python3 "$HELPER" pace "$API" "$TOKEN" "$RATE" "$STEADY")
    write_rate=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['rate'])" "$pace")
  else
    "$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$BURST" >/dev/null
    write_rate=0
  fi
  after=$(redis-cli -s "$SOCKET" xlen "$STREAM")
  writes=$((after - before))
  wait_drained || { drained=false; echo "  not drained after ${DRAIN_TIMEOUT}s: $(backlog)" >&2; }
  curl -s "$RECEIVER/dump" >"$WORK/$kind-$count.txt"
  printf '{"kind": "%s", "endpoints": %d, "writes": %d, "write_rate": %s, "drained": %s, "load": "%s", "deliveries": %s}\n' \
    "$kind" "$count" "$writes" "$write_rate" "$drained" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(python3 "$HELPER" deliveries "$WORK/$kind-$count.txt" $((writes * count)))" \
    >>"$WORK/runs.jsonl"
  tail -1 "$WORK/runs.jsonl"
}
delivery_phase steady 1
delivery_phase steady "$ENDPOINTS"
delivery_phase burst 1
delivery_phase burst "$ENDPOINTS"

# run COUNT SCENARIO: one wrk run with COUNT endpoints enabled; appends its
# RESULT with the CPU ticks of the server, redis-server, the receiver and the
# whole machine, and the deliveries that arrived during the run.
run() {
  local count="$1" scenario="$2" server redis receiver busy result delivered
  settle
  enable "$count"
  wait_caught_up
  server=$(cpu_ticks "$API_PID"); redis=$(cpu_ticks "$REDIS_PID")
  receiver=$(cpu_ticks "$RECEIVER_PID"); busy=$(busy_ticks)
  result=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$WRK_DIR/$scenario.lua" "$API" | sed -n 's/^RESULT //p')
  delivered=$(curl -s "$RECEIVER/count")
  printf '%s, "kind": "wrk", "endpoints": %d, "scenario": "%s", "round": %d, "server_ticks": %d, "redis_ticks": %d, "receiver_ticks": %d, "machine_ticks": %d, "delivered_during_run": %d, "backlog_after": "%s", "load": "%s"}\n' \
    "${result%\}}" "$count" "$scenario" "$round" $(($(cpu_ticks "$API_PID") - server)) \
    $(($(cpu_ticks "$REDIS_PID") - redis)) $(($(cpu_ticks "$RECEIVER_PID") - receiver)) \
    $(($(busy_ticks) - busy)) "$delivered" "$(backlog)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    >>"$WORK/runs.jsonl"
  tail -1 "$WORK/runs.jsonl"
}
for round in $(seq "$ROUNDS"); do
  for scenario in $WORKLOADS; do
    if [ $((round % 2)) = 1 ]; then order="0 $ENDPOINTS"; else order="$ENDPOINTS 0"; fi
    for count in $order; do run "$count" "$scenario"; done
  done
done
settle

# Every endpoint's recent attempts (the last 100 each): anything but "delivered"?
for id in "${HOOKS[@]}"; do
  curl -s "$API/api/webhook/$id/deliveries?limit=100" "${AUTH[@]}"
  echo
done | python3 -c '
import collections, json, sys
outcomes = collections.Counter()
errors = collections.Counter()
for line in sys.stdin:
    for item in json.loads(line)["items"]:
        outcomes[item["outcome"]] += 1
        if item["error"] or item["status"] != 200:
            errors[(item["status"], item["error"])] += 1
print("deliveries lists (last 100 per endpoint):", dict(outcomes), "not 200:", dict(errors) or "none")'
curl -s "$API/metrics" | grep '^incident_api_webhook_attempts_total' || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HELPER" report "$WORK/runs.jsonl" "$(getconf CLK_TCK)"
