#!/usr/bin/env python3
"""Concurrency check for load testers: many keep-alive connections update and
comment the same few incidents at once, then every incident is checked:

- version == 1 + the acknowledged changes (302/2xx answers), give or take the
  writes whose answer never came (counted as unknown);
- one event per acknowledged change, plus the creation event;
- status and dates consistent: the date of every state up to the status is set,
  none above it, and none before start_impact_date.

Prints one line per incident and PASS or FAIL; exits 0 on PASS.

  benchmarks/concurrency_check.py --url http://127.0.0.1:8080 --secret "$PM_SECRET_KEY"
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

STATUSES = ["active", "investigating", "stable", "resolved"]
STATE_DATES = {"investigating": "investigation_date", "stable": "stable_date",
               "resolved": "resolve_date"}


class Client:
    """One keep-alive connection."""

    def __init__(self, url, token=""):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.token = token
        self.connection = None

    def request(self, method, path, fields=None, representation=False):
        body = urllib.parse.urlencode(fields or {}, doseq=True)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if representation:
            headers["Prefer"] = "return=representation"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.connection.request(method, path, body if method == "POST" else None, headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection = None
                if attempt == 1:
                    return None, b""  # the outcome of this write is unknown


def create_token(url, secret):
    status, body = Client(url).request("POST", "/api/token/create", {
        "secret": secret, "name": "concurrency-check",
        "permission": ["incident_api", "scope_api", "service_api"]})
    if status != 200:
        sys.exit(f"token/create answered {status}: {body[:200]!r}")
    return json.loads(body)


def create(client, kind, fields):
    status, body = client.request("POST", f"/api/{kind}/create", fields, representation=True)
    if status != 201:
        sys.exit(f"{kind}/create answered {status}: {body[:200]!r}")
    return json.loads(body)


def writer(url, token, incidents, deadline, tallies, lock):
    client = Client(url, token)
    rng = random.Random()
    while time.monotonic() < deadline:
        incident = rng.choice(incidents)
        path = f"/api/incident/{incident['id']}"
        if rng.random() < 0.5:
            # A fresh name makes every update a real change (a no-op bumps nothing).
            fields = {"name": f"update {rng.random()}", "scope": incident["scope"],
                      "service": incident["service"], "severity": rng.choice(
                          ["critical", "high", "moderate", "low", "minor"]),
                      "status": rng.choice(STATUSES)}
            status, _ = client.request("POST", path + "/update", fields)
        else:
            status, _ = client.request("POST", path + "/comment", {"comment": "load"})
        with lock:
            tally = tallies[incident["id"]]
            if status is None:
                tally["unknown"] += 1
            elif status in (200, 201, 302):
                tally["acknowledged"] += 1
            elif status in (409, 503):
                tally["refused"] += 1  # not applied: the server said so
            else:
                tally["unexpected"] += 1


def check(incident, tally):
    problems = []
    version, events = incident["version"], len(incident["events"])
    low, high = 1 + tally["acknowledged"], 1 + tally["acknowledged"] + tally["unknown"]
    if not low <= version <= high:
        problems.append(f"version {version} not in [{low}, {high}]")
    if events != version:
        problems.append(f"{events} events for version {version}")
    reached = STATUSES.index(incident["status"])
    for state, field in STATE_DATES.items():
        value = incident.get(field)
        if STATUSES.index(state) <= reached and not value:
            problems.append(f"{field} missing for status {incident['status']}")
        if STATUSES.index(state) > reached and value:
            problems.append(f"{field} set above status {incident['status']}")
        if value and value < incident["start_impact_date"]:
            problems.append(f"{field} before start_impact_date")
    if tally["unexpected"]:
        problems.append(f"{tally['unexpected']} unexpected answers")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--secret", required=True, help="the server's PM_SECRET_KEY")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--incidents", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    token = create_token(args.url, args.secret)
    client = Client(args.url, token)
    scope = create(client, "scope", {"name": f"concurrency check {time.time()}"})["id"]
    service = create(client, "service", {"name": f"concurrency check {time.time()}"})["id"]
    incidents = [create(client, "incident", {"scope": scope, "service": service,
                                             "severity": "moderate", "name": f"Check {i}"})
                 for i in range(args.incidents)]
    tallies = {i["id"]: {"acknowledged": 0, "unknown": 0, "refused": 0, "unexpected": 0}
               for i in incidents}
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=writer, args=(args.url, token, incidents, deadline,
                                                     tallies, lock))
               for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failed = False
    for incident in incidents:
        status, body = client.request("GET", f"/api/incident/{incident['id']}")
        final = json.loads(body)
        tally = tallies[incident["id"]]
        problems = check(final, tally)
        failed = failed or bool(problems)
        print(f"incident {incident['id']}: version {final['version']}, "
              f"{len(final['events'])} events, {tally['acknowledged']} acknowledged, "
              f"{tally['unknown']} unknown, {tally['refused']} refused (409/503): "
              + ("; ".join(problems) if problems else "ok"))
    total = sum(t["acknowledged"] for t in tallies.values())
    print(f"{total} acknowledged writes over {args.connections} connections in {args.seconds:g} s")
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
