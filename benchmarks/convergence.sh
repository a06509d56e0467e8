#!/usr/bin/env bash
# Two incident-api processes on one Redis: how soon a write through one is
# read through the other (both processes follow the change stream).
#   benchmarks/convergence.sh [samples]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BENCH_BUILD:-$ROOT/build/bench}"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DINCIDENT_BENCHMARKS=ON -DINCIDENT_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target incident-api >/dev/null
WORK="$(mktemp -d /tmp/incident-converge-XXXXXX)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis-server --port 0 --unixsocket "$WORK/redis.sock" --save "" --appendonly no --dir "$WORK" \
  --daemonize no >/dev/null & PIDS+=($!)
until redis-cli -s "$WORK/redis.sock" ping >/dev/null 2>&1; do sleep 0.1; done
PORTS=()
for process in a b; do
  port=$(free_port); PORTS+=("$port")
  PM_SECRET_KEY=converge "$BUILD/incident-api" --port "$port" --redis-uri "unix://$WORK/redis.sock" \
    2>"$WORK/$process.log" & PIDS+=($!)
  until curl -sf "127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done
done
A="http://127.0.0.1:${PORTS[0]}"; B="http://127.0.0.1:${PORTS[1]}"
TOKEN=$(curl -s -X POST "$A/api/token/create" -d secret=converge -d name=c -d permission=incident_api \
  -d permission=scope_api -d permission=service_api | tr -d '"')
curl -s -X POST "$A/api/scope/create" -H "Authorization: Bearer $TOKEN" -d name=S -o /dev/null
curl -s -X POST "$A/api/service/create" -H "Authorization: Bearer $TOKEN" -d name=V -o /dev/null
curl -s -X POST "$A/api/incident/create" -H "Authorization: Bearer $TOKEN" -d scope=1 -d service=1 \
  -d severity=low -d name="Converging incident" -o /dev/null
python3 "$ROOT/benchmarks/convergence.py" "$A" "$B" "$TOKEN" 1 "${1:-200}"
