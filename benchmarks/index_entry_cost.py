#!/usr/bin/env python3
"""Writes (RESP, to stdout) the Redis commands of benchmarks/index_entry_cost.sh for
one way of keeping list-index entries:

  lex    every member scores 0 and is the sort key itself, as the server stored them
         before 2026-12-04 (start of impact, status, severity and id on fixed widths,
         then the id);
  score  the sort key without the id is the score and the member is the id (the
         server's form since; its member is the id's complement, for the order, on
         sixteen decimal digits here as the server wrote it until 2026-12-05, on
         fourteen hex digits since).

Phases (run one after the other on one Redis): "fill" puts N incidents in 11 sorted
sets (the index keys one incident is in), in a random order of start dates; "move"
moves M random incidents to 11 other keys with a new status (a ZREM and a ZADD per key,
as the benchmark's update of distinct incidents does); "create" adds M new incidents at
the front of 11 new keys (as creates do); "create12" does the same with 12 incidents
per ZADD (as a batch of creates sharing their index keys would).

    index_entry_cost.py lex|score fill|move|create|create12 N M
"""
import random
import sys

KEYS = 11
MAX_MINUTE = 9_999_999_999
MAX_ID = 9_007_199_254_740_991


def command(*args):
    parts = [f"*{len(args)}\r\n"]
    for arg in map(str, args):
        parts.append(f"${len(arg.encode())}\r\n{arg}\r\n")
    return "".join(parts)


def main():
    mode, phase = sys.argv[1], sys.argv[2]
    incidents, moves = int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(1)
    start = [rng.randint(27_000_000, 28_600_000) for _ in range(incidents + moves + 1)]
    status = [rng.randint(0, 3) for _ in range(incidents + 1)]
    severity = [rng.randint(0, 4) for _ in range(incidents + 1)]

    def entry(i, st, sv):  # (score, member)
        if mode == "lex":
            return 0, f"{MAX_MINUTE - start[i]:010d}{st}{sv}{MAX_ID - i:016d}:{i}"
        return ((MAX_MINUTE - start[i]) * 8 + st) * 8 + sv, f"{MAX_ID - i:016d}"

    out = sys.stdout
    if phase == "fill":
        for i in range(1, incidents + 1):
            score, member = entry(i, status[i], severity[i])
            for k in range(KEYS):
                out.write(command("ZADD", f"idx:{k}", score, member))
    elif phase == "move":
        group = [0] * (incidents + 1)
        for _ in range(moves):
            i = rng.randint(1, incidents)
            _, old_member = entry(i, status[i], severity[i])
            status[i] = (status[i] + 1) % 4
            score, member = entry(i, status[i], severity[i])
            for k in range(KEYS):
                out.write(command("ZREM", f"idx:{k + KEYS * group[i]}", old_member))
                out.write(command("ZADD", f"idx:{k + KEYS * (1 - group[i])}", score, member))
            group[i] = 1 - group[i]
    elif phase in ("create", "create12"):
        per_call = 12 if phase == "create12" else 1
        for first in range(incidents + 1, incidents + moves + 1, per_call):
            batch = range(first, min(first + per_call, incidents + moves + 1))
            entries = []
            for i in batch:
                start[i] = 28_600_001  # newer than every other: the front of each index
                entries.extend(entry(i, 0, 0))
            for k in range(KEYS):
                out.write(command("ZADD", f"{phase}:{k}", *entries))

if __name__ == "__main__":
    main()
