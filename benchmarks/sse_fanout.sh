#!/usr/bin/env bash
# Event-stream fan-out: READERS anonymous Server-Sent Events readers while
# COMMENTS sequential comments are written (benchmarks/sse_fanout.py), against
# a private redis-server and incident-api (Release). Prints the comments' time
# with and without the readers, whether every reader got every comment in
# order, and the server's CPU per delivered event; writes them between the
# sse-fanout markers of RESULTS.md.
#
#   benchmarks/sse_fanout.sh                  # READERS=1000 COMMENTS=300
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
READERS="${READERS:-1000}"
COMMENTS="${COMMENTS:-300}"

bench_setup sse-fanout incident-api
ulimit -n "$(ulimit -Hn)"
API_PORT=$(free_port)
start_redis
start_api "$API_PORT"
API="http://127.0.0.1:$API_PORT"
TOKEN=$(curl -s -X POST "$API/api/token/create" -d secret=bench-secret -d name=bench \
  -d permission=incident_api -d permission=scope_api -d permission=service_api | tr -d '"')
auth=(-H "Authorization: Bearer $TOKEN")
curl -s -o /dev/null "${auth[@]}" -X POST "$API/api/scope/create" -d name=Fan-out
curl -s -o /dev/null "${auth[@]}" -X POST "$API/api/service/create" -d name=Fan-out
ID=$(curl -s "${auth[@]}" -H 'Prefer: return=representation' -X POST "$API/api/incident/create" \
  -d scope=1 -d service=1 -d name="Fan-out incident" -d severity=high |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
RESULT=$(python3 "$ROOT/benchmarks/sse_fanout.py" "$API" "$API_PID" "$TOKEN" "$ID" "$READERS" "$COMMENTS")
echo "$RESULT"
python3 - "$RESULT" "$ROOT/benchmarks/RESULTS.md" <<'PY'
import datetime, json, re, sys
r = json.loads(sys.argv[1])
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
text = (f"Run of {when}: {r['readers']:,} anonymous readers, {r['comments']} sequential comments "
        f"of one incident. Comments alone {r['comments_alone_s']} s, beside the readers "
        f"{r['comments_beside_readers_s']} s; readers that got every comment in order: "
        f"{r['readers_with_every_comment_in_order']:,} of {r['readers']:,}; server CPU "
        f"{r['server_cpu_s']} s for {r['readers'] * r['comments']:,} delivered events, "
        f"{r['server_cpu_us_per_delivered_event']} us per delivered event.")
path = sys.argv[2]
results = open(path).read()
block = f"<!-- sse-fanout:begin -->\n{text}\n<!-- sse-fanout:end -->"
if "<!-- sse-fanout:begin -->" in results:
    results = re.sub(r"<!-- sse-fanout:begin -->.*?<!-- sse-fanout:end -->", block, results, flags=re.S)
else:
    results += "\n" + block + "\n"
open(path, "w").write(results)
PY
