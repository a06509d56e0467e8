#!/usr/bin/env bash
# What metrics and the access log cost.
#
# Two incident-api processes (Release) on one private Redis, identical but for
# observability: "on" (the defaults: --metrics on, --access-log text, written to
# a file as a service manager would) and "off" (--metrics=off --access-log off).
# They are measured alternately, round after round, with the same wrk scenarios,
# so the machine's noise falls on both alike: only the ratios on/off mean
# something. A third run of "on" with --access-log json adds its own column.
#
#   benchmarks/observability_cost.sh              # ROUNDS=8 DURATION=5 CONNECTIONS=32
#   ROUNDS=12 WORKLOADS="get_hot create" benchmarks/observability_cost.sh
#
# Environment: ROUNDS, DURATION (s per wrk run), CONNECTIONS, THREADS (wrk),
# WORKLOADS (wrk scenarios of benchmarks/wrk), INCIDENTS (seeded), KEEP (keep
# the work directory: logs and runs.jsonl).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
ROUNDS="${ROUNDS:-8}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"  # one wrk thread keeps up and leaves the cores to the servers
WORKLOADS="${WORKLOADS:-get_hot get_random create update_distinct}"
INCIDENTS="${INCIDENTS:-10000}"
KEEP="${KEEP:-0}"
CONFIGS="off on json"
export INCIDENTS

bench_setup observability incident-api seed_incidents
[ "$KEEP" = 1 ] && trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done;
  wait; echo "work directory kept: $WORK" >&2' EXIT
start_redis
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"

# start_config NAME ARGS...: an incident-api on a free port with those flags; its
# stderr (where the access log goes) to a file. Sets PORT_<NAME> and PID_<NAME>.
start_config() {
  local name="$1" port pid _
  shift
  port=$(free_port)
  PM_SECRET_KEY=bench-secret "$BUILD/incident-api" --port "$port" --redis-uri "unix://$SOCKET" \
    "$@" 2>"$WORK/api-$name.log" &
  pid=$!
  PIDS+=($pid)
  printf -v "PORT_$name" %s "$port"
  printf -v "PID_$name" %s "$pid"
  for _ in $(seq 300); do curl -sf "127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
  echo "incident-api ($name) did not start:" >&2
  tail -5 "$WORK/api-$name.log" >&2
  return 1
}
start_config off --metrics=off --access-log off
start_config on
start_config json --access-log json
# Each follows the change stream from its start: wait until all have read the seed.
for config in $CONFIGS; do
  API_PID="PID_$config"; API_PID="${!API_PID}"
  wait_caught_up
done

export TOKEN=$(curl -s -X POST "127.0.0.1:$PORT_on/api/token/create" -d secret=bench-secret \
  -d name=bench -d permission=incident_api | tr -d '"')
export HOT_ID=1

# run CONFIG WORKLOAD: one wrk run; appends its RESULT and the server's CPU ticks to runs.jsonl.
run() {
  local config="$1" scenario="$2" port pid ticks_before result
  port="PORT_$config"; port="${!port}"
  pid="PID_$config"; pid="${!pid}"
  ticks_before=$(cpu_ticks "$pid")
  result=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$WRK_DIR/$scenario.lua" "http://127.0.0.1:$port" | sed -n 's/^RESULT //p')
  printf '%s, "config": "%s", "scenario": "%s", "round": %d, "server_ticks": %d}\n' \
    "${result%\}}" "$config" "$scenario" "$round" $(($(cpu_ticks "$pid") - ticks_before)) \
    >>"$WORK/runs.jsonl"
  tail -1 "$WORK/runs.jsonl"
}
: >"$WORK/runs.jsonl"
for round in $(seq "$ROUNDS"); do
  for scenario in $WORKLOADS; do
    # The order rotates from round to round: a drift of the machine does not
    # always fall on the same configuration.
    case $((round % 3)) in
      0) order="off on json" ;; 1) order="on json off" ;; *) order="json off on" ;;
    esac
    for config in $order; do run "$config" "$scenario"; done
  done
done

echo "access log: $(wc -l <"$WORK/api-on.log") text lines, $(wc -l <"$WORK/api-json.log") json lines"
python3 - "$WORK/runs.jsonl" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
ticks = int(sys.argv[2])
med = statistics.median
scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
print()
print("| scenario | off req/s | on req/s | on/off (median of rounds, min-max) | json/off | "
      "CPU us/req off | on | json |")
print("|---|---|---|---|---|---|---|---|")
for s in scenarios:
    by = {c: {r["round"]: r for r in runs if r["scenario"] == s and r["config"] == c}
          for c in ("off", "on", "json")}
    rounds = sorted(set(by["off"]) & set(by["on"]) & set(by["json"]))
    ratio = lambda c: [by[c][k]["rps"] / by["off"][k]["rps"] for k in rounds]
    cpu = lambda c: med([by[c][k]["server_ticks"] / ticks * 1e6 / max(1, by[c][k]["requests"])
                         for k in rounds])
    on, js = ratio("on"), ratio("json")
    print(f"| {s} | {med(by['off'][k]['rps'] for k in rounds):,.0f} "
          f"| {med(by['on'][k]['rps'] for k in rounds):,.0f} "
          f"| {med(on):.3f} ({min(on):.3f}-{max(on):.3f}) | {med(js):.3f} ({min(js):.3f}-{max(js):.3f}) "
          f"| {cpu('off'):.1f} | {cpu('on'):.1f} | {cpu('json'):.1f} |")
PY
