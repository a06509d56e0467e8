#!/usr/bin/env python3
"""Turns benchmarks/list_scale.sh's measurements into a table: printed, and
written between the list-scale markers of RESULTS.md (the section is appended
when the markers are missing). The target: at LARGE stored incidents each of
the four queries stays within 1.5x of its SMALL figure (p50 and requests/s)."""
import datetime
import json
import os
import sys

TARGET = 1.5
QUERIES = {  # name: (what, part of the target)
    "unfiltered": ("unfiltered", True),
    "severity": ("severity=high", True),
    "scope_status": ("scope=3&status=resolved (paired index)", True),
    "date_range": ("impact_after=2024-03-01T00:00&impact_before=2024-04-01T00:00", True),
    "severity_scope": ("severity=high&scope=3 (paired index; not in the target)", False),
}
BEGIN, END = "<!-- list-scale:begin -->", "<!-- list-scale:end -->"


def load(path):
    scales = {"small": {"queries": {}}, "large": {"queries": {}}}
    with open(path) as results:
        for line in results:
            scale, kind, rest = line.rstrip("\n").split(" ", 2)
            s = scales[scale]
            if kind == "query":
                name, total, calls, usec, alone, api_cpu, redis_cpu, payload = rest.split(" ", 7)
                r = json.loads(payload)
                r["api_cpu"], r["redis_cpu"] = int(api_cpu), int(redis_cpu)
                r["total"], r["calls"], r["usec"] = int(total or 0), int(calls), int(usec)
                r["alone_us"] = int(alone or 0)
                s["queries"][name] = r
            elif kind == "seed":
                s["seed"] = json.loads(rest)
            else:
                s[kind] = rest
    return scales


def count(n):
    n = int(n)
    return f"{n // 1000000}M" if n >= 1000000 and n % 1000000 == 0 else f"{n // 1000}k"


def figures(r):
    return f"{r['rps']:,.0f} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f}"


def redis_us(r):
    return f"{r['usec'] / r['calls']:,.0f}" if r["calls"] else "-"


def report(scales):
    small, large = scales["small"], scales["large"]
    s_label, l_label = count(small["stored"]), count(large["stored"])
    env = os.environ
    paths = dict(line.split("|", 1) for line in env.get("QUERY_PATHS", "").splitlines() if line)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"Run of {now}: `benchmarks/list_scale.sh` (SMALL={env['SMALL']} LARGE={env['LARGE']} "
        f"DURATION={env['DURATION']} CONNECTIONS={env['CONNECTIONS']}), each query "
        f"`wrk -t1 -c{env['CONNECTIONS']} -d{env['DURATION']}s --timeout 10s --latency "
        f"-s benchmarks/wrk/list_query.lua` after a {env['WARMUP']} s warm-up, anonymous "
        f"GETs, server with default settings against a private redis-server (unix socket, no "
        f"persistence); the {l_label} figures are taken in the same processes after adding "
        f"incidents.",
        "",
        f"Machine: {env.get('MACHINE', '?')}; wrk, incident-api and redis-server share it. "
        f"Load average (1, 5, 15 min) before/after the {s_label} queries: "
        f"{small['load_before']} / {small['load_after']}; {l_label}: {large['load_before']} / "
        f"{large['load_after']}.",
        "",
        f"| query | matches {s_label} / {l_label} | {s_label} req/s | p50 ms | p99 ms "
        f"| {l_label} req/s | p50 ms | p99 ms | p50 ratio ({l_label}/{s_label}) "
        f"| req/s ratio | p99 ratio | Redis alone p50 us {s_label} / {l_label} "
        f"| errors + non-200 | within {TARGET}x |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for name, (what, in_target) in QUERIES.items():
        if name not in small["queries"] or name not in large["queries"]:
            continue
        a, b = small["queries"][name], large["queries"][name]
        p50 = b["p50_us"] / a["p50_us"] if a["p50_us"] else float("inf")
        p99 = b["p99_us"] / a["p99_us"] if a["p99_us"] else float("inf")
        rps = a["rps"] / b["rps"] if b["rps"] else float("inf")
        bad = sum(r["socket_errors"] + r["unexpected"] for r in (a, b))
        ok = p50 <= TARGET and rps <= TARGET and bad == 0
        verdict = ("PASS" if ok else "FAIL") if in_target else ("(PASS)" if ok else "(FAIL)")
        if in_target:
            verdicts.append(ok)
        out.append(
            f"| `{what}` | {a['total']:,} / {b['total']:,} | {figures(a)} | {figures(b)} "
            f"| {p50:.2f} | {1 / rps if rps else 0:.2f} | {p99:.2f} "
            f"| {a['alone_us']:,} / {b['alone_us']:,} "
            f"| {a['socket_errors']} + {a['unexpected']} / {b['socket_errors']} + {b['unexpected']} "
            f"| {verdict} |")
    out += ["", f"Where the time goes during each wrk run (CPU in % of one core; 2 cores in all):", "",
            f"| query | incident-api CPU {s_label} / {l_label} | redis-server CPU {s_label} / {l_label} "
            f"| Redis us per EVALSHA under load {s_label} / {l_label} |", "|---|---|---|---|"]
    for name, (what, _) in QUERIES.items():
        if name in small["queries"] and name in large["queries"]:
            a, b = small["queries"][name], large["queries"][name]
            out.append(f"| `{what}` | {a['api_cpu']} / {b['api_cpu']} | {a['redis_cpu']} / "
                       f"{b['redis_cpu']} | {redis_us(a)} / {redis_us(b)} |")
    out += [
        "",
        f"- Target (p50 and requests/s of each of the four queries at {l_label} within "
        f"{TARGET}x of {s_label}, no errors): "
        f"{'PASS' if verdicts and all(verdicts) else 'FAIL'}.",
        "- Query paths: " + "; ".join(f"`{p}`" for p in paths.values()) + ".",
        "- Redis us per EVALSHA under load: Redis' own time per EVALSHA of the incident_page script "
        "during the measured wrk run (`INFO commandstats`, reset before each query). Redis alone: "
        "the same EVALSHA (captured with MONITOR from one request) replayed by "
        "`redis-benchmark -c 1 -n 2000` (-n 50 when a call takes over 2 ms) with the server idle, p50.",
        f"- Seeding ({'; '.join(s['seed'] for s in (small, large))}); the server's change-feed "
        f"follower had caught up {small['caught_up_s']} s / {large['caught_up_s']} s after each "
        f"seeding started.",
        f"- Redis memory (used_memory_human): {small['memory']} at {s_label}, "
        f"{large['memory']} at {l_label}, of which the change stream (capped at 1,000,000 "
        f"entries by seed_incidents; the server's own cap, --stream-maxlen, applies to its writes) "
        f"{int(small['stream_bytes']) / 2**20:,.0f} MiB / "
        f"{int(large['stream_bytes']) / 2**20:,.0f} MiB. incident-api RSS: "
        f"{int(small['rss_kib']) // 1024} MiB / {int(large['rss_kib']) // 1024} MiB.",
    ]
    for scale, label in ((small, s_label), (large, l_label)):
        for name, r in scale["queries"].items():
            st = r.get("statuses", {})
            if r["unexpected"] or r["socket_errors"]:
                out.append(f"- {label} `{QUERIES.get(name, (name,))[0]}`: {r['socket_errors']} socket "
                           f"errors/timeouts, non-200: {st.get('5xx', 0)} 5xx, {st.get('4xx', 0)} 4xx, "
                           f"{st.get('other', 0)} other (last: {st.get('last', 0)}).")
    if "extra_sizes" in large and "severity_scope" in large["queries"]:
        (s3, sh), (l3, lh) = (map(int, x["extra_sizes"].split()) for x in (small, large))
        a, b = small["queries"]["severity_scope"], large["queries"]["severity_scope"]
        out.append(
            f"- `severity=high&scope=3` reads the severity/scope paired index (scope 3: "
            f"{s3:,} / {l3:,} members; severity high: {sh:,} / {lh:,}): Redis alone "
            f"{a['alone_us']:,} us / {b['alone_us']:,} us per call; intersecting the two "
            f"single indexes instead (`ZINTERCARD 2`) would take {int(small['zintercard_us']):,} us / "
            f"{int(large['zintercard_us']):,} us.")
    problems = large.get("log_problems", "0").strip()
    out.append(f"- Server log: {problems} WARN/ERROR lines over the run"
               + (f"; first: `{large['log_first'].strip()}`." if problems != "0" else "."))
    return "\n".join(out)


def main():
    scales = load(sys.argv[1])
    text = report(scales)
    print(text)
    path = sys.argv[2]
    with open(path) as f:
        doc = f.read()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc = f"{head}{BEGIN}\n{text}\n{END}{tail}"
    else:
        doc = doc.rstrip("\n") + f"\n\n## List latency against the number of incidents\n\n" \
              f"```sh\nbenchmarks/list_scale.sh\n```\n\n{BEGIN}\n{text}\n{END}\n"
    with open(path, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
