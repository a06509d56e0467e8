#!/usr/bin/env bash
# Redis' memory footprint at INCIDENTS incidents of EVENTS events each with the
# change stream at the server's default cap, and the write p99 during an AOF
# rewrite next to the p99 without one, in one run:
#   1. starts a private redis-server (unix socket, appendonly yes, appendfsync
#      everysec, no automatic rewrite: the only rewrites are the measured ones);
#   2. seeds the incidents through the commit script (seed_incidents with
#      SEED_EVENTS: created, moved to their status by an update, then comments,
#      each change its own commit and stream entry; the stream capped at
#      incident-api's default --stream-maxlen);
#   3. measures where the memory goes (benchmarks/memory_footprint.py: INFO
#      memory, MEMORY USAGE of SAMPLES random incidents' hash and events, of
#      every pm:idx:* key and of the stream, their encodings);
#   4. starts incident-api (Release, default settings) on that Redis and runs
#      the comment load (wrk, benchmarks/wrk/comment.lua) ROUNDS times each
#      without and right after BGREWRITEAOF, in ABBA order, reporting the
#      rewrite's duration and how much of the wrk run it covered.
# Prints the figures and writes them between the memory-footprint markers of
# RESULTS.md.
#
#   benchmarks/memory_footprint.sh            # defaults below, ~13 minutes (9 seeding)
#   INCIDENTS=1000000 EVENTS=3 DURATION=10 ROUNDS=2 CONNECTIONS=50 benchmarks/memory_footprint.sh
#   REDIS_ARGS="" benchmarks/memory_footprint.sh   # Redis' default encodings
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
INCIDENTS="${INCIDENTS:-1000000}"
EVENTS="${EVENTS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONNECTIONS="${CONNECTIONS:-50}"
ROUNDS="${ROUNDS:-2}"
SAMPLES="${SAMPLES:-1000}"
SETTLE="${SETTLE:-3}"  # seconds of quiet after each run (the rewrite's file reaches the disk)
export INCIDENTS

bench_setup memory-footprint incident-api seed_incidents
# incident-api's own default cap of the change stream (--stream-maxlen).
STREAM_MAXLEN=$("$BUILD/incident-api" --help | grep -A1 -- '--stream-maxlen ' | tail -1 |
  sed -n 's/.*(default \([0-9]*\).*/\1/p')
API_PORT=$(free_port)
# REDIS_ARGS: more redis-server settings; by default what the README asks of a
# Redis of one's own (and the embedded one has): compact hashes up to 1 KB values.
# REDIS_ARGS="" measures Redis' defaults.
read -r -a redis_args <<<"${REDIS_ARGS---hash-max-listpack-value 1024}"
start_redis --appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0 \
  "${redis_args[@]}"
rcli() { redis-cli -s "$SOCKET" "$@"; }
# field SECTION NAME: one field of INFO SECTION.
field() { rcli info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }
rewriting() {
  [ "$(field persistence aof_rewrite_in_progress)" = 1 ] ||
    [ "$(field persistence aof_rewrite_scheduled)" = 1 ]
}

echo "seeding $INCIDENTS incidents of $EVENTS events (stream cap $STREAM_MAXLEN)"
SEED_LINE=$(SEED_EVENTS="$EVENTS" SEED_STREAM_MAXLEN="$STREAM_MAXLEN" \
  "$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")
echo "$SEED_LINE"
echo "measuring Redis memory"
python3 "$ROOT/benchmarks/memory_footprint.py" measure "$SOCKET" "$SAMPLES" "$WORK/memory.json"

start_api "$API_PORT"
API="http://127.0.0.1:$API_PORT"
wait_caught_up
export TOKEN=$(curl -s -X POST "$API/api/token/create" -d secret=bench-secret -d name=bench \
  -d permission=incident_api | tr -d '"')
comments() {  # comments SECONDS: the comment load on random incidents; its RESULT JSON
  wrk -t1 -c"$CONNECTIONS" -d"${1}s" --latency -s "$WRK_DIR/comment.lua" "$API" |
    sed -n 's/^RESULT //p'
}
comments "$WARMUP" >/dev/null
sleep "$SETTLE"

RUNS="$WORK/runs.txt"
: >"$RUNS"
# run without|with ROUND: one comment load; `with` starts it right after
# BGREWRITEAOF, and a watcher notes when the rewrite ends (polled every 0.1 s).
run() {
  local kind=$1 extra='{}' t0 t1 rw0 watcher result
  if [ "$kind" = with ]; then
    rm -f "$WORK/rewrite_end"
    rw0=$(date +%s.%N)
    rcli bgrewriteaof >/dev/null
    (while rewriting; do sleep 0.1; done; date +%s.%N >"$WORK/rewrite_end") &
    watcher=$!
  fi
  t0=$(date +%s.%N)
  result=$(comments "$DURATION")
  t1=$(date +%s.%N)
  if [ "$kind" = with ]; then
    wait "$watcher"
    extra=$(python3 -c '
import json, sys
rw0, rw1, t0, t1 = map(float, sys.argv[1:5])
print(json.dumps({"rewrite_s": rw1 - rw0, "overlap_s": max(0.0, min(t1, rw1) - max(t0, rw0)),
                  "wrk_s": t1 - t0, "rewrite_info_s": int(sys.argv[5]), "fork_us": int(sys.argv[6])},
                 separators=(",", ":")))' \
      "$rw0" "$(cat "$WORK/rewrite_end")" "$t0" "$t1" \
      "$(field persistence aof_last_rewrite_time_sec)" "$(field stats latest_fork_usec)")
    [ "$(field persistence aof_last_bgrewrite_status)" = ok ] || { echo "AOF rewrite failed" >&2; exit 1; }
  fi
  echo "$kind $2 $extra $result" >>"$RUNS"
  echo "  $kind rewrite: $result $extra"
  sleep "$SETTLE"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then run without "$round"; run with "$round"
  else run with "$round"; run without "$round"; fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)
AOF_BASE=$(field persistence aof_base_size)

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
if git -C "$ROOT" status --porcelain | grep -qv ' benchmarks/'; then
  COMMIT="$COMMIT with uncommitted changes"
elif [ -n "$(git -C "$ROOT" status --porcelain)" ]; then
  COMMIT="$COMMIT with uncommitted changes in benchmarks/ only"
fi
export COMMIT SEED_LINE STREAM_MAXLEN DURATION WARMUP CONNECTIONS LOAD_BEFORE LOAD_AFTER AOF_BASE
export COMMAND="INCIDENTS=$INCIDENTS EVENTS=$EVENTS DURATION=$DURATION ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS benchmarks/memory_footprint.sh"
export REDIS_VERSION="$(redis-server --version | cut -d' ' -f3)"
export MACHINE="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME")"
python3 "$ROOT/benchmarks/memory_footprint.py" report "$WORK/memory.json" "$RUNS" \
  "$ROOT/benchmarks/RESULTS.md"
