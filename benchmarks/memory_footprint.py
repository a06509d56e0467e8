#!/usr/bin/env python3
"""Helper of benchmarks/memory_footprint.sh.

  memory_footprint.py measure SOCKET SAMPLES OUT.json [PREFIX]
      Where Redis' memory goes, read over its unix socket (no load meanwhile):
      INFO memory and MEMORY STATS; the change stream (XLEN, MEMORY USAGE
      SAMPLES 0, XINFO STREAM, the payload of its newest 1,000 entries); every
      index key (`<prefix>:idx:*`, found with SCAN: ZCARD, MEMORY USAGE SAMPLES 0,
      OBJECT ENCODING); and SAMPLES random incidents (their hash and events list:
      MEMORY USAGE SAMPLES 0, OBJECT ENCODING and payload bytes).
  memory_footprint.py report MEASURE.json RUNS.txt RESULTS.md
      The markdown report, printed and written between the memory-footprint
      markers of RESULTS.md (the section is appended when they are missing).
"""
import datetime
import json
import os
import random
import socket
import statistics
import sys
from collections import Counter, defaultdict

BEGIN, END = "<!-- memory-footprint:begin -->", "<!-- memory-footprint:end -->"
TARGET_BYTES = 2 * 2**30


class RedisError(Exception):
    pass


class Redis:
    """A minimal RESP client over a unix socket, with pipelining."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RedisError(f"unexpected reply {line!r}")

    def pipeline(self, commands, chunk=2000):
        replies = []
        for i in range(0, len(commands), chunk):
            part = commands[i:i + chunk]
            self.sock.sendall(b"".join(self.encode(c) for c in part))
            replies += [self.read() for _ in part]
        return replies

    def __call__(self, *args):
        reply = self.pipeline([args])[0]
        if isinstance(reply, RedisError):
            raise reply
        return reply


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def info(r, section):
    out = {}
    for line in text(r("INFO", section)).splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def flat_to_dict(items):
    return {text(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def family(key, prefix):
    parts = key[len(prefix) + len(":idx:"):].split(":")
    if parts == ["incidents"]:
        return "all (idx:incidents)"
    if len(parts) == 2:
        return parts[0]
    if len(parts) == 4:
        return f"{parts[0]} x {parts[2]}"
    return "other"


def measure(sock, samples, out, prefix="pm"):
    r = Redis(sock)
    memory = info(r, "memory")
    stats = flat_to_dict(r("MEMORY", "STATS"))
    stats = {k: (v if isinstance(v, int) else text(v) if not isinstance(v, list) else None)
             for k, v in stats.items()}
    result = {
        "used_memory": int(memory["used_memory"]),
        "used_memory_dataset": int(memory["used_memory_dataset"]),
        "used_memory_overhead": int(memory["used_memory_overhead"]),
        "used_memory_rss": int(memory["used_memory_rss"]),
        "allocator_frag_ratio": memory.get("allocator_frag_ratio"),
        "mem_fragmentation_ratio": memory.get("mem_fragmentation_ratio"),
        "memory_stats": {k: v for k, v in stats.items() if v is not None},
        "dbsize": r("DBSIZE"),
        "config": {k: text(r("CONFIG", "GET", k)[1]) for k in (
            "hash-max-listpack-entries", "hash-max-listpack-value", "zset-max-listpack-entries",
            "zset-max-listpack-value", "list-max-listpack-size", "stream-node-max-entries",
            "stream-node-max-bytes")},
    }

    # The change stream.
    stream = f"{prefix}:incidents:stream"
    xinfo = flat_to_dict(r("XINFO", "STREAM", stream))
    newest = r("XREVRANGE", stream, "+", "-", "COUNT", 1000)
    types, payload = Counter(), []
    for entry_id, fields in newest:
        f = flat_to_dict(fields)
        payload.append(len(entry_id) + sum(len(k) + len(v) for k, v in f.items()))
        try:
            types[json.loads(f.get("data", b"{}")).get("type", "?")] += 1
        except ValueError:
            types["?"] += 1
    result["stream"] = {
        "length": r("XLEN", stream),
        "bytes": r("MEMORY", "USAGE", stream, "SAMPLES", 0),
        "encoding": text(r("OBJECT", "ENCODING", stream)),
        "nodes": xinfo.get("radix-tree-keys"),
        "payload_mean": statistics.mean(payload) if payload else 0,
        "newest_types": dict(types),
    }

    # Every index key.
    keys, cursor = [], "0"
    while True:
        cursor, batch = r("SCAN", cursor, "MATCH", f"{prefix}:idx:*", "COUNT", 20000)
        keys += [text(k) for k in batch]
        cursor = text(cursor)
        if cursor == "0":
            break
    keys = sorted(set(keys))
    replies = r.pipeline([c for k in keys for c in (
        ("ZCARD", k), ("MEMORY", "USAGE", k, "SAMPLES", 0), ("OBJECT", "ENCODING", k))])
    families = defaultdict(lambda: {"keys": 0, "entries": 0, "bytes": 0, "encodings": Counter()})
    for i, k in enumerate(keys):
        card, size, enc = replies[3 * i:3 * i + 3]
        f = families[family(k, prefix)]
        f["keys"] += 1
        f["entries"] += card
        f["bytes"] += size
        f["encodings"][text(enc)] += 1
    result["index"] = {name: dict(f, encodings=dict(f["encodings"])) for name, f in families.items()}
    result["index_keys"] = len(keys)
    result["index_entries"] = sum(f["entries"] for f in families.values())
    result["index_bytes"] = sum(f["bytes"] for f in families.values())
    result["incidents"] = r("ZCARD", f"{prefix}:idx:incidents")

    # A sample of incidents.
    top = int(r("GET", f"{prefix}:incident:next_id") or 0)
    ids = random.Random(7).sample(range(1, top + 1), min(samples, top))
    commands = []
    for i in ids:
        h, e = f"{prefix}:incident:{i}", f"{prefix}:incident:{i}:events"
        commands += [("MEMORY", "USAGE", h, "SAMPLES", 0), ("MEMORY", "USAGE", e, "SAMPLES", 0),
                     ("OBJECT", "ENCODING", h), ("OBJECT", "ENCODING", e),
                     ("HGETALL", h), ("LRANGE", e, 0, -1)]
    replies = r.pipeline(commands)
    hashes, lists, hash_payload, list_payload, events = [], [], [], [], []
    hash_enc, list_enc, by_enc = Counter(), Counter(), defaultdict(list)
    value_limit, over_limit = int(result["config"]["hash-max-listpack-value"]), 0
    for n in range(len(ids)):
        hb, lb, he, le, fields, items = replies[6 * n:6 * n + 6]
        if hb is None:
            continue  # deleted
        hashes.append(hb)
        lists.append(lb or 0)
        hash_enc[text(he)] += 1
        list_enc[text(le)] += 1
        by_enc[text(he)].append(hb)
        hash_payload.append(sum(len(x) for x in fields))
        over_limit += any(len(x) > value_limit for x in fields)
        list_payload.append(sum(len(x) for x in items or []))
        events.append(len(items or []))
    result["sample"] = {
        "size": len(hashes),
        "hash_mean": statistics.mean(hashes),
        "hash_payload_mean": statistics.mean(hash_payload),
        "hash_encodings": dict(hash_enc),
        "hash_over_value_limit": over_limit,
        "hash_mean_by_encoding": {k: statistics.mean(v) for k, v in by_enc.items()},
        "events_mean": statistics.mean(lists),
        "events_payload_mean": statistics.mean(list_payload),
        "events_per_incident": statistics.mean(events),
        "events_encodings": dict(list_enc),
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


def mib(n):
    return f"{n / 2**20:,.0f} MiB"


def runs_table(path):
    runs = []
    with open(path) as f:
        for line in f:
            kind, rnd, extra, payload = line.rstrip("\n").split(" ", 3)
            run = json.loads(payload)
            run.update(kind=kind, round=int(rnd), **json.loads(extra))
            runs.append(run)
    return runs


def report(measure_path, runs_path, results_path):
    m = json.load(open(measure_path))
    runs = runs_table(runs_path)
    env = os.environ
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n = m["incidents"]
    s, st = m["sample"], m["stream"]
    hash_total = s["hash_mean"] * n
    events_total = s["events_mean"] * n
    parts = [("incident hashes", hash_total), ("events lists", events_total),
             ("index entries (`pm:idx:*`)", m["index_bytes"]), ("change stream", st["bytes"])]
    rest = m["used_memory"] - sum(b for _, b in parts)
    per_entry = st["bytes"] / st["length"] if st["length"] else 0
    idx_per_incident = m["index_bytes"] / n
    idx_per_entry = m["index_bytes"] / m["index_entries"]
    verdict = "PASS" if m["used_memory"] <= TARGET_BYTES else "FAIL"
    commit = env.get("COMMIT", "?")
    out = [
        f"Run of {now} at {commit}: `{env.get('COMMAND', 'benchmarks/memory_footprint.sh')}`. "
        f"A private redis-server {env.get('REDIS_VERSION', '')} (unix socket, `appendonly yes`, "
        f"`appendfsync everysec`, no automatic rewrite) was seeded through the commit script "
        f"with {n:,} incidents of {s['events_per_incident']:.0f} events each "
        f"(`{env.get('SEED_LINE', '').strip()}`) and the stream capped at the server's default "
        f"(`--stream-maxlen` {env.get('STREAM_MAXLEN', '?')}). Memory was read before incident-api "
        f"started; {s['size']:,} random incidents sampled with `MEMORY USAGE ... SAMPLES 0`, every "
        f"index key and the stream measured whole.",
        "",
        f"**used_memory {mib(m['used_memory'])} ({m['used_memory']:,} bytes) for {n:,} "
        f"incidents: {verdict}** (target: at most 2 GiB). used_memory_dataset "
        f"{mib(m['used_memory_dataset'])}, overhead {mib(m['used_memory_overhead'])}, RSS "
        f"{mib(m['used_memory_rss'])}; {m['dbsize']:,} keys.",
        "",
        "| where | total | bytes per incident | share of used_memory | detail |",
        "|---|---|---|---|---|",
    ]
    enc = lambda d: ", ".join(f"{k} {v:,}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]))
    details = {
        "incident hashes": f"{s['hash_payload_mean']:.0f} B of fields and values; encodings in "
                           f"the sample: {enc(s['hash_encodings'])} (mean "
                           + ", ".join(f"{k} {v:.0f} B" for k, v in s["hash_mean_by_encoding"].items())
                           + f"); {s['hash_over_value_limit']:,} of the {s['size']:,} have a value "
                           f"over hash-max-listpack-value ({m['config']['hash-max-listpack-value']} B)",
        "events lists": f"{s['events_per_incident']:.1f} events, {s['events_payload_mean']:.0f} B of "
                        f"JSON; encoding {enc(s['events_encodings'])}",
        "index entries (`pm:idx:*`)": f"{m['index_entries']:,} entries in {m['index_keys']:,} keys: "
                                      f"{m['index_entries'] / n:.1f} per incident, "
                                      f"{idx_per_entry:.0f} B per entry",
        "change stream": f"{st['length']:,} entries, {per_entry:,.0f} B per entry "
                         f"({st['payload_mean']:,.0f} B of id, fields and values)",
    }
    for name, total in parts:
        per = f"{total / n:,.0f}" if name != "change stream" else "- (capped by count)"
        out.append(f"| {name} | {mib(total)} | {per} | {100 * total / m['used_memory']:.1f}% "
                   f"| {details[name]} |")
    out.append(f"| the rest: used_memory minus the above | {mib(rest)} | {rest / n:,.0f} | "
               f"{100 * rest / m['used_memory']:.1f}% | key table, catalog, buffers (MEMORY USAGE "
               f"counts each key's table entry, which INFO counts as overhead) |")
    out += ["", f"Everything but the stream: {(m['used_memory'] - st['bytes']) / n:,.0f} B per "
            f"incident. Redis' encoding thresholds: "
            + ", ".join(f"{k} {v}" for k, v in m["config"].items()) + "."]
    out += [
        "",
        "Index keys by family (bytes from `MEMORY USAGE ... SAMPLES 0` of every key):",
        "",
        "| family | keys | entries | entries per incident | MiB | B per entry | encodings |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in sorted(m["index"].items(), key=lambda kv: -kv[1]["bytes"]):
        out.append(f"| {name} | {f['keys']:,} | {f['entries']:,} | {f['entries'] / n:.2f} | "
                   f"{f['bytes'] / 2**20:,.1f} | {f['bytes'] / max(f['entries'], 1):.0f} | "
                   f"{enc(f['encodings'])} |")
    out += ["", f"Index entries: {idx_per_incident:,.0f} B per incident, {idx_per_entry:.0f} B "
            f"per entry. Stream: encoding {st['encoding']}, {st['nodes']:,} listpack nodes; its "
            f"newest 1,000 entries: " + ", ".join(f"{k} {v}" for k, v in st["newest_types"].items())
            + "."]

    # Writes with and without an AOF rewrite.
    out += [
        "",
        f"Comment p99 beside an AOF rewrite: incident-api (Release, default settings) on that "
        f"Redis, `wrk -t1 -c{env.get('CONNECTIONS')} -d{env.get('DURATION')}s --latency -s "
        f"benchmarks/wrk/comment.lua` (comments on random incidents of the {n:,}), after a "
        f"{env.get('WARMUP')} s warm-up; each `with` run starts right after `BGREWRITEAOF` "
        f"(runs in ABBA order). `BGREWRITEAOF` returns once Redis has forked, so the fork's "
        f"stall (fork ms) falls just before the run.",
        "",
        "| run | AOF rewrite | req/s | p50 ms | p99 ms | rewrite s (INFO) | rewrite s (polled) "
        "| overlap with wrk | fork ms | errors + non-302 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, run in enumerate(runs, 1):
        cells = [str(i), "during" if run["kind"] == "with" else "none", f"{run['rps']:,.0f}",
                 f"{run['p50_us'] / 1000:.2f}", f"{run['p99_us'] / 1000:.2f}"]
        if run["kind"] == "with":
            cells += [str(run["rewrite_info_s"]), f"{run['rewrite_s']:.1f}",
                      f"{run['overlap_s']:.1f} s of {run['wrk_s']:.1f} s",
                      f"{run['fork_us'] / 1000:.1f}"]
        else:
            cells += ["-"] * 4
        cells.append(f"{run['socket_errors']} + {run['unexpected']}")
        out.append("| " + " | ".join(cells) + " |")
    summary = {}
    for kind in ("without", "with"):
        rs = [x for x in runs if x["kind"] == kind]
        if rs:
            summary[kind] = (statistics.median(x["p99_us"] for x in rs) / 1000,
                             statistics.median(x["p50_us"] for x in rs) / 1000,
                             statistics.median(x["rps"] for x in rs))
    if "with" in summary and "without" in summary:
        (a99, a50, arps), (b99, b50, brps) = summary["without"], summary["with"]
        out += ["", f"| comments | req/s | p50 ms | p99 ms |", "|---|---|---|---|",
                f"| without a rewrite (median of runs) | {arps:,.0f} | {a50:.2f} | {a99:.2f} |",
                f"| during a rewrite (median of runs) | {brps:,.0f} | {b50:.2f} | {b99:.2f} |",
                f"| ratio during / without | {brps / arps:.2f} | {b50 / a50:.2f} | {b99 / a99:.2f} |"]
    out += ["", f"AOF after the last rewrite: base {mib(int(env.get('AOF_BASE', 0)))}. "
            f"Machine: {env.get('MACHINE', '?')}; load average before/after the runs: "
            f"{env.get('LOAD_BEFORE', '?')} / {env.get('LOAD_AFTER', '?')}."]
    text_out = "\n".join(out)
    print(text_out)
    with open(results_path) as f:
        doc = f.read()
    if BEGIN in doc and END in doc:
        head, rest_doc = doc.split(BEGIN, 1)
        doc = f"{head}{BEGIN}\n{text_out}\n{END}{rest_doc.split(END, 1)[1]}"
    else:
        doc = doc.rstrip("\n") + (
            "\n\n## Redis memory footprint\n\n"
            "Reproduce (seeds a private `redis-server` with `appendonly yes` through the storage code,\n"
            "measures where its memory goes, then runs the comment load on incident-api with and\n"
            "without an AOF rewrite in progress; about 13 minutes at 1,000,000, 9 of them seeding):\n\n"
            "```sh\nbenchmarks/memory_footprint.sh     # INCIDENTS=1000000 EVENTS=3 DURATION=10 "
            "ROUNDS=2\n```\n\n"
            f"{BEGIN}\n{text_out}\n{END}\n")
    with open(results_path, "w") as f:
        f.write(doc)


def main():
    if sys.argv[1] == "measure":
        measure(sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:6])
    elif sys.argv[1] == "report":
        report(*sys.argv[2:5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
