#!/usr/bin/env python3
"""How soon a write through one incident-api process is visible through
another on the same Redis: update through A, then poll B (1 ms apart) until it
serves the new version. Prints p50/p99/max over N samples (stdlib only).
Usage: convergence.py <url A> <url B> <token> <incident id> [samples]"""
import json
import sys
import time
import urllib.request


def call(url, token, data=None):
    request = urllib.request.Request(url, data=data, headers={"Authorization": "Bearer " + token})
    if data is not None:
        request.add_header("Prefer", "return=representation")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main():
    a, b, token, incident = sys.argv[1:5]
    samples = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    call(f"{b}/api/incident/{incident}", token)  # B caches the incident first
    delays = []
    for n in range(samples):
        body = f"scope=1&service=1&severity=low&status=active&name=Converging+{n}".encode()
        version = call(f"{a}/api/incident/{incident}/update", token, body)["version"]
        written = time.monotonic()
        while call(f"{b}/api/incident/{incident}", token)["version"] < version:
            time.sleep(0.001)
        delays.append((time.monotonic() - written) * 1000)
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
    print(f"RESULT samples={samples} p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} "
          f"max_ms={delays[-1]:.1f}")


if __name__ == "__main__":
    main()
