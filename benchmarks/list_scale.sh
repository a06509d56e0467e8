#!/usr/bin/env bash
# List latency against the number of stored incidents, in one run: starts a
# private redis-server (unix socket, no persistence) and incident-api (Release,
# loopback port), seeds SMALL incidents with seed_incidents (the storage code
# path, scopes and services included), runs wrk on each list query, adds
# incidents up to LARGE without restarting anything, runs the same queries
# again, and prints (and writes between the list-scale markers of RESULTS.md)
# requests/s, p50, p99, errors and the 1M/10k ratios.
#
#   benchmarks/list_scale.sh                       # defaults below, ~6 minutes
#   SMALL=10000 LARGE=1000000 DURATION=10 CONNECTIONS=50 benchmarks/list_scale.sh
#   EXTRA=0 ...                                    # skip the informative extra query
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONNECTIONS="${CONNECTIONS:-50}"
SMALL="${SMALL:-10000}"
LARGE="${LARGE:-1000000}"
EXTRA="${EXTRA:-1}"

bench_setup list-scale incident-api seed_incidents
API_PORT=$(free_port)
start_redis
rcli() { redis-cli -s "$SOCKET" "$@"; }
start_api "$API_PORT"
API="http://127.0.0.1:$API_PORT"

# The four queries of the target, then (EXTRA=1) one informative query that
# ANDs two separate indexes. Match fractions follow seed_incidents'
# distributions; the run prints the measured totals.
QUERIES=(
  "unfiltered|/api/incident?per_page=20"
  "severity|/api/incident?per_page=20&severity=high"
  "scope_status|/api/incident?per_page=20&scope=3&status=resolved"
  "date_range|/api/incident?per_page=20&impact_after=2024-03-01T00:00&impact_before=2024-04-01T00:00"
)
[ "$EXTRA" = 1 ] && QUERIES+=("severity_scope|/api/incident?per_page=20&severity=high&scope=3")

OUT="$WORK/results.txt"
: >"$OUT"
note() { echo "$1 $2" >>"$OUT"; }

seed() {  # seed COUNT SCALE
  local started=$SECONDS line
  line=$("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$1")
  echo "$line"
  note "$2" "seed $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$line")"
  wait_caught_up
  note "$2" "caught_up_s $((SECONDS - started))"
}

redis_cpu() {  # seconds of CPU redis-server has used
  rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ {t += $2} END {print t}'
}

evalsha_stat() {  # calls usec of EVALSHA since the last CONFIG RESETSTAT
  rcli info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2/p'
}

# The EVALSHA (arguments included) one request of PATH sends, captured with
# MONITOR; then Redis' own p50 for it alone: redis-benchmark, one client.
redis_alone_p50() {  # redis_alone_p50 PATH -> microseconds
  local monitor_pid args
  redis-cli -s "$SOCKET" monitor >"$WORK/monitor.txt" & monitor_pid=$!
  sleep 0.3; curl -s -o /dev/null "$API$1"; sleep 0.3
  kill "$monitor_pid"; wait "$monitor_pid" 2>/dev/null || true
  mapfile -t args < <(python3 -c '
import shlex, sys
for line in open(sys.argv[1]):
    if "\"evalsha\"" in line.lower():
        print("\n".join(shlex.split(line.split("] ", 1)[1]))); break' "$WORK/monitor.txt")
  [ ${#args[@]} -gt 0 ] || { echo 0; return; }
  local probe
  # 50 calls first: a query that takes milliseconds in Redis stops there (bounded time).
  p50_of() { redis-benchmark -s "$SOCKET" -c 1 -n "$1" --csv "${args[@]}" |
    python3 -c 'import csv, sys; rows = list(csv.reader(sys.stdin)); print(round(float(rows[1][4]) * 1000))'; }
  probe=$(p50_of 50)
  if [ "$probe" -gt 2000 ]; then echo "$probe"; else p50_of "${REDIS_CALLS:-2000}"; fi
}

measure() {  # measure SCALE
  local scale=$1 entry name path total result stat alone cpu api_t0 redis_t0 t0
  note "$scale" "stored $(rcli zcard pm:idx:incidents)"
  note "$scale" "load_before $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
  for entry in "${QUERIES[@]}"; do
    name=${entry%%|*}; path=${entry#*|}
    total=$(curl -s -o /dev/null -D - "$API$path" | tr -d '\r' | sed -n 's/^x-total: //Ip')
    LIST_PATH="$path" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WRK_DIR/list_query.lua" "$API" >/dev/null
    rcli config resetstat >/dev/null
    api_t0=$(cpu_ticks "$API_PID"); redis_t0=$(redis_cpu); t0=$(date +%s.%N)
    LIST_PATH="$path" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
      -s "$WRK_DIR/list_query.lua" "$API" >"$WORK/wrk.txt"
    result=$(python3 -c '
import json, sys
lines = {l.split(" ", 1)[0]: l.split(" ", 1)[1] for l in open(sys.argv[1]) if l[:7] in ("RESULT ", "STATUSE")}
r = json.loads(lines["RESULT"]); r["statuses"] = json.loads(lines["STATUSES"]); print(json.dumps(r))' "$WORK/wrk.txt")
    cpu=$(python3 -c 'import sys; hz, a0, a1, r0, r1, t0, t1 = map(float, sys.argv[1:]); w = t1 - t0
print(round(100 * (a1 - a0) / hz / w), round(100 * (r1 - r0) / w))' \
      "$(getconf CLK_TCK)" "$api_t0" "$(cpu_ticks "$API_PID")" "$redis_t0" "$(redis_cpu)" "$t0" "$(date +%s.%N)")
    stat=$(evalsha_stat)
    alone=$(redis_alone_p50 "$path")
    note "$scale" "query $name $total ${stat:-0 0} $alone $cpu $result"
    echo "  $scale $name: matches $total, $result"
  done
  if [ "$EXTRA" = 1 ]; then  # the extra query's two indexes, and Redis' own intersection count
    note "$scale" "extra_sizes $(rcli zcard pm:idx:scope:3) $(rcli zcard pm:idx:severity:high)"
    note "$scale" "zintercard_us $(redis-benchmark -s "$SOCKET" -c 1 -n 50 --csv \
      ZINTERCARD 2 pm:idx:scope:3 pm:idx:severity:high |
      python3 -c 'import csv, sys; rows = list(csv.reader(sys.stdin)); print(round(float(rows[1][4]) * 1000))')"
  fi
  note "$scale" "load_after $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
  note "$scale" "memory $(rcli info memory | sed -n 's/^used_memory_human:\(.*\)/\1/p' | tr -d '\r')"
  note "$scale" "stream_bytes $(rcli memory usage pm:incidents:stream samples 0)"
  note "$scale" "log_problems $(grep -c ' WARN \| ERROR ' "$WORK/api.log" || true)"
  note "$scale" "log_first $(grep -m1 ' WARN \| ERROR ' "$WORK/api.log" | cut -c1-200 || true)"
  note "$scale" "rss_kib $(sed -n 's/^VmRSS:\s*\([0-9]*\).*/\1/p' "/proc/$API_PID/status")"
}

echo "seeding $SMALL incidents"
seed "$SMALL" small
measure small
echo "adding $((LARGE - SMALL)) incidents"
seed "$((LARGE - SMALL))" large
measure large

export SMALL LARGE DURATION CONNECTIONS WARMUP
export QUERY_PATHS="$(printf '%s\n' "${QUERIES[@]}")"
export MACHINE="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), $(redis-server --version | cut -d' ' -f3)"
python3 "$ROOT/benchmarks/list_scale_report.py" "$OUT" "$ROOT/benchmarks/RESULTS.md"
