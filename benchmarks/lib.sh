# Shared by the benchmark scripts (sourced): a Release build, a private work
# directory cleaned up on exit, free loopback ports, a private redis-server
# and incident-api, each stopped by PID.
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BENCH_BUILD:-$BENCH_ROOT/build/bench}"
export WRK_DIR="$BENCH_ROOT/benchmarks/wrk"

# bench_setup NAME TARGET...: installs what is missing, builds the targets and
# makes $WORK, removed (with every process in PIDS stopped) on exit.
bench_setup() {
  local name="$1"
  shift
  "$BENCH_ROOT/scripts/install-deps.sh" wrk
  cmake -S "$BENCH_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_BENCHMARKS=ON \
    -DINCIDENT_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target "$@" >/dev/null
  WORK="$(mktemp -d "/tmp/incident-$name-XXXXXX")"
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_redis: a redis-server without persistence on $WORK/redis.sock ($SOCKET);
# sets REDIS_PID.
start_redis() {
  SOCKET="$WORK/redis.sock"
  redis-server --port 0 --unixsocket "$SOCKET" --unixsocketperm 700 --save "" --appendonly no \
    --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no &
  REDIS_PID=$!
  PIDS+=($REDIS_PID)
  until redis-cli -s "$SOCKET" ping >/dev/null 2>&1; do sleep 0.1; done
}

# start_api PORT: incident-api with default settings on that port, against
# $SOCKET; sets API_PID and waits until /health answers. API_BINARY runs
# another build (an earlier version, to compare) instead of $BUILD's.
start_api() {
  PM_SECRET_KEY=bench-secret "${API_BINARY:-$BUILD/incident-api}" --port "$1" \
    --redis-uri "unix://$SOCKET" \
    2>"$WORK/api.log" &
  API_PID=$!
  PIDS+=($API_PID)
  local _
  for _ in $(seq 300); do curl -sf "127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done
  echo "incident-api did not start:" >&2
  tail -5 "$WORK/api.log" >&2
  return 1
}

# cpu_ticks PID: the user + system CPU time a process has used so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wait_caught_up: the server follows the change stream, so every seeded
# incident is an entry it reads. Returns once its follower is blocked in XREAD
# (caught up) and the process has gone idle (< 5% of a core over a second).
wait_caught_up() {
  local deadline=$((SECONDS + 300)) before after
  until redis-cli -s "$SOCKET" client list | grep 'cmd=xread' | grep -q 'flags=b'; do
    [ $SECONDS -lt $deadline ] || { echo "change-feed follower never caught up" >&2; exit 1; }
    sleep 0.5
  done
  while :; do
    before=$(cpu_ticks "$API_PID"); sleep 1; after=$(cpu_ticks "$API_PID")
    [ $((after - before)) -le 5 ] && break
    [ $SECONDS -lt $deadline ] || { echo "server never went idle" >&2; exit 1; }
  done
}
