#!/usr/bin/env bash
# What metrics and the access log cost, counted in instructions rather than
# timed: the machine's noise moves throughput by tens of percent from one run
# to the next, but not the instructions the server executes per request.
#
# Runs the Release server under valgrind's callgrind twice, "off"
# (--metrics=off --access-log off) and "on" (the defaults, the log to a file),
# sends each the same requests from one keep-alive client after a warm-up, and
# counts every instruction of the process (all threads) between the two marks.
# Kernel work (the log file's writes, one per 50 ms batch) is not counted.
#
#   benchmarks/observability_instructions.sh            # REQUESTS=20000 PATHS=get_hot
#   REQUESTS=5000 benchmarks/observability_instructions.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
REQUESTS="${REQUESTS:-20000}"
INCIDENTS="${INCIDENTS:-1000}"
command -v valgrind >/dev/null || "$ROOT/scripts/install-deps.sh" valgrind

bench_setup observability-instructions incident-api seed_incidents
# KEEP=1 keeps the work directory: the callgrind dumps, for callgrind_annotate.
[ "${KEEP:-0}" = 1 ] && trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done;
  wait; echo "work directory kept: $WORK" >&2' EXIT
start_redis
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")" >&2

# measure NAME FLAGS...: instructions per request of GET /api/incident/1 (hot,
# cached) and GET of incidents in turn (random, mostly loaded from Redis).
measure() {
  local name="$1" port pid _
  shift
  port=$(free_port)
  PM_SECRET_KEY=bench-secret valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.%p" \
    "$BUILD/incident-api" --port "$port" --redis-uri "unix://$SOCKET" "$@" \
    2>"$WORK/api-$name.log" &
  pid=$!
  PIDS+=($pid)
  for _ in $(seq 600); do curl -sf "127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  python3 - "$port" "$pid" "$REQUESTS" "$INCIDENTS" "$WORK/$name" "$name" <<'PY'
import glob, http.client, subprocess, sys
port, pid, requests, incidents, out, name = sys.argv[1:]
requests, incidents = int(requests), int(incidents)
conn = http.client.HTTPConnection("127.0.0.1", int(port))
def get(path):
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    assert response.status == 200, (path, response.status)
def instructions():
    # Dump, then read the newest dump's total of instructions (Ir).
    before = set(glob.glob(out + ".*"))
    subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
    dumps = sorted(set(glob.glob(out + ".*")) - before)
    total = 0
    for line in open(dumps[-1]):
        if line.startswith("summary:") or line.startswith("totals:"):
            total = int(line.split()[1])
    return total
for scenario, path_of in (("get_hot", lambda i: "/api/incident/1"),
                          ("get_random", lambda i: "/api/incident/%d" % (1 + (i * 7919) % incidents))):
    for i in range(2000):  # warm-up: caches, pools, the first second's timestamp
        get(path_of(i))
    subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
    for i in range(requests):
        get(path_of(i))
    total = instructions()
    print('{"config": "%s", "scenario": "%s", "requests": %d, "instructions": %d}'
          % (name, scenario, requests, total))
PY
  kill -TERM "$pid"
  wait "$pid" || true
}

{ measure off --metrics=off --access-log off; measure on; measure json --access-log json; } \
  | tee "$WORK/runs.jsonl"
python3 - "$WORK/runs.jsonl" <<'PY'
import json, sys
runs = {(r["config"], r["scenario"]): r for r in map(json.loads, open(sys.argv[1]))}
print()
print("| scenario | instructions/request off | on | on/off | json | json/off |")
print("|---|---|---|---|---|---|")
for scenario in ("get_hot", "get_random"):
    per = {c: runs[(c, scenario)]["instructions"] / runs[(c, scenario)]["requests"]
           for c in ("off", "on", "json")}
    print("| %s | %.0f | %.0f | %.3f | %.0f | %.3f |" % (scenario, per["off"], per["on"],
          per["on"] / per["off"], per["json"], per["json"] / per["off"]))
PY
