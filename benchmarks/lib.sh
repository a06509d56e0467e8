# Shared by the benchmark scripts (sourced): a Release build, a private work
# directory cleaned up on exit, free loopback ports, a private redis-server,
# incident-api and nginx, each stopped by PID.
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

# start_redis [ARGUMENT...]: a redis-server without persistence on
# $WORK/redis.sock ($SOCKET); sets REDIS_PID. Arguments are added to its
# command line and win over these (`start_redis --appendonly yes`).
start_redis() {
  SOCKET="$WORK/redis.sock"
  redis-server --port 0 --unixsocket "$SOCKET" --unixsocketperm 700 --save "" --appendonly no \
    --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no "$@" &
  REDIS_PID=$!
  PIDS+=($REDIS_PID)
  until redis-cli -s "$SOCKET" ping >/dev/null 2>&1; do sleep 0.1; done
}

# start_api PORT [ARGUMENT...]: incident-api with default settings (and those
# arguments) on that port, against $SOCKET; sets API_PID and waits until
# /health answers. API_BINARY runs another build (an earlier version, to
# compare) instead of $BUILD's.
start_api() {
  local port="$1"
  shift
  PM_SECRET_KEY=bench-secret "${API_BINARY:-$BUILD/incident-api}" --port "$port" \
    --redis-uri "unix://$SOCKET" "$@" \
    2>"$WORK/api.log" &
  API_PID=$!
  PIDS+=($API_PID)
  local _
  for _ in $(seq 300); do curl -sf "127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
  echo "incident-api did not start:" >&2
  tail -5 "$WORK/api.log" >&2
  return 1
}

# cpu_ticks PID: the user + system CPU time a process has used so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpu_ticks_tree PID: cpu_ticks of a process plus those of its children. A
# process's stat counts all its threads but not its children, and nginx serves
# from worker processes; for a server without children it equals cpu_ticks.
cpu_ticks_tree() {
  local pid total=0
  for pid in "$1" $(pgrep -P "$1"); do total=$((total + $(cpu_ticks "$pid"))); done
  echo "$total"
}

# nginx_config PORT PATH BODY_FILE: the configuration start_nginx runs, on
# stdout; relative paths are under nginx's prefix ($WORK/nginx). The body is
# inlined in `return 200`: answered from memory in one writev with the headers,
# where a static file costs a read or sendfile per request (and an open and
# fstat unless open_file_cache keeps them), so this is nginx's cheapest answer.
# Fails past 4 KiB, the longest parameter nginx reads.
nginx_config() {
  local body
  # Quoted for nginx (\ and "); a "$" would start a variable, so it is written
  # as JSON's \u0024 instead (never the case for the benchmark's incident).
  body=$(sed 's/[\\"]/\\&/g; s/\$/\\\\u0024/g' "$3")
  if [ "$(printf %s "$body" | wc -c)" -gt 4094 ]; then
    echo "nginx: $3 is too long for one nginx parameter (4 KiB)" >&2
    return 1
  fi
  cat <<CONF
worker_processes 2;
daemon off;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path body;
  proxy_temp_path proxy;
  fastcgi_temp_path fastcgi;
  uwsgi_temp_path uwsgi;
  scgi_temp_path scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  types {}
  default_type application/json;
  server {
    # reuseport: the kernel spreads wrk's connections over both workers
    # (otherwise one worker may accept most of the burst of connections).
    listen 127.0.0.1:$1 reuseport;
    location = $2 { return 200 "$body"; }
    location / { return 404; }
  }
}
CONF
}

# start_nginx PORT PATH BODY_FILE: nginx (2 workers, keep-alive) answering GET
# PATH with BODY_FILE's bytes as application/json and writing only under
# $WORK/nginx (no system configuration, log, pid or temp directory touched);
# sets NGINX_PID (the master: TERM stops its workers too) and waits until it
# answers.
start_nginx() {
  local dir="$WORK/nginx" _
  mkdir -p "$dir"
  nginx_config "$@" >"$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  NGINX_PID=$!
  PIDS+=($NGINX_PID)
  for _ in $(seq 100); do curl -sf "127.0.0.1:$1$2" >/dev/null && return 0; sleep 0.1; done
  echo "nginx did not start:" >&2
  tail -5 "$dir/error.log" >&2
  return 1
}

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

# write_results MARKER HEADING TEXT: puts TEXT between the MARKER:begin and
# MARKER:end comments of RESULTS.md, or, the first time, at its end under a
# new section HEADING.
write_results() {
  python3 - "$BENCH_ROOT/benchmarks/RESULTS.md" "$@" <<'PY'
import sys
path, marker, heading, text = sys.argv[1:5]
begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
doc = open(path).read()
block = f"{begin}\n{text}\n{end}"
if begin in doc:
    head, rest = doc.split(begin, 1)
    doc = head + block + rest.split(end, 1)[1]
else:
    doc = doc.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
open(path, "w").write(doc)
PY
}
