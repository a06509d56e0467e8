#!/usr/bin/env python3
"""Helper of benchmarks/webhook_delivery.sh (standard library only).

  pace URL TOKEN RATE SECONDS
      Creates incidents through POST URL/api/incident/create at RATE a second
      for SECONDS, on one keep-alive connection, on a fixed schedule (a late
      request goes at once, the schedule is kept). Prints one JSON line:
      sent, achieved rate, statuses other than 302.
  deliveries FILE [EXPECTED]
      Reads a receiver dump ("<endpoint> msg_<stream id> <arrival us>" lines)
      and prints one JSON line: deliveries, distinct (endpoint, change) pairs,
      duplicates, delivery latency (arrival - the stream id's milliseconds)
      p50/p90/p99/max in ms, and the span from the first commit to the last
      arrival with deliveries/s over it. EXPECTED: the deliveries due.
  report FILE TICKS_PER_S
      The tables of RESULTS.md from the run's JSON lines.
"""
import http.client
import json
import statistics
import sys
import time


def pace(url, token, rate, seconds):
    host, port = url.split("//", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Authorization": "Bearer " + token,
               "Content-Type": "application/x-www-form-urlencoded"}
    interval = 1.0 / rate
    start = time.monotonic()
    due = start
    sent, unexpected, late = 0, {}, 0
    while due < start + seconds:
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        elif now - due > interval:
            late += 1
        body = "scope=1&service=1&severity=high&name=Paced+incident+%d&description=paced" % sent
        connection.request("POST", "/api/incident/create", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status != 302:
            unexpected[response.status] = unexpected.get(response.status, 0) + 1
        sent += 1
        due += interval
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent, "rate": round(sent / elapsed, 1), "late": late,
                      "unexpected": unexpected}))


def percentile(ordered, p):
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def deliveries(path, expected=None):
    seen = {}
    latencies = []
    first_commit, last_arrival = None, None
    for line in open(path):
        parts = line.split()
        if len(parts) != 3 or not parts[1].startswith("msg_"):
            continue
        endpoint, message, arrival_us = parts[0], parts[1], int(parts[2])
        key = (endpoint, message)
        seen[key] = seen.get(key, 0) + 1
        commit_ms = int(message[4:].split("-")[0])
        latencies.append(arrival_us / 1000 - commit_ms)
        first_commit = commit_ms if first_commit is None else min(first_commit, commit_ms)
        last_arrival = arrival_us if last_arrival is None else max(last_arrival, arrival_us)
    latencies.sort()
    result = {"deliveries": len(latencies), "distinct": len(seen),
              "duplicates": sum(count - 1 for count in seen.values()),
              "endpoints": len({endpoint for endpoint, _ in seen})}
    if expected is not None:
        result["expected"] = expected
    if latencies:
        result.update({k: round(percentile(latencies, p), 1)
                       for k, p in (("p50_ms", 50), ("p90_ms", 90), ("p99_ms", 99))})
        result["max_ms"] = round(latencies[-1], 1)
        span = last_arrival / 1e6 - first_commit / 1e3
        result["span_s"] = round(span, 2)
        result["per_s"] = round(len(seen) / span, 1) if span > 0 else None
    print(json.dumps(result))


def report(path, ticks_per_s):
    records = [json.loads(line) for line in open(path)]
    med = statistics.median
    print("\nDelivery (one receiver on loopback answering 200 at once; latency = arrival - "
          "commit, the stream id's milliseconds):\n")
    print("| phase | endpoints | writes | deliveries due | delivered | duplicates "
          "| deliveries/s | latency p50 | p90 | p99 | max | commit to last arrival |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in records:
        if r["kind"] not in ("steady", "burst"):
            continue
        d = r["deliveries"]
        writes = (f"{r['writes']:,} at {r['write_rate']:,.0f}/s" if r["kind"] == "steady"
                  else f"{r['writes']:,} (seeded)")
        print(f"| {r['kind']} | {r['endpoints']} | {writes} | {d['expected']:,} "
              f"| {d['distinct']:,} | {d['duplicates']} | {d.get('per_s') or 0:,.0f} "
              f"| {d.get('p50_ms', '-')} ms | {d.get('p90_ms', '-')} ms "
              f"| {d.get('p99_ms', '-')} ms | {d.get('max_ms', '-')} ms "
              f"| {d.get('span_s', '-')} s{'' if r['drained'] else ' (not drained)'} |")
    runs = [r for r in records if r["kind"] == "wrk"]
    if not runs:
        return
    print("\nWrite throughput, 0 against N endpoints enabled, alternated round by round:\n")
    print("| scenario | req/s, 0 endpoints | req/s, N | N/0 (median of rounds, min-max) "
          "| p99, 0 | p99, N | server CPU µs/req, 0 | N | redis CPU µs/req, 0 | N "
          "| deliveries during the run / due | left at the end of a run: changes unread, "
          "retries waiting (medians) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in dict.fromkeys(r["scenario"] for r in runs):
        by = {}
        for r in runs:
            if r["scenario"] == scenario:
                by.setdefault(r["endpoints"] > 0, {})[r["round"]] = r
        off, on = by.get(False, {}), by.get(True, {})
        rounds = sorted(set(off) & set(on))
        if not rounds:
            continue
        n = on[rounds[0]]["endpoints"]
        ratio = [on[k]["rps"] / off[k]["rps"] for k in rounds]
        cpu = lambda runs_of, key: med(runs_of[k][key] / ticks_per_s * 1e6 /
                                       max(1, runs_of[k]["requests"]) for k in rounds)
        due = sum(on[k]["acknowledged"] * n for k in rounds)
        made = sum(on[k]["delivered_during_run"] for k in rounds)
        print(f"| {scenario} (N={n}) | {med(off[k]['rps'] for k in rounds):,.0f} "
              f"| {med(on[k]['rps'] for k in rounds):,.0f} "
              f"| {med(ratio):.3f} ({min(ratio):.3f}-{max(ratio):.3f}) "
              f"| {med(off[k]['p99_us'] for k in rounds) / 1000:.1f} ms "
              f"| {med(on[k]['p99_us'] for k in rounds) / 1000:.1f} ms "
              f"| {cpu(off, 'server_ticks'):.0f} | {cpu(on, 'server_ticks'):.0f} "
              f"| {cpu(off, 'redis_ticks'):.0f} | {cpu(on, 'redis_ticks'):.0f} "
              f"| {made:,} / {due:,} ({made / max(1, due):.1%}) "
              f"| {med(int(on[k]['backlog_after'].split()[1]) for k in rounds):,.0f}, "
              f"{med(int(on[k]['backlog_after'].split()[2]) for k in rounds):,.0f} |")
    errors = sum(r["socket_errors"] + r["unexpected"] for r in runs)
    print(f"\n{len(runs)} wrk runs, {errors} socket errors or unexpected statuses in all.")
    loads = [float(r["load"].split()[0]) for r in records]
    busy = [r["machine_ticks"] / ticks_per_s / (r["requests"] / r["rps"]) for r in runs]
    ours = [(r["server_ticks"] + r["redis_ticks"] + r["receiver_ticks"]) / ticks_per_s /
            (r["requests"] / r["rps"]) for r in runs]
    print(f"Load average (1 min) seen during the phases: {min(loads):.2f}-{max(loads):.2f}; "
          f"during the wrk runs the machine was busy {med(busy):.2f} cores (median), "
          f"{med(ours):.2f} of them the server, redis-server and the receiver "
          f"(the rest: wrk and the other processes of the machine).")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "pace":
        pace(args[0], args[1], float(args[2]), float(args[3]))
    elif command == "deliveries":
        deliveries(args[0], int(args[1]) if len(args) > 1 else None)
    elif command == "report":
        report(args[0], int(args[1]))
    else:
        sys.exit(__doc__)
