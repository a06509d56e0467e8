#!/usr/bin/env bash
# How long a process of this version takes to migrate the index entries of data
# the previous version wrote (members on sixteen decimal digits, no form marked)
# before it serves: seeds INCIDENTS incidents (default 1,000,000) through the
# storage code into a private redis-server, rewrites every index entry's member
# into the previous form (as that version wrote them), then starts incident-api
# and times it until /health answers 200. Checks that no entry of the earlier
# form is left and that the whole list counts every incident, reports Redis'
# index memory before and after, and writes the figures into RESULTS.md between
# the index-migration markers.
#
#   benchmarks/index_migration.sh                # INCIDENTS=1000000
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/benchmarks/lib.sh"
INCIDENTS="${INCIDENTS:-1000000}"

bench_setup migration incident-api seed_incidents
start_redis
echo "seeding: $("$BUILD/benchmarks/seed_incidents" "unix://$SOCKET" "$INCIDENTS")"
rcli() { redis-cli -s "$SOCKET" "$@"; }
used_memory() { rcli INFO memory | awk -F: '$1 == "used_memory" { printf "%d", $2 / 1048576 }'; }
# The index keys, listed before any script runs (a long one makes SCAN busy).
# SCAN may give a key twice while Redis resizes its table: each is taken once.
index_keys() {
  mapfile -t KEYS_NOW < <(rcli --scan --pattern 'pm:idx:*' | sort -u)
  [ "${#KEYS_NOW[@]}" -gt 0 ] || { echo "no index key found" >&2; exit 1; }
}
# Entries in every index key.
count_entries() {
  local total=0 key
  index_keys
  for key in "${KEYS_NOW[@]}"; do total=$((total + $(rcli ZCARD "$key"))); done
  echo "$total"
}
# Entries of the earlier form (sixteen characters) in every index key.
count_earlier() {
  local total=0 key
  index_keys
  for key in "${KEYS_NOW[@]}"; do
    total=$((total + $(rcli EVAL "local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do if #m == 16 then n = n + 1 end end
return n" 1 "$key")))
  done
  echo "$total"
}
CURRENT_MIB=$(used_memory)
# The previous version's form: (2^53 - id) on sixteen decimal digits, same score.
ENTRIES=0
index_keys
for key in "${KEYS_NOW[@]}"; do
  ENTRIES=$((ENTRIES + $(rcli EVAL "local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = 0
for i = 1, #all, 2 do
  if #all[i] == 14 then
    redis.call('ZREM', KEYS[1], all[i])
    redis.call('ZADD', KEYS[1], all[i + 1], string.format('%016.0f', tonumber(all[i], 16)))
    n = n + 1
  end
end
return n" 1 "$key")))
done
rcli DEL pm:idx-form >/dev/null
EARLIER_MIB=$(used_memory)
EARLIER_LEFT=$(count_earlier)
echo "rewrote $ENTRIES entries into the earlier form ($EARLIER_LEFT counted); used_memory $CURRENT_MIB -> $EARLIER_MIB MiB"
[ "$EARLIER_LEFT" = "$ENTRIES" ] && [ "$(count_entries)" = "$ENTRIES" ] ||
  { echo "the earlier form was not made of every entry" >&2; exit 1; }

PORT=$(free_port)
STARTED=$(date +%s.%N)
PM_SECRET_KEY=bench-secret "$BUILD/incident-api" --port "$PORT" --redis-uri "unix://$SOCKET" \
  2>"$WORK/api.log" &
API_PID=$!
PIDS+=($API_PID)
DEADLINE=$((SECONDS + 1800))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/health")" = 200 ]; do
  if ! kill -0 "$API_PID" || [ "$SECONDS" -gt "$DEADLINE" ]; then
    echo "incident-api did not become healthy:" >&2
    tail -5 "$WORK/api.log" >&2
    exit 1
  fi
  sleep 0.2
done
SERVING=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$STARTED" "$(date +%s.%N)")
LOGGED=$(grep -o 'indexes migrated in.*' "$WORK/api.log" | head -1 || true)
LEFT=$(count_earlier)
AFTER_ENTRIES=$(count_entries)
TOTAL=$(curl -s -D - -o /dev/null "127.0.0.1:$PORT/api/incident?per_page=1" | tr -d '\r' |
  awk -F': ' 'tolower($1) == "x-total" { print $2 }')
AFTER_MIB=$(used_memory)
VERDICT=$([ "$LEFT" = 0 ] && [ "$AFTER_ENTRIES" = "$ENTRIES" ] && [ "$TOTAL" = "$INCIDENTS" ] &&
  echo PASS || echo FAIL)
REVISION="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD || echo ' with uncommitted changes')"

REPORT="Run of $(date -u '+%Y-%m-%d %H:%M') UTC at $REVISION: \`INCIDENTS=$INCIDENTS benchmarks/index_migration.sh\`. $INCIDENTS incidents seeded through the storage code into a private redis-server, then each of their $ENTRIES index entries rewritten with its member on sixteen decimal digits (as the previous version wrote them) and no form marked.

| | |
|---|---|
| from start to the first 200 of /health | $SERVING s |
| the server's log | $LOGGED |
| entries of the earlier form left | $LEFT |
| index entries after (before: $ENTRIES) | $AFTER_ENTRIES |
| x-total of the whole list | $TOTAL |
| Redis used_memory: seeded, in the earlier form, migrated | $CURRENT_MIB, $EARLIER_MIB, $AFTER_MIB MiB |
| verdict (nothing of the earlier form left, every entry kept, every incident listed) | $VERDICT |"
echo "$REPORT"
write_results index-migration "Index migration at start-up" "$REPORT"
[ "$VERDICT" = PASS ]
