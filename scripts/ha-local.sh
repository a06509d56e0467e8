#!/usr/bin/env bash
# Starts, on 127.0.0.1 only, a whole high-availability topology for trying the
# server and for automated tests: a Redis primary and two replicas, three
# Sentinels watching them, N incident-api processes finding the primary through
# the Sentinels, and HAProxy balancing over the APIs. It prints the URLs, then
# waits; Ctrl-C (SIGINT), SIGTERM or SIGHUP stops every process it started (by
# PID, nothing else) and exits 0. If startup fails, it stops what it started and
# exits non-zero saying why.
#
#   scripts/ha-local.sh [--base-port P] [--api-processes N] [--dir DIR] [-- API-ARGS...]
#
#   --base-port P      ports: Redis primary P, replicas P+1 P+2, Sentinels P+10..P+12,
#                      APIs P+20.., HAProxy P+30 (default 7000); all on 127.0.0.1
#   --api-processes N  incident-api processes, 1..10 (default 2)
#   --dir DIR          state directory (configs, data, logs), created if missing and
#                      kept afterwards; without it a temporary one is used and removed
#   -- API-ARGS...     appended to every incident-api command line
#                      (e.g. -- --redis-replicas-ack 1)
#
# Environment:
#   HA_BINARY               incident-api to run; unset: build Release as run.sh does
#   HA_MASTER_NAME          Sentinel master name (default mymaster)
#   HA_DOWN_AFTER_MS        sentinel down-after-milliseconds (default 1000)
#   HA_FAILOVER_TIMEOUT_MS  sentinel failover-timeout (default 5000)
#   HA_READY_TIMEOUT        seconds startup may take before it is a failure (default 60)
#   HA_API_REDIS_ARGS       replaces the APIs' Sentinel arguments, for trying an older
#                           binary without Sentinel support, e.g.
#                           HA_API_REDIS_ARGS="--redis-uri redis://127.0.0.1:7000/0"
#   PM_SECRET_KEY           the APIs' secret; unset: a random one made once in DIR/secret-key
#
# Once everything answers, DIR/topology.env (shell-sourceable KEY=value lines) is
# written, then DIR/ready is created: a test harness waits for DIR/ready and reads
# topology.env. The processes a test starts itself (a restarted Redis) are its own
# to stop: this script only ever signals the PIDs it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
  echo "ha-local: error: $*" >&2
  exit 1
}

# --- options ---------------------------------------------------------------
BASE_PORT=7000
API_PROCESSES=2
STATE_DIR=""
API_EXTRA_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base-port) [ $# -ge 2 ] || die "--base-port needs a value"; BASE_PORT="$2"; shift 2 ;;
    --base-port=*) BASE_PORT="${1#*=}"; shift ;;
    --api-processes) [ $# -ge 2 ] || die "--api-processes needs a value"; API_PROCESSES="$2"; shift 2 ;;
    --api-processes=*) API_PROCESSES="${1#*=}"; shift ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; STATE_DIR="$2"; shift 2 ;;
    --dir=*) STATE_DIR="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; API_EXTRA_ARGS=("$@"); break ;;
    *) die "unknown argument '$1' (see --help; arguments for incident-api go after --)" ;;
  esac
done

MASTER_NAME="${HA_MASTER_NAME:-mymaster}"
DOWN_AFTER_MS="${HA_DOWN_AFTER_MS:-1000}"
FAILOVER_TIMEOUT_MS="${HA_FAILOVER_TIMEOUT_MS:-5000}"
READY_TIMEOUT="${HA_READY_TIMEOUT:-60}"

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
if ! { is_uint "$BASE_PORT" && [ "$BASE_PORT" -ge 1024 ] && [ "$BASE_PORT" -le 65505 ]; }; then
  die "--base-port must be a number from 1024 to 65505 (it uses up to base+30), not '$BASE_PORT'"
fi
# At most 10 APIs: their ports P+20..P+29 must stay below HAProxy's P+30.
if ! { is_uint "$API_PROCESSES" && [ "$API_PROCESSES" -ge 1 ] && [ "$API_PROCESSES" -le 10 ]; }; then
  die "--api-processes must be a number from 1 to 10, not '$API_PROCESSES'"
fi
for setting in DOWN_AFTER_MS FAILOVER_TIMEOUT_MS READY_TIMEOUT; do
  if ! { is_uint "${!setting}" && [ "${!setting}" -gt 0 ]; }; then
    die "HA_$setting must be a positive number, not '${!setting}'"
  fi
done
# The name goes into Sentinel's config and commands unquoted.
[[ "$MASTER_NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "HA_MASTER_NAME may hold only letters, digits, '.', '_' and '-'"

# --- ports -----------------------------------------------------------------
REDIS_PORTS=("$BASE_PORT" $((BASE_PORT + 1)) $((BASE_PORT + 2)))
PRIMARY_PORT="${REDIS_PORTS[0]}"
SENTINEL_PORTS=($((BASE_PORT + 10)) $((BASE_PORT + 11)) $((BASE_PORT + 12)))
API_PORTS=()
for ((i = 0; i < API_PROCESSES; i++)); do API_PORTS+=($((BASE_PORT + 20 + i))); done
HAPROXY_PORT=$((BASE_PORT + 30))
SENTINELS=""
for port in "${SENTINEL_PORTS[@]}"; do SENTINELS+="${SENTINELS:+,}127.0.0.1:$port"; done

# Whether something already accepts connections on 127.0.0.1:<port>: exactly what
# would make our bind fail (a listener on 127.0.0.1 or on the wildcard address),
# with no tool beyond bash. A refused connection on loopback answers at once.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
taken=()
for port in "${REDIS_PORTS[@]}" "${SENTINEL_PORTS[@]}" "${API_PORTS[@]}" "$HAPROXY_PORT"; do
  port_in_use "$port" && taken+=("$port")
done
[ ${#taken[@]} -eq 0 ] ||
  die "port(s) already in use on 127.0.0.1: ${taken[*]} (another topology running? choose another --base-port)"

# --- tools and the binary --------------------------------------------------
if [ -z "${HA_BINARY:-}" ]; then
  # As run.sh: install what is missing, build Release.
  BUILD="$ROOT/build/release"
  "$ROOT/scripts/install-deps.sh"
  "$ROOT/scripts/install-npm.sh"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target incident-api
  BINARY="$BUILD/incident-api"
else
  BINARY="$(command -v "$HA_BINARY" || true)"
  if [ -z "$BINARY" ] || [ ! -f "$BINARY" ] || [ ! -x "$BINARY" ]; then die "HA_BINARY '$HA_BINARY' is not an executable"; fi
  # The children run in the state directory: the path must not be relative.
  BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
fi
for tool in redis-server redis-cli haproxy curl; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done

# --- state directory -------------------------------------------------------
if [ -n "$STATE_DIR" ]; then
  KEEP_STATE_DIR=1
  mkdir -p "$STATE_DIR"
else
  KEEP_STATE_DIR=0
  STATE_DIR="$(mktemp -d)"
fi
STATE_DIR="$(cd "$STATE_DIR" && pwd)"
# Paths go unquoted into Redis and HAProxy configs and into topology.env, which a
# harness may parse without a shell: keep them to plain characters.
if [[ ! "$STATE_DIR" =~ ^[A-Za-z0-9._/+@:,=~-]+$ ]]; then
  [ "$KEEP_STATE_DIR" = 1 ] || rmdir "$STATE_DIR"
  die "state directory '$STATE_DIR' has characters the configs cannot hold (spaces, quotes...); choose another --dir"
fi
# A reused --dir starts afresh except for data (append-only files) and the secret:
# configs and logs are written anew, and no stale 'ready' may fool a harness.
rm -f "$STATE_DIR/ready" "$STATE_DIR/topology.env"

# --- stopping --------------------------------------------------------------
# Every process started: its PID, a label for messages, its log, and its stop
# stage. Stage 1 (HAProxy, APIs) stops first, then stage 2 (Sentinels, so that
# they do not start a failover while Redis stops), then stage 3 (Redis).
PIDS=()
LABELS=()
LOGS=()
STAGES=()
IDLE_PID=""
STOPPED=0

# Whether <pid> is still one of our running children. A PID is checked to be our
# child, not merely to exist: a child that died (a test's kill -9) was reaped, and
# its PID may since belong to someone else, whom we must never signal. A zombie
# counts as gone.
alive() {
  local stat rest state ppid
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }" # the command name, in parentheses, may hold spaces
  read -r state ppid _ <<<"$rest"
  [ "$ppid" = "$$" ] && [ "$state" != Z ]
}

# wait_gone TRIES PID...: polls every 0.1 s, at most TRIES times, until none of
# the PIDs is alive (0), or leaves those still alive in `still` (1).
wait_gone() {
  local tries="$1" pid
  shift
  for ((; tries > 0; tries--)); do
    still=()
    for pid in "$@"; do alive "$pid" && still+=("$pid"); done
    [ ${#still[@]} -gt 0 ] || return 0
    sleep 0.1
  done
  return 1
}

stop_stage() {
  local stage="$1" i pid live=() still=()
  for i in "${!PIDS[@]}"; do
    [ "${STAGES[$i]}" = "$stage" ] || continue
    pid="${PIDS[$i]}"
    alive "$pid" && kill -TERM "$pid" 2>/dev/null && live+=("$pid")
  done
  [ ${#live[@]} -gt 0 ] || return 0
  # Up to 5 s to exit on their own (Redis flushes its append-only file), then SIGKILL.
  wait_gone 50 "${live[@]}" && return 0
  for pid in "${still[@]}"; do
    if alive "$pid"; then
      echo "ha-local: pid $pid did not stop within 5 s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # Bounded, so that a process stuck in the kernel cannot hang the stop.
  wait_gone 20 "${live[@]}" || true
}

stop_all() {
  [ "$STOPPED" = 0 ] || return 0
  STOPPED=1
  # A second Ctrl-C must not cut the stop short and leave processes behind;
  # the stop is bounded (three stages of at most ~7 s) anyway.
  trap '' INT TERM HUP
  [ -z "$IDLE_PID" ] || kill "$IDLE_PID" 2>/dev/null || true
  stop_stage 1
  stop_stage 2
  stop_stage 3
  rm -f "$STATE_DIR/ready"
  if [ "$KEEP_STATE_DIR" = 0 ]; then
    rm -rf "$STATE_DIR"
  fi
}

on_signal() {
  echo "ha-local: stopping..." >&2
  stop_all
  [ "$KEEP_STATE_DIR" = 0 ] || echo "ha-local: stopped; state kept in $STATE_DIR" >&2
  exit 0
}

on_exit() {
  local status=$?
  if [ "$STOPPED" = 0 ]; then
    [ "$status" -eq 0 ] || echo "ha-local: startup failed: stopping what was started" >&2
    stop_all
  fi
  exit "$status"
}
trap on_signal INT TERM HUP
trap on_exit EXIT

# start <stage> <label> <log> <workdir> <command...>: runs the command in the
# background from <workdir>, output appended to <log>, and records its PID. The
# subshell execs the command, so $! is the command's own PID. Nothing daemonizes.
start() {
  local stage="$1" label="$2" log="$3" workdir="$4"
  shift 4
  (cd "$workdir" && exec "$@") >>"$log" 2>&1 </dev/null &
  PIDS+=("$!")
  LABELS+=("$label")
  LOGS+=("$log")
  STAGES+=("$stage")
}

# Fails startup at once, with its log's tail, if a process started has exited.
check_started_alive() {
  local i
  for i in "${!PIDS[@]}"; do
    if ! alive "${PIDS[$i]}"; then
      echo "ha-local: ${LABELS[$i]} (pid ${PIDS[$i]}) exited during startup; end of ${LOGS[$i]}:" >&2
      tail -n 15 "${LOGS[$i]}" >&2 || true
      exit 1
    fi
  done
}

DEADLINE=$((SECONDS + READY_TIMEOUT))
if [ "$KEEP_STATE_DIR" = 1 ]; then
  LOGS_HINT="logs in $STATE_DIR"
else
  LOGS_HINT="the temporary directory goes; run with --dir DIR to keep the logs"
fi
# wait_for <what> <command...>: polls the command until it succeeds, within the
# startup deadline shared by all the steps.
wait_for() {
  local what="$1"
  shift
  until "$@"; do
    check_started_alive
    [ "$SECONDS" -lt "$DEADLINE" ] || die "not ready after ${READY_TIMEOUT} s: $what ($LOGS_HINT)"
    sleep 0.2
  done
}

rcli() {
  local port="$1"
  shift
  timeout 2 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# --- Redis: a primary and two replicas -------------------------------------
# One config file per server, complete on its own: Sentinel rewrites these files
# (replicaof after a failover), and a test restarts a killed server with just
# `redis-server <conf>`. The primary's has no replicaof; Sentinel adds one when
# it comes back after a failover.
REDIS_CONFS=()
for port in "${REDIS_PORTS[@]}"; do
  dir="$STATE_DIR/redis-$port"
  conf="$dir/redis-$port.conf"
  mkdir -p "$dir"
  {
    echo "# Written by scripts/ha-local.sh; Sentinel may rewrite it (replicaof)."
    echo "port $port"
    echo "bind 127.0.0.1"
    echo "protected-mode no"
    echo "daemonize no"
    echo "dir $dir"
    echo "pidfile $dir/redis.pid"
    echo "logfile $dir/redis.log"
    echo "appendonly yes"
    echo "appendfsync everysec"
    echo 'save ""'
    # A full sync starts at once instead of waiting 5 s for more replicas to
    # batch: startup, and a restarted old primary's resync, are that much faster.
    echo "repl-diskless-sync-delay 0"
    # Incidents with a description over 64 bytes stay compact (see README).
    echo "hash-max-ziplist-value 1024"  # hash-max-listpack-value, as 6.2 knows it too
    [ "$port" = "$PRIMARY_PORT" ] || echo "replicaof 127.0.0.1 $PRIMARY_PORT"
  } >"$conf"
  : >"$dir/redis.log"
  REDIS_CONFS+=("$conf")
done

redis_pong() { [ "$(rcli "$1" PING)" = PONG ]; }
replica_linked() { rcli "$1" INFO replication | tr -d '\r' | grep -qx 'master_link_status:up'; }

# The primary first, so that the replicas' first sync succeeds rather than retries.
start 3 "redis $PRIMARY_PORT (primary)" "$STATE_DIR/redis-$PRIMARY_PORT/redis.log" \
  "$STATE_DIR/redis-$PRIMARY_PORT" redis-server "${REDIS_CONFS[0]}"
REDIS_PIDS=("$!")
wait_for "redis primary on port $PRIMARY_PORT answering PING" redis_pong "$PRIMARY_PORT"
for i in 1 2; do
  port="${REDIS_PORTS[$i]}"
  start 3 "redis $port (replica)" "$STATE_DIR/redis-$port/redis.log" \
    "$STATE_DIR/redis-$port" redis-server "${REDIS_CONFS[$i]}"
  REDIS_PIDS+=("$!")
done
for port in "${REDIS_PORTS[@]:1}"; do
  wait_for "redis replica on port $port answering PING" redis_pong "$port"
  wait_for "redis replica on port $port synced (master_link_status:up)" replica_linked "$port"
done

# --- Sentinels -------------------------------------------------------------
# Started once the replicas are linked, so that each Sentinel's first INFO of the
# primary already lists both. `redis-server <conf> --sentinel` is Sentinel (Debian's
# redis-server package has no redis-sentinel binary). Order matters in the file:
# `sentinel monitor` must come before the settings naming the master.
SENTINEL_PIDS=()
SENTINEL_CONFS=()
for port in "${SENTINEL_PORTS[@]}"; do
  dir="$STATE_DIR/sentinel-$port"
  conf="$dir/sentinel-$port.conf"
  mkdir -p "$dir"
  {
    echo "# Written by scripts/ha-local.sh; Sentinel rewrites it as it learns the topology."
    echo "port $port"
    echo "bind 127.0.0.1"
    echo "daemonize no"
    echo "dir $dir"
    echo "pidfile $dir/sentinel.pid"
    echo "logfile $dir/sentinel.log"
    echo "sentinel resolve-hostnames no"
    echo "sentinel monitor $MASTER_NAME 127.0.0.1 $PRIMARY_PORT 2"
    echo "sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER_MS"
    echo "sentinel failover-timeout $MASTER_NAME $FAILOVER_TIMEOUT_MS"
    echo "sentinel parallel-syncs $MASTER_NAME 1"
  } >"$conf"
  : >"$dir/sentinel.log"
  SENTINEL_CONFS+=("$conf")
  start 2 "sentinel $port" "$dir/sentinel.log" "$dir" redis-server "$conf" --sentinel
  SENTINEL_PIDS+=("$!")
done

# Ready when it names our primary and has found both replicas and both other
# Sentinels (those come from hello messages, every 2 s, over the primary).
sentinel_ready() {
  local port="$1" addr fields
  addr="$(rcli "$port" SENTINEL get-master-addr-by-name "$MASTER_NAME" | tr -d '\r' | paste -sd: -)"
  [ "$addr" = "127.0.0.1:$PRIMARY_PORT" ] || return 1
  fields="$(rcli "$port" SENTINEL master "$MASTER_NAME" | tr -d '\r' | paste -d= - -)"
  grep -qx 'num-slaves=2' <<<"$fields" && grep -qx 'num-other-sentinels=2' <<<"$fields"
}
for port in "${SENTINEL_PORTS[@]}"; do
  wait_for "sentinel on port $port seeing the primary, 2 replicas and 2 other sentinels" sentinel_ready "$port"
done

# --- incident-api processes ------------------------------------------------
SECRET_KEY_FILE="$STATE_DIR/secret-key"
if [ -n "${PM_SECRET_KEY:-}" ]; then
  # The file always holds the secret in use, for a harness signing its own tokens.
  (umask 077 && printf '%s' "$PM_SECRET_KEY" >"$SECRET_KEY_FILE")
else
  # As run.sh: a random secret made once, kept beside the data.
  [ -s "$SECRET_KEY_FILE" ] ||
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET_KEY_FILE")
  PM_SECRET_KEY="$(cat "$SECRET_KEY_FILE")"
  echo "ha-local: PM_SECRET_KEY not set: using the secret in $SECRET_KEY_FILE" >&2
fi
# Through the environment, not the command line, where ps would show it.
export PM_SECRET_KEY

if [ -n "${HA_API_REDIS_ARGS:-}" ]; then
  # For trying an older binary, without the Sentinel flags.
  read -r -a API_REDIS_ARGS <<<"$HA_API_REDIS_ARGS"
else
  API_REDIS_ARGS=(--redis-sentinels "$SENTINELS" --redis-master-name "$MASTER_NAME")
fi

# An ASan build (the test build) reports leaks at exit, which says nothing about a
# process stopped by a signal and may fail outright where ptrace is forbidden.
API_ENV=()
if [ -z "${ASAN_OPTIONS+set}" ] && grep -qa -m1 __asan_init "$BINARY"; then
  API_ENV=(ASAN_OPTIONS=detect_leaks=0)
fi

api_healthy() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/health")" = 200 ]
}

API_PIDS=()
for port in "${API_PORTS[@]}"; do
  log="$STATE_DIR/api-$port.log"
  : >"$log"
  # From the state directory, so that nothing it may write lands in the caller's.
  start 1 "incident-api $port" "$log" "$STATE_DIR" env "${API_ENV[@]}" "$BINARY" \
    --bind 127.0.0.1 --port "$port" "${API_REDIS_ARGS[@]}" "${API_EXTRA_ARGS[@]}"
  API_PIDS+=("$!")
done
for port in "${API_PORTS[@]}"; do
  wait_for "incident-api on port $port answering 200 on /health" api_healthy "$port"
done

# --- HAProxy ---------------------------------------------------------------
HAPROXY_CFG="$STATE_DIR/haproxy.cfg"
HAPROXY_LOG="$STATE_DIR/haproxy.log"
# HAProxy's own answers (no server up, a server that failed mid-answer) are
# JSON like the API's, with Retry-After, so clients handle them as the API's.
for code in 502 503 504; do
  case $code in
    502) reason="Bad Gateway" message="The server failed while answering: the request may or may not have taken effect. Retry with If-Match or the same Idempotency-Key." ;;
    503) reason="Service Unavailable" message="No server is available right now. Retry later." ;;
    504) reason="Gateway Timeout" message="The server did not answer in time: the request may or may not have taken effect. Retry with If-Match or the same Idempotency-Key." ;;
  esac
  body="{\"message\":\"$message\"}"
  printf 'HTTP/1.1 %s %s\r\nContent-Type: application/json\r\nRetry-After: 1\r\nCache-Control: no-store\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$code" "$reason" "${#body}" "$body" >"$STATE_DIR/haproxy-$code.http"
done
{
  cat <<EOF
# Written by scripts/ha-local.sh.
global
    # With -db, logs go to stdout, which ha-local.sh sends to haproxy.log.
    log stdout format raw local0
    # Read-only runtime API (e.g. "show servers state"): which servers are up.
    stats socket $STATE_DIR/haproxy.sock mode 600 level user

defaults
    mode http
    log global
    option httplog
    # Only failed or abnormal requests are logged (and servers going down or up).
    option dontlog-normal
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # Upgraded connections may be idle long. An event stream (SSE) is an ordinary
    # response and stays under the client/server inactivity timeouts, which the
    # server's heartbeat (--sse-heartbeat-seconds, 15 s) keeps from expiring.
    timeout tunnel 1h
    # HAProxy retries only when it could not connect to a server (the request
    # never reached it), and with redispatch the last retry goes to another
    # server: always safe. Retrying on responses (retry-on) is left off: a request
    # may have had its effect; clients retry that with Idempotency-Key / If-Match.
    retries 2
    option redispatch
    errorfile 502 $STATE_DIR/haproxy-502.http
    errorfile 503 $STATE_DIR/haproxy-503.http
    errorfile 504 $STATE_DIR/haproxy-504.http

frontend incident_api
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend incident_apis

backend incident_apis
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    # Two failed checks 500 ms apart mark a server down, two good ones up again.
    default-server check inter 500 fall 2 rise 2
EOF
  for port in "${API_PORTS[@]}"; do
    echo "    server api-$port 127.0.0.1:$port"
  done
} >"$HAPROXY_CFG"
: >"$HAPROXY_LOG"
haproxy -c -q -f "$HAPROXY_CFG" >>"$HAPROXY_LOG" 2>&1 ||
  { tail -n 15 "$HAPROXY_LOG" >&2; die "haproxy rejects $HAPROXY_CFG"; }
# -db: stays in the foreground (no daemon, no master process), so $! is HAProxy.
start 1 "haproxy $HAPROXY_PORT" "$HAPROXY_LOG" "$STATE_DIR" haproxy -db -f "$HAPROXY_CFG"
HAPROXY_PID="$!"
wait_for "haproxy on port $HAPROXY_PORT answering 200 on /health" api_healthy "$HAPROXY_PORT"

# --- ready -----------------------------------------------------------------
API_URLS=()
for port in "${API_PORTS[@]}"; do API_URLS+=("http://127.0.0.1:$port"); done
HA_URL="http://127.0.0.1:$HAPROXY_PORT"
# Written whole, then renamed, then 'ready': a harness never reads half a file.
{
  echo "HA_DIR=$STATE_DIR"
  echo "HA_MASTER_NAME=$MASTER_NAME"
  echo "HA_URL=$HA_URL"
  echo "HA_HAPROXY_PORT=$HAPROXY_PORT"
  echo "HA_HAPROXY_PID=$HAPROXY_PID"
  echo "HA_HAPROXY_SOCKET=$STATE_DIR/haproxy.sock"
  echo "HA_REDIS_PORTS=\"${REDIS_PORTS[*]}\""
  echo "HA_REDIS_PIDS=\"${REDIS_PIDS[*]}\""
  echo "HA_REDIS_CONFS=\"${REDIS_CONFS[*]}\""
  echo "HA_SENTINEL_PORTS=\"${SENTINEL_PORTS[*]}\""
  echo "HA_SENTINEL_PIDS=\"${SENTINEL_PIDS[*]}\""
  echo "HA_SENTINEL_CONFS=\"${SENTINEL_CONFS[*]}\""
  echo "HA_SENTINELS=$SENTINELS"
  echo "HA_API_PORTS=\"${API_PORTS[*]}\""
  echo "HA_API_PIDS=\"${API_PIDS[*]}\""
  echo "HA_API_URLS=\"${API_URLS[*]}\""
  echo "HA_SECRET_KEY_FILE=$SECRET_KEY_FILE"
  echo "HA_SCRIPT_PID=$$"
} >"$STATE_DIR/topology.env.tmp"
mv "$STATE_DIR/topology.env.tmp" "$STATE_DIR/topology.env"
: >"$STATE_DIR/ready"

cat <<EOF
incident-api HA topology is up:
  HAProxy        $HA_URL   (round robin over the APIs)
$(for url in "${API_URLS[@]}"; do echo "  incident-api   $url"; done)
  Redis          127.0.0.1:${PRIMARY_PORT} (primary), replicas ${REDIS_PORTS[*]:1}
  Sentinels      $SENTINELS   (master name $MASTER_NAME)
  state dir      $STATE_DIR   (topology.env, logs)
Ctrl-C stops everything.
EOF

# Until a signal: a child's death (a test's kill -9) is not a reason to stop. A
# background sleep and `wait` let the trap run at once when a signal arrives.
while :; do
  sleep 3600 &
  IDLE_PID=$!
  wait "$IDLE_PID" || true
done
