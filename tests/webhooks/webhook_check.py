#!/usr/bin/env python3
"""End-to-end check of outbound webhooks, with real runs.

Starts one redis-server (a Unix socket in a temporary directory) and the real
incident-api binary against it, with HTTP receivers on loopback in threads
of this script, each answering as the case programs it. Every delivery is
checked with verify_example.verify() (the README's receiver-side example,
Standard Webhooks: HMAC-SHA256 over "<id>.<timestamp>.<body>"), independent
of the server's code, and against the change stream read from Redis.

Cases (each named, printing what it measured):
   1  delivery       34 writes of every kind -> each delivered once to a
                     catch-all endpoint: signature, timestamp, fresh webhook-id,
                     body = the stream's message; the deliveries list agrees
   2  filters        severity=critical, event=incident.commented, scope; an
                     endpoint without internal=true never sees internal text
   3  retry          receiver answers 500, 500, 200: three attempts, one id
   4  timeout        receiver hangs past --webhook-timeout-ms, then answers
   5  gone           410 disables the endpoint; nothing is sent afterwards
   6  receiver-down  port closed for 15 s while writes happen; all arrive after
   7  process-death  two API processes, one killed -9 mid-way: every change
                     arrives at least once, within 90 s (duplicates counted);
                     --webhook-claim-seconds 5
   8  replay         since a stream id and since a date: exactly the matching
                     changes from then on, with their original webhook-ids
   9  rotation       after rotate-secret, two signatures: old and new secret
  10  address-policy a server without --webhook-allow-private refuses private,
                     loopback, link-local and metadata URLs with a 400 on url,
                     and refuses at connect time an endpoint stored as loopback
  11  redis-refuses  a failed attempt's outcome met by Redis refusing writes
                     (OOM): the change is still retried once Redis recovers
  12  metrics        api-a's webhook counters against what receivers saw
  13  fairness       a process of its own (--webhook-timeout-ms 1000): 40
                     endpoints at a receiver that never answers (at 16 attempts
                     each they would fill the sender's 512 slots) and one at a
                     healthy receiver; 16 writes reach the healthy one, each
                     once, p99 well under the timeout, while the hanging ones
                     time out and are retried
Then: no sanitizer report and no webhook secret or signature in any log.

A change that arrives twice is a failure unless the server recorded as many
failed attempts of it (an answer later than the timeout on a loaded machine).

Python 3 standard library only.

    webhook_check.py --binary build/test/incident-api [--only 1,3] [--keep-workdir]

Exit status: 0 when every case passed, 1 otherwise, 2 for bad usage.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import http.client
import http.server
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_example import TOLERANCE_SECONDS, verify  # noqa: E402  (the README's example)

APP_SECRET = "webhook-e2e-" + uuid.uuid4().hex + uuid.uuid4().hex
PERMISSIONS = ("incident_api", "scope_api", "service_api", "webhook_api")
STREAM = "pm:incidents:stream"
GROUP = "webhooks"

RETRY_SCHEDULE = "1s,1s,2s"
TIMEOUT_MS = 1000  # --webhook-timeout-ms
CLAIM_SECONDS = 5  # --webhook-claim-seconds (default 60) for the two-process case
FAIR_TIMEOUT_MS = 1000  # --webhook-timeout-ms of the fairness case's process
FAIR_HANGING = 40  # its endpoints that never get an answer
FAIR_WRITES = 16  # 40 x 16 attempts would hold more than the sender's 512 slots

READY_SECONDS = 30
STOP_GRACE_SECONDS = 10
REQUEST_SECONDS = 20
QUIET_SECONDS = 1.5  # after everything expected arrived: time for duplicates to show
TIMESTAMP_SKEW_SECONDS = 3  # webhook-timestamp vs. when the request arrived
WATCHDOG_SECONDS = 280  # the whole run (CTest's TIMEOUT is 300)


class Stopped(BaseException):
    """SIGTERM, SIGINT or the watchdog: unwind through the finally blocks."""


class CheckFailed(Exception):
    """A check that failed; its message says what was measured."""


def log(message=""):
    print(message, flush=True)


def new_name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def stream_ms(stream_id):
    return int(stream_id.split("-")[0])


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def sign(secret, msg_id, timestamp, body):
    """A signature made here, only to test the verifier's refusals."""
    key = base64.b64decode(secret[len("whsec_"):])
    signed = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def pdeathsig_prefix():
    """Children die with this script even if it is killed outright."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# HTTP client (the API) and a minimal Redis client (RESP2 over the socket)

class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "%d %s" % (self.status, self.body[:300].decode("utf-8", "replace"))


def http_call(port, method, path, headers=None, body=None, timeout=REQUEST_SECONDS):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


class Api:
    def __init__(self, port):
        self.port = port
        self.token = None

    def request(self, method, path, fields=None, headers=None, expect=None):
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = "Bearer " + self.token
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        got = http_call(self.port, method, path, sent, body)
        if expect and got.status not in expect:
            raise CheckFailed("%s %s answered %r (expected %s)" % (method, path, got, expect))
        return got

    def write(self, path, fields):
        got = self.request("POST", path, fields, {"Prefer": "return=representation"},
                           expect=(200, 201, 202, 204))
        return got.json() if got.body else None

    def login(self, name):
        fields = [("secret", APP_SECRET), ("name", name), ("description", "webhook e2e")]
        fields += [("permission", p) for p in PERMISSIONS]
        self.token = self.request("POST", "/api/token/create", fields, expect=(200, 201)).json()


class RedisError(Exception):
    pass


class Redis:
    """One connection, used from the main thread only."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(REQUEST_SECONDS)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")

    def close(self):
        self.reader.close()
        self.sock.close()

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _read(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise CheckFailed("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self.reader.read(size + 2)[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise CheckFailed("unexpected Redis reply %r" % line)


Entry = collections.namedtuple("Entry", "sid data message")  # one change of the stream


def pairs(flat):
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in zip(flat[::2], flat[1::2])}


# --------------------------------------------------------------------------
# Receivers

class Received:
    """One request a receiver got, recorded when it arrived."""

    def __init__(self, at, path, headers, body, header_counts):
        self.at, self.path, self.headers, self.body = at, path, headers, body
        self.header_counts = header_counts
        self.msg_id = headers.get("webhook-id", "")
        self.sid = self.msg_id[4:] if self.msg_id.startswith("msg_") else ""
        self.attempt = 0  # the how-manieth time this webhook-id arrived here
        self.status = None  # what the receiver answered

    def message(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def key(self):
        message = self.message() or {}
        return (message.get("type"), message.get("id"), message.get("version"))


class _Httpd(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging handler must not hold up stop()
    request_queue_size = 128  # bursts of connections must not be dropped (SYN retries)
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.receiver.handle(self)

    def log_message(self, *args):
        pass


def answer(status, delay=0.0):
    return lambda received: (status, delay)


class Receiver:
    """An HTTP endpoint on 127.0.0.1; `behaviour(received)` -> (status, delay s)."""

    def __init__(self, name, behaviour=None):
        self.name = name
        self.behaviour = behaviour or answer(200)
        self.requests = []
        self.cond = threading.Condition()
        self.attempts = collections.Counter()
        self.port = 0
        self.httpd = None
        # Other processes on this machine may still deliver to a port their own
        # receiver left: what does not come to this path is not ours.
        self.path = "/hook/%s/%s" % (name, uuid.uuid4().hex[:12])
        self.foreign = 0

    @property
    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, self.path)

    def start(self):
        self.httpd = _Httpd(("127.0.0.1", self.port), _Handler)
        self.httpd.receiver = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True, name="receiver-" + self.name).start()
        return self

    def stop(self):
        """Closes the port: connections are refused until start() again."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        if handler.path != self.path:
            with self.cond:
                self.foreign += 1
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        headers = {k.lower(): v for k, v in handler.headers.items()}
        counts = collections.Counter(k.lower() for k in handler.headers.keys())
        received = Received(time.time(), handler.path, headers, body, counts)
        with self.cond:
            self.attempts[received.msg_id] += 1
            received.attempt = self.attempts[received.msg_id]
            self.requests.append(received)
            self.cond.notify_all()
        status, delay = self.behaviour(received)
        received.status = status
        if delay:
            time.sleep(delay)
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass  # the sender gave up (timeout) or died

    def snapshot(self):
        with self.cond:
            return list(self.requests)

    def wait_for(self, predicate, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self.requests), timeout)

    def wait_for_sids(self, sids, timeout):
        wanted = set(sids)
        return self.wait_for(lambda requests: wanted <= {r.sid for r in requests}, timeout)


# --------------------------------------------------------------------------
# Processes

class Process:
    def __init__(self, name, args, env, log_path):
        self.name, self.args, self.env, self.log_path = name, args, env, log_path
        self.proc = None

    def start(self):
        deadline = time.monotonic() + 20
        while True:  # the binary may be being replaced by a build: retry a little
            try:
                with open(self.log_path, "ab") as out:
                    self.proc = subprocess.Popen(pdeathsig_prefix() + self.args,
                                                 stdin=subprocess.DEVNULL, stdout=out,
                                                 stderr=subprocess.STDOUT, env=self.env)
                return self
            except OSError as error:
                if time.monotonic() > deadline:
                    raise CheckFailed("cannot start %s: %s" % (self.args[0], error))
                time.sleep(1)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                log("  %s did not stop within %d s: killed" % (self.name, STOP_GRACE_SECONDS))
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError as error:
            return "(cannot read %s: %s)" % (self.log_path, error)
        return "\n".join(text.splitlines()[-lines:])


class World:
    """The run: the Redis, the API processes, the receivers, the first process's API."""

    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix="webhook-e2e-")
        self.socket_path = os.path.join(self.workdir, "redis.sock")
        self.redis_process = None
        self.redis = None
        self.servers = []
        self.receivers = []
        self.api = None
        self.main_server = None
        self.service = None
        self.secrets = set()  # every webhook secret shown: none may appear in a log
        self.case_endpoints = []  # made by the running case, deleted after it whatever happens
        self.case_receivers = []
        # Every webhook-id seen by any receiver, with the change it carried.
        self.changes_by_msg_id = {}

    # ---- processes

    def start_redis(self):
        args = [self.args.redis_server, "--port", "0", "--unixsocket", self.socket_path,
                "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                "--maxmemory-policy", "noeviction", "--dir", self.workdir]
        self.redis_process = Process("redis", args, dict(os.environ),
                                     os.path.join(self.workdir, "redis.log")).start()
        if not wait_until(lambda: os.path.exists(self.socket_path), READY_SECONDS):
            raise CheckFailed("redis-server not ready:\n" + self.redis_process.log_tail())
        self.redis = Redis(self.socket_path)
        if self.redis.call("PING") != "PONG":
            raise CheckFailed("redis-server does not answer PING")

    def server_env(self):
        env = dict(os.environ, PM_SECRET_KEY=APP_SECRET, ASAN_OPTIONS="detect_leaks=0")
        for key in list(env):
            if key.startswith("PM_") and key != "PM_SECRET_KEY":
                del env[key]
        return env

    def start_server(self, name, allow_private=True, extra=(), timeout_ms=TIMEOUT_MS):
        port = free_port()
        args = [self.args.binary, "--port", str(port),
                "--redis-uri", "unix://" + self.socket_path,
                "--webhook-retry-schedule", RETRY_SCHEDULE,
                "--webhook-timeout-ms", str(timeout_ms),
                "--webhook-claim-seconds", str(CLAIM_SECONDS)] + list(extra)
        if allow_private:
            args.append("--webhook-allow-private")
        server = Process(name, args, self.server_env(), os.path.join(self.workdir, name + ".log"))
        server.port = port
        self.servers.append(server)
        server.start()
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if not server.alive():
                raise CheckFailed("%s exited with %s before it was ready:\n%s" % (
                    name, server.proc.returncode, server.log_tail()))
            try:
                if http_call(port, "GET", "/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CheckFailed("%s not ready within %d s:\n%s" % (
                    name, READY_SECONDS, server.log_tail()))
            time.sleep(0.1)
        return server

    def wait_for_group(self, stream=STREAM):
        """Until the webhooks group exists: the first dispatcher makes it, from
        the stream's end (a change committed before is never delivered)."""
        def ready():
            try:
                groups = self.redis.call("XINFO", "GROUPS", stream)
            except RedisError:
                return False
            return any(pairs(group).get("name") == GROUP.encode() for group in groups)
        if not wait_until(ready, READY_SECONDS):
            raise CheckFailed("no consumer group %r on %s" % (GROUP, stream))

    def consumers(self):
        """{consumer name: pending count} of the webhooks group."""
        found = {}
        for item in self.redis.call("XINFO", "CONSUMERS", STREAM, GROUP):
            fields = pairs(item)
            found[fields["name"].decode()] = fields["pending"]
        return found

    def webhook_metrics(self, server):
        """The server's incident_api_webhook_* samples, {"name{labels}": value}."""
        text = http_call(server.port, "GET", "/metrics").body.decode()
        found = {}
        for line in text.splitlines():
            if line.startswith("incident_api_webhook_"):
                name, _, value = line.rpartition(" ")
                found[name] = float(value)
        return found

    def receiver(self, name, behaviour=None):
        receiver = Receiver(name, behaviour).start()
        self.receivers.append(receiver)
        self.case_receivers.append(receiver)
        return receiver

    def end_case(self):
        """A failed case's endpoints must not receive the next cases' changes."""
        for endpoint_id in self.case_endpoints:
            try:
                self.api.request("POST", "/api/webhook/%d/delete" % endpoint_id,
                                 headers={"Prefer": "return=representation"})
            except OSError:
                pass
        for receiver in self.case_receivers:
            receiver.stop()
        self.case_endpoints, self.case_receivers = [], []

    def close(self):
        for receiver in self.receivers:
            try:
                receiver.stop()
            except Exception:  # noqa: BLE001 - cleanup goes on
                pass
        for server in self.servers:
            try:
                server.stop()
            except Exception:  # noqa: BLE001
                if server.alive():
                    server.proc.kill()
        if self.redis is not None:
            self.redis.close()
        if self.redis_process is not None:
            self.redis_process.stop()
        if self.args.keep_workdir:
            log("workdir kept: " + self.workdir)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- the change stream

    def newest(self):
        return self.newest_of(STREAM)

    def newest_of(self, stream):
        found = self.redis.call("XREVRANGE", stream, "+", "-", "COUNT", 1)
        return found[0][0].decode() if found else "0-0"

    def stream_after(self, marker, last="+", stream=STREAM):
        entries, start = [], "(" + marker
        while True:
            batch = self.redis.call("XRANGE", stream, start, last, "COUNT", 500)
            for sid, fields in batch:
                data = pairs(fields).get("data", b"")
                entries.append(Entry(sid.decode(), data, json.loads(data)))
            if len(batch) < 500:
                return entries
            start = "(" + entries[-1].sid

    def entry(self, sid):
        found = self.redis.call("XRANGE", STREAM, sid, sid)
        if not found:
            return None
        data = pairs(found[0][1]).get("data", b"")
        return Entry(sid, data, json.loads(data))

    # ---- writes (each commits exactly one change)

    def create_scope(self, prefix):
        return self.api.write("/api/scope/create", [("name", new_name(prefix))])["id"]

    def create_incident(self, scope, severity):
        return self.api.write("/api/incident/create", [
            ("scope", scope), ("service", self.service), ("name", new_name("Incident")),
            ("severity", severity)])

    def update_incident(self, incident, **changes):
        fields = {k: incident[k] for k in ("name", "scope", "service", "severity", "status")}
        fields.update(changes)
        return self.api.write("/api/incident/%d/update" % incident["id"], list(fields.items()))

    def comment(self, incident_id, text, internal=False):
        fields = [("comment", text)] + ([("internal", "true")] if internal else [])
        return self.api.write("/api/incident/%d/comment" % incident_id, fields)

    def delete_incident(self, incident_id):
        self.api.request("POST", "/api/incident/%d/delete" % incident_id,
                         headers={"Prefer": "return=representation"}, expect=(204,))

    # ---- endpoints

    def create_endpoint(self, receiver, fields=()):
        all_fields = [("url", receiver.url), ("description", "e2e " + receiver.name)]
        all_fields += list(fields)
        created = self.api.request("POST", "/api/webhook/create", all_fields,
                                   expect=(201,)).json()
        self.case_endpoints.append(created["id"])
        self.secrets.add(created.get("secret", ""))
        if not str(created.get("secret", "")).startswith("whsec_"):
            raise CheckFailed("creation answered no whsec_ secret: %r" % created)
        return created

    def delete_endpoint(self, endpoint_id):
        self.api.request("POST", "/api/webhook/%d/delete" % endpoint_id,
                         headers={"Prefer": "return=representation"}, expect=(204,))
        self.case_endpoints.remove(endpoint_id)

    def endpoint(self, endpoint_id):
        return self.api.request("GET", "/api/webhook/%d" % endpoint_id, expect=(200,)).json()

    def deliveries(self, endpoint_id):
        return self.api.request("GET", "/api/webhook/%d/deliveries?limit=100" % endpoint_id,
                                expect=(200,)).json()["items"]

    # ---- what every delivery must be

    def audit(self, receiver, secrets):
        """Problems of any request `receiver` got: a signature none of
        `secrets` verifies, a timestamp off the arrival time, an id that is not
        a stream entry's, a body that is not that entry's change, or one
        webhook-id carrying two different changes anywhere in the run."""
        problems = []
        for r in receiver.snapshot():
            where = "%s got %s (attempt %d)" % (receiver.name, r.msg_id or "no webhook-id",
                                                r.attempt)
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
                if r.header_counts[name] != 1:
                    problems.append("%s: %d %s headers" % (where, r.header_counts[name], name))
            if not any(verify(secret, r.headers, r.body) for secret in secrets):
                problems.append("%s: no valid signature (%s)" % (
                    where, r.headers.get("webhook-signature")))
            try:
                skew = abs(int(r.headers.get("webhook-timestamp", "")) - r.at)
            except ValueError:
                skew = float("inf")
            if skew > TIMESTAMP_SKEW_SECONDS:
                problems.append("%s: webhook-timestamp %s is %.1f s from its arrival" % (
                    where, r.headers.get("webhook-timestamp"), skew))
            if not r.headers.get("content-type", "").startswith("application/json"):
                problems.append("%s: content-type %r" % (where, r.headers.get("content-type")))
            if not r.headers.get("user-agent", "").startswith("incident-api-webhooks/"):
                problems.append("%s: user-agent %r" % (where, r.headers.get("user-agent")))
            entry = self.entry(r.sid) if r.sid else None
            message = r.message()
            if entry is None:
                problems.append("%s: the webhook-id names no stream entry" % where)
            elif not isinstance(message, dict):
                problems.append("%s: the body is not a JSON object: %r" % (where, r.body[:200]))
            else:
                for field in ("type", "id", "version"):
                    if message.get(field) != entry.message.get(field):
                        problems.append("%s: body %s %r, the stream entry's %r" % (
                            where, field, message.get(field), entry.message.get(field)))
            key = r.key()
            first = self.changes_by_msg_id.setdefault(r.msg_id, key)
            if first != key:
                problems.append("%s: this webhook-id carried %r before, now %r" % (
                    where, first, key))
        return problems


def expect_no_problems(problems, what):
    if problems:
        shown = "\n    ".join(problems[:12])
        more = "" if len(problems) <= 12 else "\n    ... %d more" % (len(problems) - 12)
        raise CheckFailed("%d %s:\n    %s%s" % (len(problems), what, shown, more))


DELIVERED_METRIC = 'incident_api_webhook_attempts_total{outcome="delivered"}'
FAILED_METRIC = 'incident_api_webhook_attempts_total{outcome="failed"}'
DISABLED_METRIC = "incident_api_webhook_endpoints_disabled_total"


def check_metric_deltas(world, before, expected, measured, problems):
    """api-a's webhook counters moved by `expected` ({name: delta}) since
    `before`; skipped when the server does not expose them."""
    after = world.webhook_metrics(world.main_server)
    if not all(name in after for name in expected):
        measured.append("metrics: %s not exposed, not checked" % sorted(expected))
        return
    deltas = {name: after[name] - before.get(name, 0) for name in expected}
    measured.append("api-a metrics moved by %s (expected %s)" % (
        {k.replace("incident_api_webhook_", ""): v for k, v in deltas.items()},
        {k.replace("incident_api_webhook_", ""): v for k, v in expected.items()}))
    for name, delta in expected.items():
        if deltas[name] != delta:
            problems.append("metric %s moved by %g, expected %g" % (name, deltas[name], delta))


def count_by_sid(requests):
    return collections.Counter(r.sid for r in requests)


def duplicates_of(requests):
    return {sid: n for sid, n in count_by_sid(requests).items() if n > 1}


def judge_duplicates(world, endpoint_id, requests, name):
    """(problems, description) of the changes that arrived more than once. One
    is fine when the server recorded as many failed attempts of it (a receiver
    too slow under load: it got the request, the answer came after the
    timeout, and the change was rightly sent again); otherwise it is a
    duplicate without cause, a problem."""
    duplicates = duplicates_of(requests)
    if not duplicates:
        return [], "0 duplicates"
    failed = collections.defaultdict(list)
    for h in world.deliveries(endpoint_id):
        if h["outcome"] != "delivered":
            failed[h["stream_id"]].append(h["error"] or h["status"])
    problems, causes = [], collections.Counter()
    for sid, n in sorted(duplicates.items()):
        if len(failed[sid]) >= n - 1:
            causes.update(failed[sid])
        else:
            problems.append("%s: change %s arrived %d times; failed attempts recorded: %s" % (
                name, sid, n, failed[sid]))
    return problems, "%d duplicates (%d after failed attempts the server recorded: %s)" % (
        sum(n - 1 for n in duplicates.values()), sum(causes.values()), dict(causes))


def compare_sets(name, got, expected):
    """Problems when the sids `got` differ from `expected`."""
    problems = []
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing:
        problems.append("%s: %d expected changes never arrived: %s" % (name, len(missing),
                                                                        missing[:8]))
    if extra:
        problems.append("%s: %d changes arrived that it should not get: %s" % (
            name, len(extra), extra[:8]))
    return problems


# --------------------------------------------------------------------------
# Cases

def case_delivery(world, measured):
    receiver = world.receiver("catch-all")
    endpoint = world.create_endpoint(receiver, [
        ("event", "incident.*"), ("event", "scope.*"), ("event", "service.*"),
        ("internal", "true")])
    secret = endpoint["secret"]
    seen_before = set(world.changes_by_msg_id)
    marker = world.newest()
    started = time.monotonic()
    scope = world.create_scope("case1")
    world.api.write("/api/service/create", [("name", new_name("case1-service"))])
    severities = ("critical", "high", "moderate", "low", "minor")
    incidents = [world.create_incident(scope, severities[i % 5]) for i in range(10)]
    for i, incident in enumerate(incidents):
        incidents[i] = world.update_incident(incident, status="investigating", severity="high")
    for incident in incidents:
        world.comment(incident["id"], "public note on %d" % incident["id"])
    world.api.write("/api/scope/%d/update" % scope, [("name", new_name("case1-renamed"))])
    world.delete_incident(incidents[-1]["id"])
    writes = 34
    write_seconds = time.monotonic() - started
    entries = world.stream_after(marker)
    if len(entries) != writes:
        raise CheckFailed("%d writes committed %d stream entries" % (writes, len(entries)))
    by_sid = {e.sid: e for e in entries}
    types = collections.Counter(e.message["type"] for e in entries)
    arrived = receiver.wait_for_sids(by_sid, 20)
    time.sleep(QUIET_SECONDS)
    requests = receiver.snapshot()
    if not requests:
        raise CheckFailed("nothing arrived in 20 s")
    problems = [r.msg_id + ": a webhook-id seen before this case" for r in requests
                if r.msg_id in seen_before]
    problems += world.audit(receiver, [secret])
    problems += compare_sets("catch-all", {r.sid for r in requests}, by_sid)
    duplicate_problems, duplicates = judge_duplicates(world, endpoint["id"], requests, "catch-all")
    problems += duplicate_problems
    for r in requests:
        entry = by_sid.get(r.sid)
        if entry is not None and r.body != entry.data:
            problems.append("%s: body differs from the stream entry's data (internal endpoint)"
                            % r.msg_id)
        if r.path != receiver.path:
            problems.append("%s: path %r" % (r.msg_id, r.path))
    latencies = [r.at * 1000 - stream_ms(r.sid) for r in requests if r.sid in by_sid]
    in_order = [r.sid for r in requests] == sorted((r.sid for r in requests), key=lambda s: tuple(
        int(x) for x in s.split("-")))
    # The endpoint's history: one "delivered" (status 200) per change; an
    # attempt before it only if it failed (attempt 1 normally).
    history = wait_until(lambda: (lambda items: items if len(items) >= writes else None)(
        world.deliveries(endpoint["id"])), 5) or world.deliveries(endpoint["id"])
    outcomes = collections.Counter((h["outcome"], h["attempt"], h["status"]) for h in history)
    delivered = collections.Counter(h["stream_id"] for h in history if h["outcome"] == "delivered"
                                    and h["status"] == 200)
    odd = [h for h in history if h["outcome"] != "delivered" and (
        h["outcome"] != "retrying" or not h["error"])]
    if set(delivered) != set(by_sid) or set(delivered.values()) != {1} or odd:
        problems.append("deliveries list: %d items, outcomes %s" % (len(history), dict(outcomes)))
    no_entry = Entry("", b"", {})
    bad_history = [h for h in history if h["message_id"] != "msg_" + h["stream_id"]
                   or h["type"] != by_sid.get(h["stream_id"], no_entry).message.get("type")
                   or (h["outcome"] == "delivered") != (h["error"] is None)
                   or (h["outcome"] == "delivered") != (h["next_attempt_at"] is None)]
    if bad_history:
        problems.append("deliveries list entries inconsistent: %r" % bad_history[:2])
    # The verifier refuses what it must (else every check above proves nothing).
    sample = requests[0]
    now = int(time.time())
    resigned = lambda ts: dict(sample.headers, **{  # noqa: E731
        "webhook-timestamp": str(ts), "webhook-signature": sign(secret, sample.msg_id, ts,
                                                                sample.body)})
    refusals = {
        "tampered body": not verify(secret, sample.headers, sample.body + b" "),
        "other secret": not verify(new_secret(), sample.headers, sample.body),
        "other webhook-id": not verify(secret, dict(sample.headers, **{"webhook-id": "msg_0-1"}),
                                       sample.body),
        "timestamp 6 min old": not verify(secret, resigned(now - TOLERANCE_SECONDS - 60),
                                          sample.body),
        "timestamp 6 min ahead": not verify(secret, resigned(now + TOLERANCE_SECONDS + 60),
                                            sample.body),
        "signature without v1,": not verify(secret, dict(sample.headers, **{
            "webhook-signature": sample.headers["webhook-signature"][3:]}), sample.body),
    }
    accepted_4_min = verify(secret, resigned(now - 240), sample.body)
    failing = [name for name, ok in refusals.items() if not ok]
    if failing or not accepted_4_min:
        problems.append("the verifier is wrong: accepts %s; accepts a 4-min-old delivery: %s" % (
            failing, accepted_4_min))
    measured.append("%d writes (%s) in %.2f s -> %d stream entries; %d requests, %d distinct "
                    "changes delivered, %s; %d problems" % (
                        writes, ", ".join("%s %d" % kv for kv in sorted(types.items())),
                        write_seconds, len(entries), len(requests), len(count_by_sid(requests)),
                        duplicates, len(problems)))
    measured.append("signatures verified %d/%d; commit -> arrival latency p50 %.0f ms, max %.0f "
                    "ms; arrived in stream order: %s; verifier refusals %s ok" % (
                        sum(verify(secret, r.headers, r.body) for r in requests), len(requests),
                        percentile(latencies, 0.5), max(latencies or [0]), in_order,
                        "all" if not failing else "NOT all"))
    measured.append("deliveries list: %d items, outcomes %s" % (len(history), dict(outcomes)))
    if not arrived:
        problems.append("not every change arrived within 20 s")
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_filters(world, measured):
    scope, other_scope = world.create_scope("case2"), world.create_scope("case2-other")
    receivers = {name: world.receiver(name) for name in ("critical", "commented", "public",
                                                         "internal")}
    endpoints = {
        "critical": world.create_endpoint(receivers["critical"], [
            ("scope", scope), ("severity", "critical")]),
        "commented": world.create_endpoint(receivers["commented"], [
            ("scope", scope), ("event", "incident.commented")]),
        "public": world.create_endpoint(receivers["public"], [("scope", scope)]),
        "internal": world.create_endpoint(receivers["internal"], [
            ("scope", scope), ("internal", "true")]),
    }
    secret_text = "INTERNAL-" + uuid.uuid4().hex
    marker = world.newest()
    # What was written, as this script knows it: (type, id, version) -> facts.
    written = {}

    def record(kind, incident, internal=False):
        written[(kind, incident["id"], incident["version"])] = {
            "scope": incident["scope"], "severity": incident["severity"], "internal": internal}
        return incident

    a = record("incident.created", world.create_incident(scope, "critical"))
    b = record("incident.created", world.create_incident(scope, "high"))
    c = record("incident.created", world.create_incident(other_scope, "critical"))
    a = record("incident.commented", world.comment(a["id"], "public comment on a"))
    b = record("incident.commented", world.comment(b["id"], "public comment on b"))
    a = record("incident.commented", world.comment(a["id"], secret_text + " a", internal=True),
               internal=True)
    b = record("incident.updated", world.update_incident(b, severity="critical",
                                                         status="investigating"))
    a = record("incident.updated", world.update_incident(a, severity="moderate"))
    c = record("incident.commented", world.comment(c["id"], "public comment on c"))
    a = record("incident.commented", world.comment(a["id"], "second public comment on a"))
    b = record("incident.commented", world.comment(b["id"], secret_text + " b", internal=True),
               internal=True)
    written[("incident.deleted", b["id"], b["version"] + 1)] = {
        "scope": scope, "severity": "critical", "internal": False}
    world.delete_incident(b["id"])
    entries = world.stream_after(marker)
    sid_of = {(e.message["type"], e.message["id"], e.message["version"]): e.sid for e in entries}
    if set(sid_of) != set(written):
        raise CheckFailed("the stream holds %s, the writes were %s" % (
            sorted(sid_of), sorted(written)))

    def expected(rule):
        return {sid_of[key] for key, facts in written.items() if rule(key[0], facts)}

    in_scope = lambda facts: facts["scope"] == scope  # noqa: E731
    expectations = {
        "critical": expected(lambda t, f: in_scope(f) and f["severity"] == "critical"
                             and not f["internal"]),
        "commented": expected(lambda t, f: in_scope(f) and t == "incident.commented"
                              and not f["internal"]),
        "public": expected(lambda t, f: in_scope(f) and not f["internal"]),
        "internal": expected(lambda t, f: in_scope(f)),
    }
    for name, sids in expectations.items():
        receivers[name].wait_for_sids(sids, 15)
    time.sleep(QUIET_SECONDS)
    problems = []
    by_sid = {e.sid: e for e in entries}
    for name, receiver in receivers.items():
        requests = receiver.snapshot()
        problems += world.audit(receiver, [endpoints[name]["secret"]])
        problems += compare_sets(name, {r.sid for r in requests}, expectations[name])
        duplicate_problems, duplicates = judge_duplicates(world, endpoints[name]["id"], requests,
                                                          name)
        problems += duplicate_problems
        for r in requests:
            message = r.message() or {}
            if name == "internal":
                if r.body != by_sid[r.sid].data:
                    problems.append("internal: %s body is not the stream's message" % r.msg_id)
                continue
            events = (message.get("incident") or {}).get("events") or []
            if secret_text.encode() in r.body:
                problems.append("%s: %s carries internal comment text" % (name, r.msg_id))
            if any(e.get("internal") for e in events):
                problems.append("%s: %s carries an internal event" % (name, r.msg_id))
            if message.get("changes") not in ({}, None):
                problems.append("%s: %s carries changes %r" % (name, r.msg_id,
                                                               message.get("changes")))
        measured.append("%-9s endpoint (%s): expected %d changes, got %d requests for %d "
                        "changes, %s" % (
                            name, ", ".join("%s=%s" % (k, v) for k, v in (
                                endpoints[name]["filters"].items()) if v) + (
                                ", events=%s" % endpoints[name]["events"]) + (
                                ", internal" if endpoints[name]["internal"] else ""),
                            len(expectations[name]), len(requests), len(count_by_sid(requests)),
                            duplicates))
    internal_bodies = [r.body for r in receivers["internal"].snapshot()]
    with_secret_text = sum(secret_text.encode() in body for body in internal_bodies)
    measured.append("internal comment text: in %d bodies of the internal=true endpoint (2 "
                    "expected), in %d of the others" % (with_secret_text, sum(
                        secret_text.encode() in r.body for n, rc in receivers.items()
                        if n != "internal" for r in rc.snapshot())))
    if with_secret_text != 2:
        problems.append("internal: the internal comments' text arrived in %d bodies, not 2"
                        % with_secret_text)
    expect_no_problems(problems, "problems")
    for name in endpoints:
        world.delete_endpoint(endpoints[name]["id"])
        receivers[name].stop()


def one_change_endpoint(world, name, behaviour):
    """A receiver, an endpoint limited to a scope of its own, one incident created
    there: (receiver, endpoint, scope, the change's stream id)."""
    receiver = world.receiver(name, behaviour)
    scope = world.create_scope(name)
    endpoint = world.create_endpoint(receiver, [("scope", scope)])
    world.create_incident(scope, "high")
    return receiver, endpoint, scope, world.newest()


def history_of(world, endpoint_id, sid, count, timeout=5):
    """The endpoint's deliveries of `sid` once there are `count` of them."""
    def found():
        items = [h for h in world.deliveries(endpoint_id) if h["stream_id"] == sid]
        return items if len(items) >= count else None
    return wait_until(found, timeout) or [h for h in world.deliveries(endpoint_id)
                                          if h["stream_id"] == sid]


def summary(history):
    return ["#%s %s %s%s" % (h["attempt"], h["outcome"], h["status"],
                             " (%s)" % h["error"] if h["error"] else "") for h in history]


def case_retry(world, measured):
    receiver, endpoint, _, sid = one_change_endpoint(
        world, "fails-twice", lambda r: (500, 0) if r.attempt <= 2 else (200, 0))
    receiver.wait_for(lambda requests: len(requests) >= 3, 15)
    time.sleep(3)  # a fourth attempt would come within the 2 s of the schedule
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    ids = [r.msg_id for r in requests]
    gaps = [b.at - a.at for a, b in zip(requests, requests[1:])]
    history = history_of(world, endpoint["id"], sid, 3)
    shape = [(h["attempt"], h["outcome"], h["status"]) for h in history]
    measured.append("%d attempts, webhook-ids %s, answered %s, gaps %s s" % (
        len(requests), sorted(set(ids)), [r.status for r in requests],
        ["%.2f" % g for g in gaps]))
    measured.append("deliveries list (newest first): %s" % summary(history))
    if ids != ["msg_" + sid] * 3:
        problems.append("expected 3 attempts of msg_%s, got %s" % (sid, ids))
    if shape != [(3, "delivered", 200), (2, "retrying", 500), (1, "retrying", 500)]:
        problems.append("deliveries list %s" % shape)
    if any(h["next_attempt_at"] is None for h in history if h["outcome"] == "retrying"):
        problems.append("a retrying entry without next_attempt_at")
    if any(not 0.7 <= g <= 2.5 for g in gaps):  # schedule 1s,1s (+-10% jitter)
        problems.append("gaps between attempts %s, schedule says 1 s each" % gaps)
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_timeout(world, measured):
    hang = 2.5 * TIMEOUT_MS / 1000
    receiver, endpoint, _, sid = one_change_endpoint(
        world, "hangs-once", lambda r: (200, hang) if r.attempt == 1 else (200, 0))
    receiver.wait_for(lambda requests: len(requests) >= 2, 15)
    time.sleep(QUIET_SECONDS + 1)
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    history = history_of(world, endpoint["id"], sid, 2)
    measured.append("%d attempts of %s; gap %.2f s (timeout %d ms + retry 1 s); the first "
                    "answer held %.1f s" % (len(requests), sorted({r.msg_id for r in requests}),
                                           requests[1].at - requests[0].at if len(requests) > 1
                                           else float("nan"), TIMEOUT_MS, hang))
    measured.append("deliveries list (newest first): %s; first attempt's duration_ms %s" % (
        summary(history), history[-1]["duration_ms"] if history else None))
    if [r.msg_id for r in requests] != ["msg_" + sid] * 2:
        problems.append("expected 2 attempts of msg_%s, got %s" % (
            sid, [r.msg_id for r in requests]))
    shape = [(h["attempt"], h["outcome"], h["status"], h["error"]) for h in history]
    if shape != [(2, "delivered", 200, None), (1, "retrying", None, "timed out")]:
        problems.append("deliveries list %s" % shape)
    elif not 0.8 * TIMEOUT_MS <= history[1]["duration_ms"] <= 1.6 * TIMEOUT_MS:
        problems.append("the timed-out attempt took %s ms" % history[1]["duration_ms"])
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_gone(world, measured):
    receiver, endpoint, scope, sid = one_change_endpoint(world, "gone", answer(410))
    receiver.wait_for(lambda requests: len(requests) >= 1, 10)
    shown = wait_until(lambda: (lambda e: e if not e["enabled"] else None)(
        world.endpoint(endpoint["id"])), 5) or world.endpoint(endpoint["id"])
    for _ in range(3):
        world.create_incident(scope, "high")
    time.sleep(3)
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    history = world.deliveries(endpoint["id"])
    retries = world.redis.call("ZCARD", "pm:webhook:%d:retries" % endpoint["id"])
    measured.append("requests %d (%s); GET: enabled %s, disabled_reason %r; deliveries list %s; "
                    "retries left %d" % (len(requests), [r.msg_id for r in requests],
                                         shown["enabled"], shown["disabled_reason"],
                                         summary(history), retries))
    if [r.msg_id for r in requests] != ["msg_" + sid]:
        problems.append("expected exactly one request (msg_%s), got %s" % (
            sid, [r.msg_id for r in requests]))
    if shown["enabled"] is not False or not shown["disabled_reason"]:
        problems.append("not disabled with a reason: %r" % shown)
    if [(h["outcome"], h["status"]) for h in history] != [("disabled", 410)]:
        problems.append("deliveries list %s" % summary(history))
    if retries:
        problems.append("%d retries left for a disabled endpoint" % retries)
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_receiver_down(world, measured):
    receiver, endpoint, scope, first_sid = one_change_endpoint(world, "down", answer(200))
    if not receiver.wait_for_sids([first_sid], 10):
        raise CheckFailed("the first change did not arrive while the receiver was up")
    receiver.stop()
    down_at = time.monotonic()
    marker = world.newest()
    incident = world.create_incident(scope, "high")
    writes = 1
    for i in range(1, 8):  # a write every 2 s while it is down
        time.sleep(max(0, down_at + 2 * i - time.monotonic()))
        incident = world.comment(incident["id"], "while down %d" % i)
        writes += 1
    time.sleep(max(0, down_at + 15 - time.monotonic()))
    expected = [e.sid for e in world.stream_after(marker)]
    history_down = world.deliveries(endpoint["id"])
    receiver.start()  # the same port
    up_at = time.monotonic()
    arrived = receiver.wait_for_sids(expected, 20)
    all_in = time.monotonic() - up_at
    time.sleep(QUIET_SECONDS)
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    got = {r.sid for r in requests} - {first_sid}
    problems += compare_sets("down", got, expected)
    duplicate_problems, duplicates = judge_duplicates(world, endpoint["id"], requests, "down")
    errors = collections.Counter(h["error"] for h in history_down if h["outcome"] == "retrying")
    measured.append("down %.1f s; %d writes meanwhile (%d stream entries); failed attempts "
                    "while down: %s" % (up_at - down_at, writes, len(expected), dict(errors)))
    measured.append("after it came back: all %d changes in %.2f s: %s; %d requests, %s" % (
        len(expected), all_in, bool(arrived), len(requests) - 1, duplicates))
    if len(expected) != writes:
        problems.append("%d writes, %d stream entries" % (writes, len(expected)))
    if not errors or set(errors) != {"connection refused"}:
        problems.append("attempts while down recorded as %s" % dict(errors))
    problems += duplicate_problems  # a refused connection delivers nothing
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_process_death(world, measured, changes=200, delay=0.1):
    # Redis 7.0 lists a consumer once it was served an entry: api-a's is known
    # after this write, which it alone can read; api-b's is the one added later.
    scope = world.create_scope("case7")
    if not wait_until(world.consumers, 5):
        raise CheckFailed("api-a's consumer never appeared in the group")
    before = set(world.consumers())
    other = world.start_server("api-b")
    receiver = world.receiver("slow", answer(200, delay))
    endpoint = world.create_endpoint(receiver, [("scope", scope)])
    marker = world.newest()
    incidents = []
    started = time.monotonic()
    killed_at = pending_at_kill = None
    received_at_kill = 0
    for i in range(changes):
        if i == changes // 2:
            pending_at_kill = world.consumers()
            received_at_kill = len(receiver.snapshot())
            other.kill9()
            killed_at = time.monotonic()
        if len(incidents) < 40:
            incidents.append(world.create_incident(scope, "high"))
        else:
            world.comment(incidents[i % 40]["id"], "comment %d" % i)
    write_seconds = time.monotonic() - started
    expected = [e.sid for e in world.stream_after(marker)]
    bound = 90
    arrived = receiver.wait_for_sids(expected, max(1, bound - (time.monotonic() - killed_at)))
    complete_after = time.monotonic() - killed_at
    # Duplicates show once the dead process's changes are claimed and
    # acknowledged, and once the retries it held under a lease (taken when
    # more than 16 attempts of the endpoint were on the wire) are taken again
    # when the lease ends (--webhook-timeout-ms + 30 s).
    retries_key = "pm:webhook:%d:retries" % endpoint["id"]
    pending_end = wait_until(lambda: (lambda c: c if not sum(c.values()) else None)(
        world.consumers()), max(1, bound - (time.monotonic() - killed_at))) or world.consumers()
    drained_after = time.monotonic() - killed_at
    retries_at_drain = world.redis.call("ZCARD", retries_key)
    wait_until(lambda: world.redis.call("ZCARD", retries_key) == 0,
               max(1, bound - (time.monotonic() - killed_at)), interval=0.2)
    retries_after = time.monotonic() - killed_at
    time.sleep(QUIET_SECONDS)
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    got = {r.sid for r in requests}
    missing = set(expected) - got
    duplicates = duplicates_of(requests)
    retries_left = world.redis.call("ZCARD", retries_key)
    other_consumers = set(pending_at_kill) - before
    held = sum(pending_at_kill[c] for c in other_consumers)
    measured.append("%d writes through api-a in %.1f s; api-b (consumer %s) killed -9 after %d "
                    "of them, holding %d changes pending (all consumers: %s), %d requests in "
                    "by then" % (changes, write_seconds, sorted(other_consumers), changes // 2,
                                 held, pending_at_kill, received_at_kill))
    measured.append("every change in: %s, %.1f s after the kill (bound %d s, claim after %d s); "
                    "%d requests for %d changes: %d changes came twice or more (%d extra "
                    "requests)" % (not missing, complete_after, bound, CLAIM_SECONDS,
                                   len(requests), len(got), len(duplicates),
                                   sum(n - 1 for n in duplicates.values())))
    measured.append("nothing pending in the group %.1f s after the kill: %s; retries waiting "
                    "then %d, none %.1f s after the kill (left: %d)" % (
                        drained_after, pending_end, retries_at_drain, retries_after,
                        retries_left))
    if len(expected) != changes:
        problems.append("%d writes, %d stream entries" % (changes, len(expected)))
    if missing or not arrived:
        problems.append("%d changes never arrived within %d s: %s" % (
            len(missing), bound, sorted(missing)[:8]))
    problems += compare_sets("slow", got, expected)
    if sum(pending_end.values()):
        problems.append("changes still pending in the group: %s" % pending_end)
    if retries_left:
        problems.append("%d retries still waiting %d s after the kill" % (retries_left, bound))
    if not held:
        measured.append("note: api-b held nothing when killed: the claim was not exercised")
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_replay(world, measured):
    receiver = world.receiver("replayed")
    scope, other_scope = world.create_scope("case8"), world.create_scope("case8-other")
    endpoint = world.create_endpoint(receiver, [("scope", scope)])
    marker = world.newest()
    p = world.create_incident(scope, "high")
    q = world.create_incident(other_scope, "high")
    p = world.comment(p["id"], "first")
    p = world.update_incident(p, status="stable")
    world.comment(q["id"], "not ours")
    p = world.comment(p["id"], "second")
    entries = world.stream_after(marker)
    ours = [e.sid for e in entries if e.message["incident"]["scope"] == scope]
    if len(ours) != 4 or len(entries) != 6:
        raise CheckFailed("expected 6 stream entries, 4 of the scope: %s" % entries)
    receiver.wait_for_sids(ours, 10)
    time.sleep(QUIET_SECONDS)
    originals = {}
    for r in receiver.snapshot():
        originals.setdefault(r.sid, r)
    if set(originals) != set(ours):
        raise CheckFailed("first round: got %s, expected %s" % (sorted(originals), ours))
    problems = []

    def failed_counts():
        return collections.Counter(h["stream_id"] for h in world.deliveries(endpoint["id"])
                                   if h["outcome"] != "delivered")

    def replay(since, wanted):
        """Replays since `since`; problems unless exactly `wanted` arrive again
        (a change twice only after a failed attempt the server recorded)."""
        count_before, failed_before = len(receiver.snapshot()), failed_counts()
        newest, asked_at = world.newest(), time.time()
        started = world.api.request("POST", "/api/webhook/%d/replay" % endpoint["id"],
                                    [("since", since)], expect=(202,)).json()
        receiver.wait_for(lambda requests: len(requests) >= count_before + len(wanted), 10)
        time.sleep(QUIET_SECONDS + 0.5)
        again = receiver.snapshot()[count_before:]
        failed = failed_counts() - failed_before
        measured.append("replay since %s -> 202 %s; re-sent %d: %s (expected %s); bodies as the "
                        "originals: %s; failed attempts meanwhile: %s" % (
                            since, started, len(again), ["%s +%.2fs" % (r.msg_id, r.at - asked_at)
                                                         for r in again],
                            ["msg_" + s for s in wanted],
                            all(r.body == originals[r.sid].body for r in again
                                if r.sid in originals), dict(failed)))
        if started.get("through") != newest:
            problems.append("answer %r: through is not the newest change, %s" % (started, newest))
        if {r.sid for r in again} != set(wanted):
            problems.append("replay since %s re-sent %s, expected %s" % (
                since, sorted({r.sid for r in again}), wanted))
        for sid, n in count_by_sid(again).items():
            if n - 1 > failed[sid]:
                problems.append("replay since %s sent %s %d times, %d failed attempts recorded"
                                % (since, sid, n, failed[sid]))
        for r in again:
            if r.sid in originals and r.body != originals[r.sid].body:
                problems.append("%s: the replayed body differs from the original" % r.msg_id)
        return started

    # Since a stream id (inclusive): the first comment, the update, the second comment.
    started = replay(ours[1], ours[1:])
    if started.get("from") != ours[1]:
        problems.append("answer %r: from is not %s" % (started, ours[1]))
    # Since a date (a minute, UTC): every matching change from that minute on.
    minute_ms = stream_ms(ours[0]) // 60000 * 60000
    started = replay(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(minute_ms // 1000)), ours)
    if started.get("from") != "%d-0" % minute_ms:
        problems.append("answer %r: from is not %d-0" % (started, minute_ms))
    problems += world.audit(receiver, [endpoint["secret"]])
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_rotation(world, measured):
    receiver, endpoint, scope, first_sid = one_change_endpoint(world, "rotated", answer(200))
    old = endpoint["secret"]
    receiver.wait_for_sids([first_sid], 10)
    rotated = world.api.request("POST", "/api/webhook/%d/rotate-secret" % endpoint["id"],
                                expect=(200,)).json()
    new = rotated.get("secret", "")
    world.secrets.add(new)
    incident = world.create_incident(scope, "low")
    world.comment(incident["id"], "after the rotation")
    second = world.stream_after(first_sid)
    receiver.wait_for_sids([e.sid for e in second], 10)
    time.sleep(QUIET_SECONDS)
    problems = world.audit(receiver, [old, new])
    requests = receiver.snapshot()
    before = [r for r in requests if r.sid == first_sid]
    after = [r for r in requests if r.sid != first_sid]

    def verifying(r):
        """For each signature of the header: which secrets verify it alone."""
        result = []
        for signature in r.headers.get("webhook-signature", "").split():
            alone = dict(r.headers, **{"webhook-signature": signature})
            result.append([name for name, secret in (("old", old), ("new", new))
                           if verify(secret, alone, r.body)])
        return result

    measured.append("before the rotation: %s; after: %s (one list of verifying secrets per "
                    "signature)" % ([verifying(r) for r in before], [verifying(r) for r in after]))
    if not new.startswith("whsec_") or new == old:
        problems.append("rotation answered secret %r" % new)
    if [verifying(r) for r in before] != [[["old"]]]:
        problems.append("before the rotation: %s" % [verifying(r) for r in before])
    if len(after) != 2 or any(sorted(verifying(r)) != [["new"], ["old"]] for r in after):
        problems.append("after the rotation: %s" % [verifying(r) for r in after])
    if any(not (verify(new, r.headers, r.body) and verify(old, r.headers, r.body))
           for r in after):
        problems.append("a receiver with one of the two secrets refuses a delivery")
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def case_address_policy(world, measured):
    server = world.start_server("api-strict", allow_private=False,
                                extra=("--redis-prefix", "strict"))
    api = Api(server.port)
    api.login("strict")
    refused, problems = [], []
    urls = ["http://127.0.0.1/", "http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/",
            "http://localhost:8080/x", "http://192.168.1.10/", "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/", "http://127.1/", "https://100.64.0.1/"]
    inward = inward_host_name()
    if inward:  # a name, not an address: refused for what it resolves to
        urls.append("http://%s/" % inward)
    for url in urls:
        got = api.request("POST", "/api/webhook/create", [("url", url)])
        reasons = got.json().get("reasons", {}) if got.body.startswith(b"{") else {}
        refused.append("%s -> %d %s" % (url, got.status, reasons.get("url", reasons)))
        if got.status != 400 or "url" not in reasons:
            problems.append("%s answered %r" % (url, got))
    public = api.request("POST", "/api/webhook/create", [("url", "http://8.8.8.8/hook"),
                                                         ("enabled", "false")])
    measured.append("refused: " + "\n      ".join(refused))
    measured.append("a public address (http://8.8.8.8/hook): %d" % public.status)
    if public.status != 201:
        problems.append("a public address answered %r" % public)
    else:
        moved = api.request("POST", "/api/webhook/%d/update" % public.json()["id"],
                            [("url", "http://127.0.0.1:9/")])
        measured.append("its update to http://127.0.0.1:9/: %d %s" % (
            moved.status, moved.json().get("reasons")))
        if moved.status != 400 or "url" not in moved.json().get("reasons", {}):
            problems.append("update to a loopback URL answered %r" % moved)
    # At delivery: an endpoint stored with a loopback URL (by a process that
    # allows it) is refused by a process that does not, when it connects.
    writer = world.start_server("api-strict-writer", extra=(
        "--redis-prefix", "strict", "--webhooks=off"))
    world.wait_for_group("strict:incidents:stream")
    writer_api = Api(writer.port)
    writer_api.login("strict-writer")
    receiver = world.receiver("never-reached")
    stored = writer_api.request("POST", "/api/webhook/create", [("url", receiver.url)],
                                expect=(201,)).json()
    scope = writer_api.write("/api/scope/create", [("name", new_name("strict"))])["id"]
    service = writer_api.write("/api/service/create", [("name", new_name("strict"))])["id"]
    writer_api.write("/api/incident/create", [("scope", scope), ("service", service),
                                              ("name", new_name("Incident")),
                                              ("severity", "high")])
    history = wait_until(lambda: writer_api.request(
        "GET", "/api/webhook/%d/deliveries" % stored["id"], expect=(200,)).json()["items"], 5)
    time.sleep(QUIET_SECONDS)
    measured.append("an endpoint stored as %s, delivered by the strict process: %d requests "
                    "reached it; deliveries list %s" % (receiver.url, len(receiver.snapshot()),
                                                        summary(history or [])))
    if receiver.snapshot():
        problems.append("the strict process delivered to %s" % receiver.url)
    if not history or not all(str(h["error"]).startswith("address refused")
                              for h in history):
        problems.append("deliveries of the loopback endpoint: %s" % summary(history or []))
    expect_no_problems(problems, "problems")
    receiver.stop()
    writer.stop()
    server.stop()


def case_metrics(world, measured):
    """api-a's webhook counters (GET /metrics) against what its receivers saw:
    api-a is the only process delivering by now."""
    before = world.webhook_metrics(world.main_server)
    expected_names = (DELIVERED_METRIC, FAILED_METRIC, DISABLED_METRIC)
    if not all(name in before for name in expected_names):
        measured.append("metrics %s not exposed: nothing checked" % (expected_names,))
        return
    ok, gone = world.receiver("metrics-ok"), world.receiver("metrics-gone", answer(410))
    scope = world.create_scope("case12")
    endpoints = [world.create_endpoint(receiver, [("scope", scope)]) for receiver in (ok, gone)]
    for _ in range(5):
        world.create_incident(scope, "high")
    ok.wait_for(lambda requests: len(requests) >= 5, 10)
    wait_until(lambda: not world.endpoint(endpoints[1]["id"])["enabled"], 5)
    time.sleep(QUIET_SECONDS)
    problems = []
    check_metric_deltas(world, before, {DELIVERED_METRIC: len(ok.snapshot()),
                                        FAILED_METRIC: len(gone.snapshot()), DISABLED_METRIC: 1},
                        measured, problems)
    measured.append("receivers: %d answered 200, %d answered 410 (one endpoint disabled)" % (
        len(ok.snapshot()), len(gone.snapshot())))
    expect_no_problems(problems, "problems")


def inward_host_name():
    """This machine's name when every address it resolves to is loopback or
    private (as in most containers), else None."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        return None
    inward = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    return name if inward and all(a.is_private or a.is_loopback for a in inward) else None


def command_calls(world, command):
    for line in world.redis.call("INFO", "commandstats").decode().splitlines():
        if line.startswith("cmdstat_%s:" % command):
            fields = dict(item.split("=") for item in line.split(":", 1)[1].split(","))
            return int(fields.get("calls", 0)) + int(fields.get("rejected_calls", 0))
    return 0


def case_redis_refuses(world, measured):
    """The 500 of a first attempt comes back while Redis refuses writes (out
    of memory, maxmemory-policy noeviction): its outcome cannot be recorded.
    Once Redis takes writes again, the change must still be retried and
    delivered: neither acknowledged nor forgotten meanwhile."""
    hold = 0.5 * TIMEOUT_MS / 1000  # the 500 comes back well within the timeout
    receiver, endpoint, _, sid = one_change_endpoint(
        world, "refused-record", lambda r: (500, hold) if r.attempt == 1 else (200, 0))
    if not receiver.wait_for(lambda requests: requests, 10):
        raise CheckFailed("the first attempt never arrived")
    evals_before = command_calls(world, "evalsha") + command_calls(world, "eval")
    try:
        world.redis.call("CONFIG", "SET", "maxmemory", "1")
        time.sleep(hold + 1.5)  # the 500 comes back; its outcome meets the refusal
        try:
            world.redis.call("SET", "webhook-e2e:probe", "x")
            refusal = "none: Redis took a write"
        except RedisError as error:
            refusal = str(error)[:60]
        evals = command_calls(world, "evalsha") + command_calls(world, "eval") - evals_before
        pending_during = world.redis.call("XPENDING", STREAM, GROUP)[0]
    finally:
        world.redis.call("CONFIG", "SET", "maxmemory", "0")
    retried = receiver.wait_for(lambda requests: len(requests) >= 2, 10)
    time.sleep(QUIET_SECONDS)
    requests = receiver.snapshot()
    problems = world.audit(receiver, [endpoint["secret"]])
    history = [h for h in world.deliveries(endpoint["id"]) if h["stream_id"] == sid]
    measured.append("Redis refused writes for %.1f s (%s); scripts run meanwhile: %d; changes "
                    "pending in the group then: %d" % (hold + 1.5, refusal, evals,
                                                       pending_during))
    measured.append("after: %d attempts %s answered %s; deliveries list %s" % (
        len(requests), sorted({r.msg_id for r in requests}), [r.status for r in requests],
        summary(history)))
    if not refusal.startswith("OOM"):
        problems.append("Redis did not refuse writes: %s" % refusal)
    if not retried or [r.status for r in requests] != [500, 200]:
        problems.append("the change was not retried once Redis took writes again: %d attempts "
                        "in 10 s (the failed attempt's outcome was dropped)" % len(requests))
    expect_no_problems(problems, "problems")
    world.delete_endpoint(endpoint["id"])
    receiver.stop()


def fair_setup(world, hanging, healthy):
    """api-fair (a prefix of its own, --webhook-timeout-ms FAIR_TIMEOUT_MS), its
    API, FAIR_HANGING endpoints at `hanging` and one at `healthy`:
    (server, api, [hanging endpoints], healthy endpoint)."""
    server = world.start_server("api-fair", extra=("--redis-prefix", "fair"),
                                timeout_ms=FAIR_TIMEOUT_MS)
    world.wait_for_group("fair:incidents:stream")
    api = Api(server.port)
    api.login("fair")
    created = []
    for receiver in [hanging] * FAIR_HANGING + [healthy]:
        endpoint = api.request("POST", "/api/webhook/create", [
            ("url", receiver.url), ("description", "e2e " + receiver.name)],
            expect=(201,)).json()
        world.secrets.add(endpoint["secret"])
        created.append(endpoint)
    return server, api, created[:-1], created[-1]


def case_fairness(world, measured):
    """Each change goes to 41 endpoints; 40 never answer. Probation holds
    each dead endpoint to one attempt on the wire and the sender takes turns
    between endpoints, so the healthy one's deliveries never queue behind
    them: every one arrives, none near the timeout."""
    hang = FAIR_TIMEOUT_MS / 1000 + 2  # the receiver's threads end soon after
    hanging = world.receiver("never-answers", answer(200, hang))
    healthy = world.receiver("healthy")
    server, api, dead, alive = fair_setup(world, hanging, healthy)
    try:
        scope = api.write("/api/scope/create", [("name", new_name("fair"))])["id"]
        service = api.write("/api/service/create", [("name", new_name("fair"))])["id"]
        marker = world.newest_of("fair:incidents:stream")
        started = time.monotonic()
        for _ in range(FAIR_WRITES):
            api.write("/api/incident/create", [("scope", scope), ("service", service),
                                               ("name", new_name("Incident")),
                                               ("severity", "high")])
        entries = world.stream_after(marker, stream="fair:incidents:stream")
        sids = [e.sid for e in entries if e.message.get("type") == "incident.created"]
        arrived = healthy.wait_for_sids(sids, 10)
        first_seen = {}
        for r in healthy.snapshot():
            first_seen.setdefault(r.sid, r)
        latencies = [first_seen[sid].at * 1000 - stream_ms(sid) for sid in sids
                     if sid in first_seen]
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        delivered_in = time.monotonic() - started
        # The dead endpoints: every first attempt times out (one at a time
        # each), then their retries come; seen in their deliveries lists.
        def retried():
            history = api.request("GET", "/api/webhook/%d/deliveries?limit=100" % dead[0]["id"],
                                  expect=(200,)).json()["items"]
            return history if any(h["attempt"] >= 2 for h in history) else None
        history = wait_until(retried, (FAIR_WRITES + 8) * FAIR_TIMEOUT_MS / 1000, 0.5) or []
        requests = healthy.snapshot()
        problems = compare_sets("healthy", set(first_seen), sids)
        problems += ["%s: no valid signature" % r.msg_id for r in requests
                     if not verify(alive["secret"], r.headers, r.body)]
        extra = len(requests) - len(first_seen)
        dead_requests = hanging.snapshot()
        concurrency = max_concurrent(dead_requests, FAIR_TIMEOUT_MS / 1000)
        measured.append("%d writes; the healthy endpoint got %d requests (%d distinct changes) "
                        "in %.2f s, commit -> arrival p50 %.0f ms, p99 %.0f ms, max %.0f ms "
                        "(timeout %d ms)" % (FAIR_WRITES, len(requests), len(first_seen),
                                             delivered_in, p50, p99, max(latencies or [0]),
                                             FAIR_TIMEOUT_MS))
        measured.append("%d dead endpoints: %d requests reached their receiver, at most %d at "
                        "once; endpoint %d's deliveries list: %s" % (
                            FAIR_HANGING, len(dead_requests), concurrency, dead[0]["id"],
                            collections.Counter("#%d %s (%s)" % (h["attempt"], h["outcome"],
                                                                 h["error"]) for h in history)))
        if not arrived:
            problems.append("not every change reached the healthy endpoint within 10 s")
        if extra:
            problems.append("the healthy endpoint got %d changes twice" % extra)
        if not latencies or p99 > FAIR_TIMEOUT_MS / 3:
            problems.append("healthy deliveries p99 %.0f ms: not well under the %d ms timeout" % (
                p99, FAIR_TIMEOUT_MS))
        if concurrency > FAIR_HANGING:
            problems.append("%d requests to the dead endpoints at once: more than one each" %
                            concurrency)
        if not any(h["attempt"] >= 2 for h in history):
            problems.append("no retry of dead endpoint %d recorded: %s" % (dead[0]["id"],
                                                                           summary(history)))
        failed = [h for h in history if h["outcome"] != "retrying" or h["error"] != "timed out"]
        if failed or not history:
            problems.append("dead endpoint %d: attempts other than timed out, retrying: %s" % (
                dead[0]["id"], summary(failed)))
        expect_no_problems(problems, "problems")
    finally:
        server.stop()


def max_concurrent(requests, lasting):
    """The most requests that were open at once, each counted open for 70 % of
    `lasting` (the timeout, when the sender gives up) from its arrival: the
    margin is for the arrival's delay after the connection."""
    events = sorted([(r.at, 1) for r in requests] + [(r.at + lasting * 0.7, -1)
                                                     for r in requests])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


CASES = [
    (1, "delivery: every change once, signed, timestamped, the message as body", case_delivery),
    (2, "filters: severity, event, scope; internal text only to internal=true", case_filters),
    (3, "retry: 500, 500, 200 -> three attempts, one webhook-id", case_retry),
    (4, "timeout: a receiver hanging past --webhook-timeout-ms", case_timeout),
    (5, "gone: 410 disables the endpoint", case_gone),
    (6, "receiver down 15 s while writes happen", case_receiver_down),
    (7, "two processes, one killed -9 mid-way", case_process_death),
    (8, "replay since a stream id, and since a date", case_replay),
    (9, "secret rotation: old and new signatures", case_rotation),
    (10, "address policy without --webhook-allow-private", case_address_policy),
    (11, "an attempt's outcome met by Redis refusing writes", case_redis_refuses),
    (12, "metrics: api-a's webhook counters against what the receivers saw", case_metrics),
    (13, "fairness: 40 hanging endpoints delay no delivery to a healthy one", case_fairness),
]


def sanitizer_reports(world):
    found = []
    for server in world.servers:
        try:
            with open(server.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        for line in text.splitlines():
            if ("Sanitizer" in line and "ERROR" in line) or "runtime error:" in line:
                found.append("%s: %s" % (server.name, line.strip()))
    return found


def secrets_logged(world):
    """Webhook secrets (whole, or their key part) and signatures found in a
    server's log."""
    needles = {secret for secret in world.secrets if secret}
    needles |= {secret[len("whsec_"):] for secret in needles}
    for receiver in world.receivers:
        for r in receiver.snapshot():
            needles.update(r.headers.get("webhook-signature", "").split())
    found = []
    for server in world.servers:
        try:
            with open(server.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        found += ["%s logs %s..." % (server.name, n[:12]) for n in needles if n in text]
    return found


def warnings_logged(world):
    found = collections.Counter()
    for server in world.servers:
        try:
            with open(server.log_path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if " WARN" in line or " ERROR" in line:
                        found["%s: %s" % (server.name, line.split(" ", 2)[-1][:200])] += 1
        except OSError:
            continue
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the incident-api executable")
    parser.add_argument("--redis-server", default="redis-server")
    parser.add_argument("--only", help="comma-separated case numbers")
    parser.add_argument("--keep-workdir", action="store_true")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        print("not an executable: %s" % args.binary, file=sys.stderr)
        return 2
    only = {int(n) for n in args.only.split(",")} if args.only else None

    def stop(signum, frame):
        raise Stopped("signal %d" % signum)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(signum, stop)
    signal.alarm(WATCHDOG_SECONDS)

    began = time.monotonic()
    results = []
    world = World(args)
    try:
        world.start_redis()
        main_server = world.main_server = world.start_server("api-a")
        world.wait_for_group()
        world.api = Api(main_server.port)
        world.api.login("webhook-e2e")
        world.service = world.api.write("/api/service/create",
                                        [("name", new_name("e2e-service"))])["id"]
        log("redis-server pid %d, api-a pid %d port %d, workdir %s (%.1f s to start)" % (
            world.redis_process.pid, main_server.pid, main_server.port, world.workdir,
            time.monotonic() - began))
        for number, title, run in CASES:
            if only and number not in only:
                continue
            log("\n== case %d: %s" % (number, title))
            measured = []
            case_began = time.monotonic()
            try:
                if not main_server.alive():
                    raise CheckFailed("api-a is not running:\n" + main_server.log_tail())
                run(world, measured)
                outcome = "PASS"
            except CheckFailed as failure:
                outcome = "FAIL: %s" % failure
            except Exception as error:  # noqa: BLE001 - reported as a failure
                outcome = "FAIL (error): %s\n%s" % (error, traceback.format_exc())
            finally:
                world.end_case()
            for line in measured:
                log("  " + line)
            log("  %s (%.1f s)" % (outcome, time.monotonic() - case_began))
            results.append((number, title, outcome))
        reports = sanitizer_reports(world)
        if reports:
            results.append((0, "sanitizers", "FAIL: " + "; ".join(reports[:5])))
        leaks = secrets_logged(world)
        log("\n%d webhook secrets and %d signatures looked for in the servers' logs: %s" % (
            len(world.secrets), sum(len(r.headers.get("webhook-signature", "").split())
                                    for rc in world.receivers for r in rc.snapshot()),
            "none found" if not leaks else leaks[:5]))
        if leaks:
            results.append((0, "secrets in logs", "FAIL: " + "; ".join(leaks[:5])))
    except CheckFailed as failure:
        results.append((0, "setup", "FAIL: %s" % failure))
    except Stopped as stopped:
        results.append((0, "run", "FAIL: stopped (%s)" % stopped))
    finally:
        signal.alarm(0)
        warnings = warnings_logged(world)
        world.close()
    foreign = sum(receiver.foreign for receiver in world.receivers)
    if foreign:
        log("\n%d requests came to the receivers' ports for other paths (other processes on "
            "this machine delivering to a port reused here): answered 404, not counted" % foreign)
    if warnings:
        log("\nwarnings logged by the servers:")
        for line, count in warnings.most_common(15):
            log("  %dx %s" % (count, line))
    log("\n== summary (%.1f s)" % (time.monotonic() - began))
    for number, title, outcome in results:
        log("  %s %-3s %s" % ("ok  " if outcome == "PASS" else "FAIL", number or "", title))
        if number == 0:
            log("       " + outcome)
    failed = [r for r in results if r[2] != "PASS"]
    log("%d of %d passed" % (len(results) - len(failed), len(results)))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
