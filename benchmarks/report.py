#!/usr/bin/env python3
"""Turns benchmarks/run.sh's measurements into a table: printed, and written
between the http-load markers of RESULTS.md. Ratios are to the baseline
server measured in the same run, and GET hot's also to nginx (the practical
limit of an HTTP server here); the hot-update invariant is checked here."""
import datetime
import json
import os
import sys

SCENARIOS = [  # name, what, target ratio to the baseline
    ("get_hot", "GET one incident (hot)", 0.7),
    ("get_random", "GET random incidents (mostly cache misses)", None),
    ("list_page", "GET a list page (per_page=20)", 0.3),
    ("create", "create", 0.35),
    ("update_distinct", "update of distinct incidents", 0.35),
    ("update_hot", "update of one hot incident by every connection", 0.2),
    ("comment", "comment", 0.45),
    ("mix", "80/20 read/write mix", 0.6),
]
NGINX_TARGET = 0.8  # GET hot as a ratio to nginx answering the same bytes
COMMENT_CPU_TARGET = 1.5  # server CPU per comment, at most this many times Redis' per comment
BEGIN, END = "<!-- http-load:begin -->", "<!-- http-load:end -->"


def load_results():
    results = {}
    for line in os.environ["RESULTS_JSON"].splitlines():
        name, _, payload = line.partition(" ")
        results[name] = json.loads(payload)
    return results


def hot_invariant(results):
    """No acknowledged update lost: every one is in version and events. wrk stops
    counting at the deadline, so up to one update per connection may still have
    been in flight (committed, never counted): the excess must stay below that."""
    with open(os.environ["HOT_STATE_FILE"]) as hot:
        state = json.load(hot)
    acked = results["update_hot"]["acknowledged"]
    changes = state["version"] - 1
    in_flight = changes - acked
    ok = (0 <= in_flight <= int(os.environ["CONNECTIONS"])
          and len(state["events"]) == state["version"])
    return ok, (f"hot incident: {acked} acknowledged updates, final version {state['version']} "
                f"and {len(state['events'])} events ({in_flight} more were in flight when wrk "
                f"stopped) -> {'PASS' if ok else 'FAIL'}: no acknowledged update lost")


def cpu_us(r, which):
    """CPU time `which` ("server" or "redis") used per request, in us."""
    ticks_per_s = int(os.environ["TICKS_PER_S"])
    return r[f"{which}_ticks"] * 1e6 / ticks_per_s / max(r["requests"], 1)


def redis_bound(r, base):
    """The ratio to the baseline redis-server alone would allow at its measured
    CPU per request, given a whole core and incident-api costing nothing."""
    redis_us = cpu_us(r, "redis")
    return f"{1e6 / redis_us / base:.2f}" if redis_us >= 1 else "-"


def fixed_body_row(what, r, base):
    """A row for a server answering a fixed body: no Redis, no target."""
    return (f"| {what} | {r['rps']:,.0f} | {r['p50_us'] / 1000:.2f} | "
            f"{r['p99_us'] / 1000:.2f} | {r['socket_errors']} | {r['unexpected']} | "
            f"{r['rps'] / base:.2f} | | {cpu_us(r, 'server'):.1f} | | |")


def table(results):
    base = results["baseline"]["rps"]
    rows = ["| scenario | requests/s | p50 ms | p99 ms | errors | unexpected statuses | "
            "ratio to baseline | target | server CPU us/req | redis CPU us/req | "
            "Redis alone allows |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows.append(fixed_body_row("baseline (Pistache, fixed body)", results["baseline"], base))
    rows.append(fixed_body_row("nginx (the hot incident's bytes, 2 workers)",
                               results["nginx"], base))
    for name, what, target in SCENARIOS:
        r = results[name]
        ratio = r["rps"] / base
        verdict = "" if target is None else f">= {target} {'met' if ratio >= target else 'NOT met'}"
        rows.append(f"| {what} | {r['rps']:,.0f} | {r['p50_us'] / 1000:.2f} | "
                    f"{r['p99_us'] / 1000:.2f} | {r['socket_errors']} | {r['unexpected']} | "
                    f"{ratio:.2f} | {verdict} | {cpu_us(r, 'server'):.1f} | "
                    f"{cpu_us(r, 'redis'):.1f} | {redis_bound(r, base)} |")
    return "\n".join(rows)


def against_nginx(results):
    """GET hot as a ratio to nginx answering the same bytes in the same run."""
    hot, nginx = results["get_hot"], results["nginx"]
    ratio = hot["rps"] / nginx["rps"]
    verdict = "met" if ratio >= NGINX_TARGET else "NOT met"
    return (f"GET one incident (hot) against nginx: {hot['rps']:,.0f} / {nginx['rps']:,.0f} "
            f"requests/s = {ratio:.2f}, target >= {NGINX_TARGET} {verdict}; server CPU us/req: "
            f"incident-api {cpu_us(hot, 'server'):.1f}, nginx {cpu_us(nginx, 'server'):.1f}.")


def comment_cpu(results):
    """Our CPU per comment against Redis' (where the bound of comments lies)."""
    comment = results["comment"]
    ours, redis = cpu_us(comment, "server"), cpu_us(comment, "redis")
    ratio = ours / redis if redis else float("inf")
    verdict = "met" if ratio <= COMMENT_CPU_TARGET else "NOT met"
    return (f"Comment: server CPU {ours:.1f} us against Redis' {redis:.1f} us per comment = "
            f"{ratio:.2f}x, target <= {COMMENT_CPU_TARGET}x {verdict}.")


def main():
    results = load_results()
    ok, invariant = hot_invariant(results)
    env = os.environ
    section = "\n".join([
        BEGIN,
        f"Run of {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: `wrk -t1 -c{env['CONNECTIONS']} "
        f"-d{env['DURATION']}s`, {int(env['INCIDENTS']):,} seeded incidents, server with "
        "default settings (HTTP threads: half the cores, here "
        f"{max(1, len(os.sched_getaffinity(0)) // 2)}) against a private redis-server (unix socket, no "
        "persistence). nginx: Debian's nginx-light, 2 workers, keep-alive, answering the "
        "hot incident's JSON (as GET hot reads it) from memory.",
        "",
        table(results),
        "",
        f"- {against_nginx(results)}",
        f"- {comment_cpu(results)}",
        "- Server CPU us/req: CPU time (user + system) the server under test (the baseline, "
        "nginx's master and workers, or incident-api) used during the run, per request; "
        "redis CPU us/req: the same for "
        "redis-server. Redis alone allows: 1e6 / redis CPU us/req, as a ratio to the "
        "baseline: the ceiling a scenario could reach if redis-server had a whole core "
        "and incident-api cost nothing (wrk, incident-api and redis-server share 2 cores).",
        f"- {invariant}",
        f"- Redis commands/s during the distinct-update scenario: {int(env['REDIS_CPS']):,}; "
        f"`redis-benchmark -c {env['CONNECTIONS']}` of a comparable EVAL (HSET + XADD): "
        f"{float(env['EVAL_CPS'] or 0):,.0f}/s.",
        f"- Server resident memory after the random-read scenario: "
        f"{int(env['RSS_KIB']) / 1024:.0f} MiB.",
        END,
    ])
    print(section)
    path = sys.argv[1]
    text = open(path).read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text += "\n" + section + "\n"
    open(path, "w").write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
