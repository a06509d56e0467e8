#!/usr/bin/env bash
# Two (or more) incident-api binaries side by side on one wrk scenario: one
# private redis-server seeded once, then, round after round, each binary in
# turn is started against it, warmed up, measured and stopped, so that the
# machine's drift hits them alike. Prints requests/s, p99, the CPU time per
# request of the server and of redis-server, the server's CPU per request by
# thread name (see the README's "Threads") and Redis' commands per request
# (`INFO commandstats`: calls and microseconds per request, by command).
#
#   benchmarks/compare_builds.sh OLD_BINARY NEW_BINARY
#   SCENARIO=comment.lua ROUNDS=2 DURATION=8 CONNECTIONS=50 INCIDENTS=100000 \
#     EXTRA_ARGS="--webhooks=off" benchmarks/compare_builds.sh a b
#
# A binary of an earlier commit: `git worktree add /tmp/old <commit>`, then
# `cmake -S /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=Release -DINCIDENT_TESTS=OFF
# && cmake --build /tmp/old/build -j2 --target incident-api`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
SCENARIO="${SCENARIO:-comment.lua}"
ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-8}"
CONNECTIONS="${CONNECTIONS:-50}"
INCIDENTS="${INCIDENTS:-100000}"
[ $# -ge 1 ] || { echo "usage: $0 BINARY [BINARY...]" >&2; exit 2; }
for binary in "$@"; do [ -x "$binary" ] || { echo "not executable: $binary" >&2; exit 2; }; done

bench_setup compare seed_incidents
start_redis
"$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS" >/dev/null

# thread_ticks PID: "name ticks" per thread name (user + system), summed over
# the threads of one name; a thread that ends meanwhile is left out.
thread_ticks() {
  local stat
  for stat in /proc/"$1"/task/*/stat; do cat "$stat" 2>/dev/null || true; done | python3 -c '
import collections, sys
ticks = collections.Counter()
for line in sys.stdin:
    if "(" not in line or ")" not in line:
        continue
    name = line[line.index("(") + 1:line.rindex(")")].replace(" ", "_")
    fields = line[line.rindex(")") + 2:].split()  # from field 3 (state) on
    ticks[name] += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
for name, value in sorted(ticks.items()):
    print(name, value)'
}

# children_seconds FILE: CPU seconds (user + system) of this shell's finished
# children, from `times` written to FILE by the shell itself (a command
# substitution is a subshell, whose children are others); around a
# foreground wrk, the difference is wrk's own.
children_seconds() {
  sed -n 2p "$1" | python3 -c '
import re, sys
print(sum(int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", sys.stdin.read())))'
}

echo "scenario $SCENARIO, $CONNECTIONS connections, ${DURATION} s per run, $INCIDENTS incidents"
for round in $(seq "$ROUNDS"); do
  for binary in "$@"; do
    port=$(free_port)
    # shellcheck disable=SC2086 # EXTRA_ARGS: several arguments
    API_BINARY="$binary" start_api "$port" ${EXTRA_ARGS:-}
    api="http://127.0.0.1:$port"
    TOKEN=$(curl -s -X POST "$api/api/token/create" -d secret=bench-secret -d name=bench \
      -d permission=incident_api | tr -d '"')
    export TOKEN HOT_ID=1
    wait_caught_up
    wrk -t1 -c"$CONNECTIONS" -d3s -s "$WRK_DIR/$SCENARIO" "$api" >/dev/null  # warm-up
    thread_ticks "$API_PID" >"$WORK/threads.before"
    redis-cli -s "$SOCKET" CONFIG RESETSTAT >/dev/null
    api_before=$(cpu_ticks "$API_PID"); redis_before=$(cpu_ticks "$REDIS_PID")
    times >"$WORK/times.before"
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$WRK_DIR/$SCENARIO" "$api" >"$WORK/wrk.out"
    times >"$WORK/times.after"
    wrk_before=$(children_seconds "$WORK/times.before")
    wrk_after=$(children_seconds "$WORK/times.after")
    result=$(sed -n 's/^RESULT //p' "$WORK/wrk.out")
    api_after=$(cpu_ticks "$API_PID"); redis_after=$(cpu_ticks "$REDIS_PID")
    thread_ticks "$API_PID" >"$WORK/threads.after"
    redis-cli -s "$SOCKET" INFO commandstats >"$WORK/commandstats"
    kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null || true
    python3 - "$result" "$binary" "$round" $((api_after - api_before)) \
      $((redis_after - redis_before)) "$(getconf CLK_TCK)" "$WORK/threads.before" \
      "$WORK/threads.after" "$wrk_before" "$wrk_after" "$WORK/commandstats" <<'PY'
import json, re, sys
result, binary, round_, api, redis, hz, before, after, wrk_before, wrk_after, stats = sys.argv[1:]
r = json.loads(result); n = r["requests"]; us = 1e6 / int(hz) / n
read = lambda path: {k: int(v) for k, v in (line.split() for line in open(path))}
b, a = read(before), read(after)
threads = ", ".join("%s %.1f" % (name, (a[name] - b.get(name, 0)) * us)
                    for name in sorted(a) if a[name] - b.get(name, 0) > 0)
print("round %s %-40s %7.0f req/s  p99 %5.2f ms  server %5.1f us/req  redis %5.1f us/req  "
      "wrk %5.1f us/req  unexpected %d"
      % (round_, binary[-40:], r["rps"], r["p99_us"] / 1000, int(api) * us, int(redis) * us,
         (float(wrk_after) - float(wrk_before)) * 1e6 / n, r["unexpected"] + r["socket_errors"]))
print("        by thread (us/req): " + threads)
commands = []
for line in open(stats):
    m = re.match(r"cmdstat_(\S+):calls=(\d+),usec=(\d+),", line)
    if m and int(m.group(2)) > 0:
        commands.append((int(m.group(3)) / n, int(m.group(2)) / n, m.group(1)))
print("        redis commands (calls, us per req): " +
      ", ".join("%s %.2f x, %.1f" % (name, calls, usec)
                for usec, calls, name in sorted(commands, reverse=True) if usec >= 0.05))
PY
  done
done
