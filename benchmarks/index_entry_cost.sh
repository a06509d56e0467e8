#!/usr/bin/env bash
# What one list-index entry costs Redis, as versions before 2026-12-04 kept
# them (lex: the sort key is the member) and as the server keeps them now (a
# score with the id as member): Redis' own us per ZREM and ZADD (INFO commandstats) while moving incidents between
# index keys (an update) and adding them at the front (a create), and the
# memory the 11 index keys of N incidents take.
#
#   benchmarks/index_entry_cost.sh          # N=100000 M=50000
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
N="${N:-100000}"
M="${M:-50000}"
WORK="$(mktemp -d /tmp/incident-index-cost-XXXXXX)"
PIDS=()
trap bench_cleanup EXIT
GENERATE="$BENCH_ROOT/benchmarks/index_entry_cost.py"

# usec_per_call COMMAND: Redis' own us per call of COMMAND since the last reset.
usec_per_call() {
  redis-cli -s "$SOCKET" info commandstats |
    sed -n "s/^cmdstat_$1:.*usec_per_call=\([0-9.]*\).*/\1/p"
}

echo "| entries | memory of 11 keys x $N | ZREM us (update) | ZADD us (update) | ZADD us (create) |" \
  "ZADD of 12 us per entry (creates batched) |"
echo "|---|---|---|---|---|---|"
for mode in lex score; do
  start_redis
  python3 "$GENERATE" "$mode" fill "$N" "$M" | redis-cli -s "$SOCKET" --pipe >/dev/null
  memory=$(redis-cli -s "$SOCKET" info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')
  redis-cli -s "$SOCKET" config resetstat >/dev/null
  python3 "$GENERATE" "$mode" move "$N" "$M" | redis-cli -s "$SOCKET" --pipe >/dev/null
  zrem=$(usec_per_call zrem)
  zadd_move=$(usec_per_call zadd)
  redis-cli -s "$SOCKET" config resetstat >/dev/null
  python3 "$GENERATE" "$mode" create "$N" "$M" | redis-cli -s "$SOCKET" --pipe >/dev/null
  zadd_create=$(usec_per_call zadd)
  redis-cli -s "$SOCKET" config resetstat >/dev/null
  python3 "$GENERATE" "$mode" create12 "$N" "$M" | redis-cli -s "$SOCKET" --pipe >/dev/null
  zadd_batched=$(python3 -c "print(round($(usec_per_call zadd) / 12, 2))")
  echo "| $mode | $memory | $zrem | $zadd_move | $zadd_create | $zadd_batched |"
  redis-cli -s "$SOCKET" shutdown nosave >/dev/null 2>&1 || true
  wait "$REDIS_PID" 2>/dev/null || true
  PIDS=()
done
