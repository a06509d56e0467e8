#!/usr/bin/env python3
"""Searches for the costliest list the server accepts (benchmarks/list_cost.sh).

Every shape of filter (status, severity, scope, service: 0, 1, a few or all of
their values), date range and page depth is sent once over HTTP; for each,
Redis' SLOWLOG (threshold 0, so every call is logged) gives the time of each
call the list made. Prints one JSON line: how many shapes were accepted and
refused, and the costliest accepted ones by Redis time in all and by their
longest single call.
"""
import itertools
import json
import subprocess
import sys
import urllib.error
import urllib.request

api, socket = sys.argv[1], sys.argv[2]
STATUSES = ["resolved", "active", "stable", "investigating"]
SEVERITIES = ["moderate", "low", "minor", "high", "critical"]
SCOPES = [str(i) for i in range(1, 21)]
SERVICES = [str(i) for i in range(1, 51)]
DATES = [None, ("2025-01-01T00:00", "2025-12-31T00:00"), ("2024-03-01T00:00", "2024-04-01T00:00")]
PAGES = [1, 100, 2000]


def redis(*args):
    return subprocess.run(["redis-cli", "-s", socket, *args], capture_output=True, text=True,
                          check=True).stdout


def calls_usec():
    """(total, longest) microseconds of the list's calls logged since the last reset.

    Only top-level calls count: a script's or a transaction's inner commands are
    logged apart as well, and their time is already in the EVALSHA or EXEC.
    """
    raw = redis("--json", "slowlog", "get", "1000000")
    total = longest = 0
    for entry in json.loads(raw):
        command, duration = entry[3][0].lower(), int(entry[2])
        if command in ("evalsha", "eval", "exec"):
            total += duration
            longest = max(longest, duration)
    return total, longest


def choices(values):
    return [[], values[:1], values[:3], values]


def main():
    redis("config", "set", "slowlog-log-slower-than", "0")
    redis("config", "set", "slowlog-max-len", "1000000")
    results = []
    shapes = itertools.product(choices(STATUSES), choices(SEVERITIES), choices(SCOPES),
                               choices(SERVICES), DATES, PAGES)
    for status, severity, scope, service, dates, page in shapes:
        query = [("per_page", "50"), ("page", str(page))]
        query += [("status", v) for v in status] + [("severity", v) for v in severity]
        query += [("scope", v) for v in scope] + [("service", v) for v in service]
        if dates:
            query += [("impact_after", dates[0]), ("impact_before", dates[1])]
        path = "/api/incident?" + "&".join(f"{k}={v}" for k, v in query)
        redis("slowlog", "reset")
        try:
            with urllib.request.urlopen(api + path, timeout=30) as response:
                status_code, total = response.status, response.headers.get("x-total")
                response.read()
        except urllib.error.HTTPError as error:
            status_code, total = error.code, None
            error.read()
        spent, longest = calls_usec()
        results.append({"path": path, "status": status_code, "total": total,
                        "redis_us": spent, "longest_call_us": longest})
    accepted = [r for r in results if r["status"] == 200]
    refused = [r for r in results if r["status"] == 400]
    other = [r for r in results if r["status"] not in (200, 400)]
    print(json.dumps({
        "shapes": len(results), "accepted": len(accepted), "refused": len(refused),
        "other_statuses": sorted({r["status"] for r in other}), "other": len(other),
        "costliest_accepted": sorted(accepted, key=lambda r: -r["redis_us"])[:5],
        "longest_single_call": sorted(accepted, key=lambda r: -r["longest_call_us"])[:3],
        "costliest_refused_check_us": max((r["redis_us"] for r in refused), default=0),
    }))


main()
