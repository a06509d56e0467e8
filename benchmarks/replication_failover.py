#!/usr/bin/env python3
"""One failover, measured from the clients' side (driven by replication_cost.sh).

    replication_failover.py HA_DIR MASTER_NAME SENTINEL_PORTS TOKEN LABEL=URL...

Each LABEL=URL gets a writer thread creating incidents one after the other on
one keep-alive connection (a 2 s timeout per request, a new connection after
any error, no pause between attempts: a client retrying at once is the worst
case for the window). After PRE_KILL seconds of writing, the primary the
sentinels name is killed with SIGKILL: no shutdown, no last write to its
append-only file, as when its machine dies. Measured against the moment of the
kill (one monotonic clock: the kill and every request are timed here):

- window: until the first create *sent after the kill* is acknowledged (302).
  A request in flight at the kill is not counted (its answer may be a late
  reply the old primary sent before dying, or a 503 from the server);
- the sentinels: when the first of them, and then all, name another primary;
- what the writers saw meanwhile (503s, timeouts, other errors).

Then every acknowledged create is read back (GET, its name compared, since a
lost create's id may have been handed out again): with --redis-replicas-ack 1
none may be missing, with 0 the last few before the kill may be. Prints one
JSON line; exits 0 even when writes never resumed (the JSON says so).
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse

PRE_KILL = float(os.environ.get("PRE_KILL", "2"))    # s of writing before the kill
AFTER_RESUME = 1.0                                   # s of writing after the window
GIVE_UP = float(os.environ.get("GIVE_UP", "30"))     # s after the kill: "never resumed"
TIMEOUT = 2.0                                        # per request, as the brief's client

ha_dir, master_name, sentinel_ports, token = sys.argv[1:5]
targets = [arg.split("=", 1) for arg in sys.argv[5:]]
sentinel_ports = [int(p) for p in sentinel_ports.split()]


def sentinel_primary(port):
    """SENTINEL get-master-addr-by-name over RESP, with the stdlib only."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"*3\r\n$8\r\nSENTINEL\r\n$23\r\nget-master-addr-by-name\r\n$%d\r\n%s\r\n"
                      % (len(master_name), master_name.encode()))
            data = b""
            while data.count(b"\r\n") < 5:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        lines = data.split(b"\r\n")
        return f"{lines[2].decode()}:{lines[4].decode()}" if lines[0] == b"*2" else None
    except (OSError, IndexError):
        return None


class Writer(threading.Thread):
    def __init__(self, label, url):
        super().__init__(daemon=True)
        self.label, self.url = label, urllib.parse.urlsplit(url)
        self.log = []           # (sent, done, outcome, id or None, name)
        self.messages = {}      # a refusal's status and message: [first, last, count]
        self.stop = threading.Event()
        self.conn = None
        self.seq = 0

    def one(self):
        self.seq += 1
        name = f"failover-{self.label}-{os.getpid()}-{self.seq}"
        body = urllib.parse.urlencode({"scope": 1, "service": 1, "severity": "high", "name": name})
        sent = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port,
                                                       timeout=TIMEOUT)
            self.conn.request("POST", "/api/incident/create", body, {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/x-www-form-urlencoded"})
            response = self.conn.getresponse()
            body = response.read()
            status = response.status
            location = response.getheader("Location") or ""
            outcome = str(status)
            ident = int(location.rstrip("/").rsplit("/", 1)[1]) if status == 302 else None
            if status != 302:
                try:
                    message = f"{status} {json.loads(body).get('message', '')}"
                except ValueError:
                    message = f"{status} {body[:80]!r}"
                seen = self.messages.setdefault(message, [sent, sent, 0])
                seen[1] = sent
                seen[2] += 1
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
        except socket.timeout:
            outcome, ident = "timeout", None
        except (OSError, http.client.HTTPException) as e:
            outcome, ident = type(e).__name__, None
        if ident is None and self.conn is not None and not outcome.isdigit():
            self.conn.close()
            self.conn = None
        self.log.append((sent, time.monotonic(), outcome, ident, name))

    def run(self):
        while not self.stop.is_set():
            self.one()


def read_back(url, acked):
    """How many acknowledged creates are not there (or hold another incident)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    missing = []
    for ident, name in acked:
        for attempt in range(5):
            try:
                conn.request("GET", f"/api/incident/{ident}",
                             headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                body = response.read()
                if response.status != 503:  # 503: not ready yet, ask again
                    break
                time.sleep(0.2)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
                time.sleep(0.2)
        else:
            missing.append([ident, "unreadable"])
            continue
        if response.status != 200:
            missing.append([ident, response.status])
        elif json.loads(body).get("name") != name:
            missing.append([ident, "another incident"])
    return missing


old = sentinel_primary(sentinel_ports[0])
if old is None:
    sys.exit("no sentinel names a primary")
old_port = old.rsplit(":", 1)[1]
with open(os.path.join(ha_dir, f"redis-{old_port}", "redis.pid")) as f:
    old_pid = int(f.read().strip())

writers = [Writer(label, url) for label, url in targets]
for w in writers:
    w.start()
time.sleep(PRE_KILL)
os.kill(old_pid, signal.SIGKILL)
killed = time.monotonic()
wall = time.time()
killed_utc = time.strftime("%H:%M:%S", time.gmtime(wall)) + f".{int(wall * 1000) % 1000:03d}Z"

# The sentinels' view, polled every 20 ms meanwhile; and when the killed process
# is gone (a zombie: its memory freed, its sockets closed, which is when its
# peers notice; a large one takes a while).
named = {}
exited = None
while time.monotonic() - killed < GIVE_UP:
    now = time.monotonic()
    if exited is None:
        try:
            with open(f"/proc/{old_pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    exited = now - killed
        except OSError:
            exited = now - killed
    for port in sentinel_ports:
        if port not in named:
            addr = sentinel_primary(port)
            if addr and addr != old:
                named[port] = (now - killed, addr)

    def resumed(w):
        return any(sent > killed and outcome == "302" for sent, _, outcome, _, _ in w.log)
    if len(named) == len(sentinel_ports) and all(resumed(w) for w in writers):
        break
    time.sleep(0.02)
time.sleep(AFTER_RESUME)
for w in writers:
    w.stop.set()
for w in writers:
    w.join(TIMEOUT + 1)

result = {
    "killed": old, "killed_pid": old_pid, "killed_at": killed_utc,
    "exited_s": None if exited is None else round(exited, 3),
    "new_primary": sorted(a for _, a in named.values())[0] if named else None,
    "first_sentinel_s": round(min(t for t, _ in named.values()), 3) if named else None,
    "all_sentinels_s": round(max(t for t, _ in named.values()), 3)
    if len(named) == len(sentinel_ports) else None,
    "writers": {},
}
for w in writers:
    after = [entry for entry in w.log if entry[0] > killed]
    first_ack = next((entry for entry in after if entry[2] == "302"), None)
    in_flight = [entry for entry in w.log if entry[0] <= killed < entry[1]]
    failures = {}
    for entry in after:
        if first_ack and entry[0] >= first_ack[0]:
            break
        failures[entry[2]] = failures.get(entry[2], 0) + 1
    # After the window, does every write succeed? (a flapping server would not)
    later = {}
    for entry in after:
        if first_ack and entry[0] > first_ack[0]:
            later[entry[2]] = later.get(entry[2], 0) + 1
    # What each request around the window got, consecutive equal outcomes as one
    # run: [outcome, count, first sent, last answered], in s from the kill.
    timeline = []
    end = first_ack[1] if first_ack else float("inf")
    for sent, done, outcome, _, _ in w.log:
        if done < killed - 0.05 or sent > end:
            continue
        if timeline and timeline[-1][0] == outcome:
            timeline[-1][1] += 1
            timeline[-1][3] = round(done - killed, 3)
        else:
            timeline.append([outcome, 1, round(sent - killed, 3), round(done - killed, 3)])
    acked = [(entry[3], entry[4]) for entry in w.log if entry[2] == "302"]
    result["writers"][w.label] = {
        "window_s": round(first_ack[1] - killed, 3) if first_ack else None,
        "resumed": first_ack is not None,
        "in_flight_at_kill": [entry[2] for entry in in_flight],
        "failed_before_resume": failures,
        "after_resume": later,
        "timeline": timeline,
        "refusals": {m: [round(a - killed, 3), round(b - killed, 3), n]
                     for m, (a, b, n) in w.messages.items()},
        "acknowledged": len(acked),
        "acknowledged_missing": read_back(dict(targets)[w.label], acked),
    }
print(json.dumps(result))
