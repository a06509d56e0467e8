#!/usr/bin/env bash
# What --redis-replicas-ack 1 costs, and how long writes stop on a failover.
#
# Starts scripts/ha-local.sh's topology (a Redis primary, two replicas, three
# Sentinels; a Release build), then two incident-api processes of our own on it,
# identical but for --redis-replicas-ack: 0 (a write is answered once the primary
# has it) and 1 (once WAIT 1 says a replica has it too). Both run in the same
# topology at the same time and are measured alternately, round after round, so
# that the machine's noise falls on both alike: only the ratios ack1/ack0 mean
# something. Then FAILOVERS times: a writer per process creates incidents in a
# loop, the primary is killed (SIGKILL), and the time until writes are
# acknowledged again is measured (benchmarks/replication_failover.py), with a
# read-back of every acknowledged create.
#
#   benchmarks/replication_cost.sh                # ROUNDS=8 DURATION=5 CONNECTIONS=32
#   ROUNDS=12 FAILOVERS=5 benchmarks/replication_cost.sh
#   KEEP=1 benchmarks/replication_cost.sh         # keep the work directory (logs)
#
# Environment: ROUNDS, DURATION (s per wrk run), CONNECTIONS, THREADS (wrk),
# WORKLOADS (wrk scenarios of benchmarks/wrk, each SCENARIO or SCENARIO:CONNECTIONS;
# default "create update_distinct comment comment:1"), INCIDENTS (seeded, the
# updates' and comments' targets), FAILOVERS, KEEP.
# The work directory is also kept, and the script exits 1, when a failover went
# wrong (writes never resumed, an acknowledged write lost with ack 1, a process
# died): its logs are what to look at.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
# Many short rounds rather than a few long ones: on a shared 2-core machine the
# background (another build, another test) changes within seconds and can make
# one run 3x slower than the next. The two runs of a pair are 5 s apart, and the
# median of eight pairs' ratios survives a few spoiled pairs.
ROUNDS="${ROUNDS:-8}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-32}"
# One wrk thread, as run.sh: it keeps up with these rates, and a second one would
# take a core from the servers on a 2-core machine.
THREADS="${THREADS:-1}"
# comment:1 is one connection, one write at a time: every write is a batch of its
# own, so with ack 1 each pays a whole WAIT round trip; under load (32
# connections) the writes that queue meanwhile share the next one.
WORKLOADS="${WORKLOADS:-create update_distinct comment comment:1}"
INCIDENTS="${INCIDENTS:-10000}"
FAILOVERS="${FAILOVERS:-3}"
KEEP="${KEEP:-0}"
export INCIDENTS

bench_setup replication incident-api seed_incidents
# Our own cleanup instead of lib.sh's, for two reasons. A Redis may refuse a
# SIGTERM for good ("Writing initial AOF, can't exit": a restarted server still
# writing its first append-only file), so after 30 s a process still running is
# sent SIGKILL rather than waited for forever. And with KEEP (or after a failure
# worth reading) the processes are stopped all the same but the logs stay.
# running PID: whether PID is still a live child of this script (a child killed
# by a failover was reaped, and its PID may have been given to a stranger since).
running() {
  local stat state ppid
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  read -r state ppid _ <<<"${stat##*) }"
  [ "$ppid" = $$ ] && [ "$state" != Z ]
}
cleanup() {
  local status=$? pid deadline=$((SECONDS + 30))
  for pid in "${PIDS[@]}"; do running "$pid" && kill -TERM "$pid" 2>/dev/null; done
  # ha-local.sh first: it stops its own processes stage by stage (~20 s at most).
  for pid in "${PIDS[@]}"; do
    while running "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if running "$pid"; then
      echo "pid $pid did not stop on SIGTERM within 30 s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ "$KEEP" = 1 ]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT

# --- the topology ------------------------------------------------------------
# ha-local.sh needs 31 consecutive ports (base .. base+30) and refuses taken
# ones at once: a random base, another one if that fails. Below the ephemeral
# range, where every outgoing connection takes its port from: ha-local.sh checks
# a port and binds it later, and a client socket took one in between (a run
# failed so with base 43945).
HA="$WORK/ha"
read -r EPHEMERAL_LOW _ </proc/sys/net/ipv4/ip_local_port_range
PORT_SPAN=$((EPHEMERAL_LOW - 31 - 10000))
[ "$PORT_SPAN" -ge 1000 ] || PORT_SPAN=20000  # an odd range: anywhere from 10000
for attempt in 1 2 3 4 5; do
  BASE_PORT=$((10000 + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
  HA_BINARY="$BUILD/incident-api" PM_SECRET_KEY=bench-secret "$ROOT/scripts/ha-local.sh" \
    --dir "$HA" --base-port "$BASE_PORT" --api-processes 1 >>"$WORK/ha-local.log" 2>&1 &
  HA_PID=$!
  # ha-local.sh stops everything it started on SIGTERM, so its PID is all we need.
  PIDS+=($HA_PID)
  until [ -e "$HA/ready" ] || ! kill -0 "$HA_PID" 2>/dev/null; do sleep 0.2; done
  [ -e "$HA/ready" ] && break
  wait "$HA_PID" || true
  echo "ha-local.sh failed (attempt $attempt, base port $BASE_PORT):" >&2
  grep -E 'ha-local:|already in use' "$WORK/ha-local.log" | tail -4 >&2
  [ "$attempt" -lt 5 ] || exit 1
done
source "$HA/topology.env"
SECRET="$(cat "$HA_SECRET_KEY_FILE")"
read -r -a SENTINEL_PORTS <<<"$HA_SENTINEL_PORTS"
read -r -a REDIS_PORTS <<<"$HA_REDIS_PORTS"

# The primary as the first Sentinel names it (it changes with each failover).
primary_port() {
  redis-cli -p "${SENTINEL_PORTS[0]}" SENTINEL get-master-addr-by-name "$HA_MASTER_NAME" | sed -n 2p
}

# Seeded through the storage code into the primary (ids 1..INCIDENTS, with the
# scopes and services the scenarios' scope=1 service=1 name), before our APIs
# start, so that they begin with empty caches, as run.sh's does.
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "redis://127.0.0.1:$(primary_port)/0" "$INCIDENTS")"

# start_sentinel_api NAME ARGS...: an incident-api finding the primary through the
# Sentinels, on a free port; sets PORT_<NAME> and PID_<NAME>, waits for /health 200.
start_sentinel_api() {
  local name="$1" port pid _
  shift
  port=$(free_port)
  PM_SECRET_KEY="$SECRET" "$BUILD/incident-api" --bind 127.0.0.1 --port "$port" \
    --redis-sentinels "$HA_SENTINELS" --redis-master-name "$HA_MASTER_NAME" "$@" \
    >"$WORK/api-$name.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  printf -v "PORT_$name" %s "$port"
  printf -v "PID_$name" %s "$pid"
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "127.0.0.1:$port/health")" = 200 ] &&
      return 0
    sleep 0.1
  done
  echo "incident-api ($name) did not start:" >&2
  tail -5 "$WORK/api-$name.log" >&2
  return 1
}
start_sentinel_api ack0 --redis-replicas-ack 0
start_sentinel_api ack1 --redis-replicas-ack 1 --redis-replicas-ack-timeout-ms 1000
ACK0="http://127.0.0.1:$PORT_ack0"
ACK1="http://127.0.0.1:$PORT_ack1"

# Every process follows the change stream from its start, the seeded entries
# included: wait until all three have read them (idle: < 5% of a core over 1 s).
for pid in "$PID_ack0" "$PID_ack1" ${HA_API_PIDS}; do
  deadline=$((SECONDS + 300))
  while :; do
    before=$(cpu_ticks "$pid"); sleep 1; after=$(cpu_ticks "$pid")
    [ $((after - before)) -le 5 ] && break
    [ $SECONDS -lt $deadline ] || { echo "incident-api pid $pid never went idle" >&2; exit 1; }
  done
done

export TOKEN=$(curl -s -X POST "$ACK0/api/token/create" -d secret="$SECRET" -d name=bench \
  -d permission=incident_api | tr -d '"')

# --- write throughput, ack 0 against ack 1 ------------------------------------
# wait_calls: WAIT commands the primary has run, to tell writes per WAIT (the
# pipeline sends one WAIT after each batch of commands that holds a write).
wait_calls() {
  redis-cli -p "$(primary_port)" INFO commandstats |
    sed -n 's/^cmdstat_wait:calls=\([0-9]*\).*/\1/p' | awk '{print} END {if (NR == 0) print 0}'
}
# repl_offset: bytes the primary has sent down its replication stream so far
# (what each replica must receive and apply before it can confirm a WAIT).
repl_offset() {
  redis-cli -p "$(primary_port)" INFO replication | sed -n 's/^master_repl_offset:\([0-9]*\).*/\1/p'
}
# run CONFIG WORKLOAD: one wrk run; appends its RESULT with the server's CPU, the
# primary's WAIT calls and replication bytes meanwhile to $WORK/runs.jsonl.
run() {
  local config="$1" workload="$2" scenario="${2%%:*}" connections="$CONNECTIONS"
  local url pid ticks_before waits_before offset_before result
  [ "$workload" = "$scenario" ] || connections="${workload#*:}"
  url="ACK${config#ack}"; url="${!url}"
  pid="PID_$config"; pid="${!pid}"
  ticks_before=$(cpu_ticks "$pid")
  waits_before=$(wait_calls)
  offset_before=$(repl_offset)
  result=$(wrk -t"$(( THREADS < connections ? THREADS : connections ))" -c"$connections" \
    -d"${DURATION}s" --latency \
    -s "$WRK_DIR/$scenario.lua" "$url" | sed -n 's/^RESULT //p')
  printf '%s, "config": "%s", "scenario": "%s", "round": %d, "server_ticks": %d, "waits": %d, "repl_bytes": %d}\n' \
    "${result%\}}" "$config" "$workload" "$round" $(($(cpu_ticks "$pid") - ticks_before)) \
    $(($(wait_calls) - waits_before)) $(($(repl_offset) - offset_before)) >>"$WORK/runs.jsonl"
  tail -1 "$WORK/runs.jsonl"
}
: >"$WORK/runs.jsonl"
for round in $(seq "$ROUNDS"); do
  for workload in $WORKLOADS; do
    # Which goes first alternates from round to round: a drift of the machine
    # (another build starting) does not always fall on the same one.
    if [ $((round % 2)) = 1 ]; then order="ack0 ack1"; else order="ack1 ack0"; fi
    for config in $order; do run "$config" "$workload"; done
  done
done

# --- failovers ------------------------------------------------------------------
: >"$WORK/failovers.jsonl"
FAILOVER_PROBLEM=""
for failover in $(seq "$FAILOVERS"); do
  old_port=$(primary_port)
  if ! python3 "$ROOT/benchmarks/replication_failover.py" "$HA" "$HA_MASTER_NAME" \
    "${SENTINEL_PORTS[*]}" "$TOKEN" "ack1=$ACK1" "ack0=$ACK0" | tee -a "$WORK/failovers.jsonl"; then
    KEEP=1
    exit 1
  fi
  problem=$(python3 - "$(tail -1 "$WORK/failovers.jsonl")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
problems = [f"{label}: writes never resumed" for label, w in r["writers"].items() if not w["resumed"]]
if r["writers"]["ack1"]["acknowledged_missing"]:
    problems.append("ack1: acknowledged creates missing afterwards")
if r["all_sentinels_s"] is None:
    problems.append("the sentinels did not all name a new primary")
print("; ".join(problems))
PY
  )
  for pid in "$PID_ack0" "$PID_ack1"; do
    running "$pid" || problem+="${problem:+; }incident-api pid $pid died"
  done
  if [ -n "$problem" ]; then
    FAILOVER_PROBLEM="failover $failover: $problem"
    echo "$FAILOVER_PROBLEM" >&2
    for log in "$WORK"/api-ack*.log; do echo "--- end of $log" >&2; tail -20 "$log" >&2; done
    KEEP=1
    break
  fi
  [ "$failover" -lt "$FAILOVERS" ] || break
  # The killed server back, from its own config: Sentinel makes it a replica of
  # the new primary. The next kill waits until it has synced, and for at least
  # 12 s after this one: a Sentinel does not start another failover of a master
  # within twice failover-timeout (2 x 5 s) of its last one. (When a later
  # failover kills it, bash reports it as a job "Killed": that is the kill.)
  started=$SECONDS
  dir="$HA/redis-$old_port"
  (cd "$dir" && exec redis-server "$dir/redis-$old_port.conf") >/dev/null 2>&1 &
  PIDS+=($!)
  deadline=$((SECONDS + 60))
  until redis-cli -p "$old_port" INFO replication 2>/dev/null | tr -d '\r' |
      grep -qx 'master_link_status:up'; do
    [ $SECONDS -lt $deadline ] || { echo "redis $old_port did not rejoin as a replica" >&2; KEEP=1; exit 1; }
    sleep 0.2
  done
  while [ $((SECONDS - started)) -lt 12 ]; do sleep 0.5; done
done

# --- report ---------------------------------------------------------------------
python3 - "$WORK/runs.jsonl" "$WORK/failovers.jsonl" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
failovers = [json.loads(line) for line in open(sys.argv[2])]
ticks = int(sys.argv[3])
med = statistics.median
rounds = sorted({r["round"] for r in runs})
print(f"\nMedians over {len(rounds)} rounds (every run's figures: runs.jsonl). A WAIT cycle is\n"
      "writes per WAIT / requests per s: how long the writes connection takes per batch.\n"
      "ack1/ack0 is the median of the rounds' ratios (the two runs of a round are\n"
      "back to back), with the lowest and highest in brackets.")
print("\n| workload | config | requests/s | p50 ms | p99 ms | server CPU us/request "
      "| replication bytes/request | writes per WAIT | WAIT cycle ms | non-302 or socket errors |")
print("|---|---|---|---|---|---|---|---|---|---|")
for scenario in dict.fromkeys(r["scenario"] for r in runs):
    by = {(r["config"], r["round"]): r for r in runs if r["scenario"] == scenario}
    for config in ("ack0", "ack1"):
        rs = [by[config, n] for n in rounds]
        waits = sum(r["waits"] for r in rs)
        per_wait = sum(r["acknowledged"] for r in rs) / waits if waits else None
        rps = med(r["rps"] for r in rs)
        print(f"| {scenario} | {config} | {rps:,.0f} | {med(r['p50_us'] for r in rs) / 1000:.2f} | "
              f"{med(r['p99_us'] for r in rs) / 1000:.2f} | "
              f"{med(r['server_ticks'] / ticks * 1e6 / r['requests'] for r in rs):.0f} | "
              f"{med(r['repl_bytes'] / r['requests'] for r in rs):,.0f} | "
              f"{'-' if per_wait is None else f'{per_wait:.1f}'} | "
              f"{'-' if per_wait is None else f'{per_wait / rps * 1000:.1f}'} | "
              f"{sum(r['unexpected'] + r['socket_errors'] for r in rs)} |")
    def ratio(key, scale=lambda r, v: v):
        values = [scale(by["ack1", n], by["ack1", n][key]) / scale(by["ack0", n], by["ack0", n][key])
                  for n in rounds]
        return f"{med(values):.2f} [{min(values):.2f}-{max(values):.2f}]"
    cpu = lambda r, v: v / r["requests"]
    print(f"| {scenario} | ack1/ack0 | {ratio('rps')} | {ratio('p50_us')} | {ratio('p99_us')} | "
          f"{ratio('server_ticks', cpu)} | | | | |")
if failovers:
    print("\nFailovers (seconds from the SIGKILL of the primary; the window ends with the\n"
          "first create sent after the kill and acknowledged):")
    print("\n| failover | killed | new primary | first sentinel names it | all sentinels | "
          "window, ack 1 | window, ack 0 | failed attempts before (ack 1 / ack 0) | "
          "acknowledged creates missing afterwards (ack 1 / ack 0) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, f in enumerate(failovers, 1):
        w1, w0 = f["writers"]["ack1"], f["writers"]["ack0"]
        fails = lambda w: ", ".join(f"{n} x {k}" for k, n in w["failed_before_resume"].items()) or "0"
        print(f"| {i} | {f['killed']} | {f['new_primary']} | {f['first_sentinel_s']} | "
              f"{f['all_sentinels_s']} | {w1['window_s']} | {w0['window_s']} | "
              f"{fails(w1)} / {fails(w0)} | "
              f"{len(w1['acknowledged_missing'])} of {w1['acknowledged']:,} / "
              f"{len(w0['acknowledged_missing'])} of {w0['acknowledged']:,} |")
PY
if [ -n "$FAILOVER_PROBLEM" ]; then
  echo "FAILED: $FAILOVER_PROBLEM (logs in $WORK)" >&2
  exit 1
fi
