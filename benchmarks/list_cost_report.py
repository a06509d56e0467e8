#!/usr/bin/env python3
"""Prints the figures of benchmarks/list_cost.sh and writes them between the
list-cost markers of RESULTS.md. Arguments: the run's work directory, RESULTS.md."""
import datetime
import json
import os
import re
import sys

work, results_path = sys.argv[1], sys.argv[2]
search = json.load(open(os.path.join(work, "search.json")))
alone = json.load(open(os.path.join(work, "alone.json")))
beside = json.load(open(os.path.join(work, "beside.json")))
lists_result, lists_statuses = open(os.path.join(work, "lists.json")).read().split("} {")
lists = json.loads(lists_result + "}")
statuses = json.loads("{" + lists_statuses)

top = search["costliest_accepted"][0]
ratio = beside["p99_us"] / max(1, alone["p99_us"])
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [
    f"Run of {when}: {int(os.environ['COUNT']):,} seeded incidents, {os.environ['MACHINE']}.",
    "",
    f"- Shapes tried: {search['shapes']:,}; accepted {search['accepted']:,}, refused with 400 "
    f"{search['refused']:,}, other statuses {search['other']} {search['other_statuses']}.",
    f"- Costliest accepted list: {top['redis_us'] / 1000:.1f} ms of Redis in all, its longest "
    f"single call {top['longest_call_us'] / 1000:.2f} ms (x-total {top['total']}): `{top['path']}`",
    "- The next four: " + "; ".join(
        f"{r['redis_us'] / 1000:.1f} ms" for r in search["costliest_accepted"][1:5]) + ".",
    f"- Longest single Redis call of any accepted list: "
    f"{search['longest_single_call'][0]['longest_call_us'] / 1000:.2f} ms "
    f"(`{search['longest_single_call'][0]['path']}`).",
    f"- Judging a refused list costs Redis at most {search['costliest_refused_check_us'] / 1000:.2f} ms.",
    f"- Comments ({os.environ['WRITE_CLIENTS']} connections, {os.environ['DURATION']} s): alone "
    f"p50 {alone['p50_us']} us, p99 {alone['p99_us']} us, {alone['rps']:.0f}/s; beside "
    f"{os.environ['LIST_CLIENTS']} clients sending the costliest list: p50 {beside['p50_us']} us, "
    f"p99 {beside['p99_us']} us, {beside['rps']:.0f}/s. p99 ratio {ratio:.2f} (target <= 2).",
    f"- Those list clients: {lists['rps']:.0f} lists/s, p99 {lists['p99_us']} us; statuses other "
    f"than 200: 4xx {statuses['4xx']}, 5xx {statuses['5xx']} (503: more costly lists waiting "
    f"than a process queues), unexpected comment statuses {alone['unexpected']} / "
    f"{beside['unexpected']}.",
]
text = "\n".join(lines)
print(text)
results = open(results_path).read()
block = f"<!-- list-cost:begin -->\n{text}\n<!-- list-cost:end -->"
if "<!-- list-cost:begin -->" in results:
    results = re.sub(r"<!-- list-cost:begin -->.*?<!-- list-cost:end -->", block, results,
                     flags=re.S)
else:
    results += "\n" + block + "\n"
open(results_path, "w").write(results)
