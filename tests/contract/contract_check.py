#!/usr/bin/env python3
"""Contract test: the server's real answers against its OpenAPI document.

Starts the server binary (its own redis-server child, a temporary data
directory, rate limiting on) and Stoplight Prism as a validating proxy in
front of it, then:

  Pass A  `prism proxy --errors`: only requests that conform to the document,
          covering every operation (but the event stream) with its success
          paths, in every body encoding the document lists for writes (form,
          multipart, JSON; writes send `Prefer: return=representation`), and
          every conformant error path the server produces (401, 403, 404,
          409, 412, 400 for conformant but wrong input, 304, 503 with Redis
          frozen). Every answer must come from the server (it echoes our
          X-Request-Id; Prism's own answers do not) with no `sl-violations`.
  302     The writes' reference answer, `302 Found` (Prism follows redirects,
          so these go straight to the server): status, absolute `Location`,
          body `{"location": url}`, validated against the document's 302
          response by the schema checker below.
  Pass B  `prism proxy` without `--errors`: invalid input (missing and
          mistyped fields, out-of-range pagination, invalid UTF-8, empty
          bodies, oversized fields, bad If-Match / Idempotency-Key, unknown
          filter values...). A response violation is a failure; a request
          violation is expected only with a 4xx answer (both agree the
          request is bad); on a 2xx/3xx it means the document rejects what
          the server accepts: a failure.
  429     A second server with a limit of 3 requests per client, behind its
          own `prism proxy --errors`.
  SSE     GET /api/incident/stream read directly from the server (token
          holder and anonymous): each `data:` is validated against the
          document's ChangeFeedMessage.
  Hooks   The server (run with --webhook-allow-private) delivers webhooks to
          a receiver this script runs on a loopback port: every delivery's
          headers are checked against the document's `x-webhooks` operation,
          its signature against the endpoint's secrets (both during a
          rotation), its body against ChangeFeedMessage (the public view
          unless the endpoint is internal); then the endpoints' delivery
          histories, a 410 that disables one, a replay. The rate-limited
          server, run without the flag, refuses a loopback URL (400, `url`).

Every answer validated is also checked by the schema checker of this file
(the subset of OpenAPI 3.0 schemas the document uses), and recorded as
(operationId, status): an operation never exercised is a failure; the
statuses the document declares but no answer produced are listed.

Python 3 standard library only.

    contract_check.py --binary build/test/incident-api \\
        --prism tools/contract/node_modules/.bin/prism --document api/openapi.json
    contract_check.py --document api/openapi.json --break-document /tmp/broken.json
    contract_check.py ... --document /tmp/broken.json --expect-violations

Exit status: 0 when everything passed (with --expect-violations: when at
least one response violation was found), 1 otherwise, 2 for bad usage.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import http.client
import http.server
import itertools
import json
import os
import re
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

SECRET = "contract-secret"
ALL_PERMISSIONS = ("incident_api", "scope_api", "service_api", "webhook_api")

SERVER_READY_SECONDS = 30
PRISM_READY_SECONDS = 60
STOP_GRACE_SECONDS = 10
REQUEST_SECONDS = 20
REDIS_RECOVERY_SECONDS = 20
SSE_QUIET_SECONDS = 1.5
SSE_MAX_SECONDS = 8
WATCHDOG_SECONDS = 240  # the whole run; normally well under a minute
WEBHOOK_WAIT_SECONDS = 20  # for the deliveries the receiver expects
WEBHOOK_TYPES = ("incident.created", "incident.updated", "incident.commented", "incident.deleted",
                 "scope.created", "scope.updated", "scope.deleted", "service.created",
                 "service.updated", "service.deleted")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
STREAM_OPERATION = "streamIncidentChanges"
RATE_LIMIT = 3  # requests per window of the rate-limited server
RATE_PERIOD_SECONDS = 3600  # --api-ratelimit-period-hours 1
REQUEST_TIMEOUT = 2  # --request-timeout-seconds of the rate-limited server (408)
JSON_LIST_DEVIATION = (
    "the server reads a JSON array of scalars as a repeated form field and keeps its first "
    "value (\"service\": [1, 999999] is service 1): a JSON client's wrong type is accepted "
    "instead of a 400 (http/body_parser.cpp, parse_json_object)")
# Refused before the request was read whole: the server's own X-Request-Id.
UNREAD_STATUSES = (408, 413, 414, 417, 431)


class Stopped(BaseException):
    """SIGTERM/SIGINT/SIGALRM to this script: unwind through the finally blocks."""


class CheckFailed(Exception):
    """A step that cannot go on; its message says why."""


def log(message=""):
    print(message, flush=True)


# --------------------------------------------------------------------------
# The schema checker: the subset of OpenAPI 3.0 schema objects the document
# uses. An unknown keyword is an error of the checker, never silently passed.

ANNOTATIONS = {"description", "title", "example", "examples", "default", "deprecated",
               "readOnly", "writeOnly", "externalDocs", "xml"}
KEYWORDS = {"$ref", "type", "nullable", "enum", "required", "properties",
            "additionalProperties", "items", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "minLength", "maxLength", "pattern", "oneOf", "anyOf", "allOf",
            "not", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
            "format", "multipleOf"}
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


class SchemaChecker:
    def __init__(self, document):
        self.document = document
        self._patterns = {}

    def resolve(self, node):
        """Follows local $refs ("#/a/b") until a node without one."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("only local $refs are supported: " + ref)
            node = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 64:
                raise ValueError("$ref loop at " + ref)
        return node

    def _regex(self, pattern):
        if pattern not in self._patterns:
            self._patterns[pattern] = re.compile(pattern)
        return self._patterns[pattern]

    def validate(self, schema, value, where="$"):
        """The list of reasons `value` breaks `schema` (empty: it conforms)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return ["%s: the schema is not an object" % where]
        unknown = [k for k in schema if k not in KEYWORDS and k not in ANNOTATIONS
                   and not k.startswith("x-")]
        if unknown:
            return ["%s: the checker does not support %s" % (where, ", ".join(sorted(unknown)))]
        errors = []
        if value is None:
            if schema.get("nullable"):
                return []
            if "type" in schema or "enum" in schema:
                return ["%s: null is not allowed" % where]
        kind = schema.get("type")
        if kind is not None and not self._is_type(kind, value):
            return ["%s: expected %s, got %s" % (where, kind, json_type(value))]
        if "enum" in schema and not any(same_json(value, e) for e in schema["enum"]):
            errors.append("%s: %s is not one of %s" % (where, short(value), schema["enum"]))
        if isinstance(value, str):
            length = len(value)
            if "minLength" in schema and length < schema["minLength"]:
                errors.append("%s: shorter than %d characters" % (where, schema["minLength"]))
            if "maxLength" in schema and length > schema["maxLength"]:
                errors.append("%s: longer than %d characters" % (where, schema["maxLength"]))
            if "pattern" in schema and not self._regex(schema["pattern"]).search(value):
                errors.append("%s: %s does not match %s" % (where, short(value), schema["pattern"]))
            if schema.get("format") == "uri" and not URI.match(value):
                errors.append("%s: %s is not an absolute URI" % (where, short(value)))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema:
                low = schema["minimum"]
                if value < low or (schema.get("exclusiveMinimum") and value == low):
                    errors.append("%s: %s is below the minimum %s" % (where, value, low))
            if "maximum" in schema:
                high = schema["maximum"]
                if value > high or (schema.get("exclusiveMaximum") and value == high):
                    errors.append("%s: %s is above the maximum %s" % (where, value, high))
            if schema.get("format") == "int64" and isinstance(value, int) and \
                    not -2 ** 63 <= value < 2 ** 63:
                errors.append("%s: %s is not an int64" % (where, value))
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                errors.append("%s: fewer than %d items" % (where, schema["minItems"]))
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                errors.append("%s: more than %d items" % (where, schema["maxItems"]))
            if schema.get("uniqueItems"):
                texts = [json.dumps(v, sort_keys=True) for v in value]
                if len(set(texts)) != len(texts):
                    errors.append("%s: items are not unique" % where)
            if "items" in schema:
                for i, item in enumerate(value):
                    errors += self.validate(schema["items"], item, "%s[%d]" % (where, i))
        if isinstance(value, dict):
            for name in schema.get("required", ()):
                if name not in value:
                    errors.append("%s: required property %r is missing" % (where, name))
            properties = schema.get("properties", {})
            extra = schema.get("additionalProperties", True)
            for name, item in value.items():
                if name in properties:
                    errors += self.validate(properties[name], item, "%s.%s" % (where, name))
                elif extra is False:
                    errors.append("%s: property %r is not allowed" % (where, name))
                elif isinstance(extra, dict):
                    errors += self.validate(extra, item, "%s.%s" % (where, name))
            if "minProperties" in schema and len(value) < schema["minProperties"]:
                errors.append("%s: fewer than %d properties" % (where, schema["minProperties"]))
            if "maxProperties" in schema and len(value) > schema["maxProperties"]:
                errors.append("%s: more than %d properties" % (where, schema["maxProperties"]))
        for i, sub in enumerate(schema.get("allOf", ())):
            errors += self.validate(sub, value, "%s(allOf %d)" % (where, i))
        if "anyOf" in schema:
            branches = [self.validate(sub, value, where) for sub in schema["anyOf"]]
            if all(branches):
                errors.append("%s: matches no schema of anyOf (%s)" % (
                    where, " | ".join("; ".join(b[:2]) for b in branches)))
        if "oneOf" in schema:
            branches = [self.validate(sub, value, where) for sub in schema["oneOf"]]
            matched = sum(1 for b in branches if not b)
            if matched == 0:
                errors.append("%s: matches no schema of oneOf (%s)" % (
                    where, " | ".join("; ".join(b[:2]) for b in branches)))
            elif matched > 1:
                errors.append("%s: matches %d schemas of oneOf, not exactly one" % (where, matched))
        if "not" in schema and not self.validate(schema["not"], value, where):
            errors.append("%s: matches the schema of not" % where)
        return errors

    @staticmethod
    def _is_type(kind, value):
        if kind == "object":
            return isinstance(value, dict)
        if kind == "array":
            return isinstance(value, list)
        if kind == "string":
            return isinstance(value, str)
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "integer":
            return (isinstance(value, int) and not isinstance(value, bool)) or \
                (isinstance(value, float) and value.is_integer())
        if kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        raise ValueError("unknown type " + repr(kind))

    def validate_header(self, schema, text):
        """A header's text against its schema (integers are read from the text)."""
        resolved = self.resolve(schema)
        if resolved.get("type") in ("integer", "number"):
            if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text.strip()):
                return ["%r is not a number" % text]
            number = float(text) if "." in text else int(text)
            return self.validate(resolved, number, "value")
        return self.validate(resolved, text, "value")


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def same_json(a, b):
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, (int, float))
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def short(value, limit=80):
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------
# The document: operations by (method, path), their responses, and the check
# of one answer against the response the document declares for its status.

class Document:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = json.loads(f.read().decode("utf-8"))
        self.checker = SchemaChecker(self.data)
        self.operations = {}  # operationId -> (method, template, operation)
        self._routes = []     # (literal segments count, regex, method, operationId)
        for template, item in self.data["paths"].items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                op_id = operation["operationId"]
                self.operations[op_id] = (method.upper(), template, operation)
                pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$"
                literal = sum(1 for s in template.split("/") if s and not s.startswith("{"))
                self._routes.append((literal, re.compile(pattern), method.upper(), op_id))
        self._routes.sort(key=lambda r: -r[0])

    def operation_for(self, method, path):
        """The operationId serving `method` `path` (query ignored), or None."""
        bare = path.split("?", 1)[0]
        for _, regex, route_method, op_id in self._routes:
            if route_method == method and regex.match(bare):
                return op_id
        return None

    def declared_statuses(self, op_id):
        return sorted(k for k in self.operations[op_id][2]["responses"] if k != "default")

    def check_answer(self, op_id, answer):
        """Reasons the answer breaks the document's response for its status."""
        operation = self.operations[op_id][2]
        responses = operation["responses"]
        declared = responses.get(str(answer.status), responses.get("default"))
        if declared is None:
            return ["status %d is not declared for %s" % (answer.status, op_id)]
        declared = self.checker.resolve(declared)
        errors = []
        for name, header in declared.get("headers", {}).items():
            header = self.checker.resolve(header)
            if name.lower() == "content-type":
                continue
            value = answer.header(name)
            if value is None:
                if header.get("required"):
                    errors.append("header %s is required but absent" % name)
                continue
            errors += ["header %s: %s" % (name, e)
                       for e in self.checker.validate_header(header.get("schema", {}), value)]
        content = declared.get("content")
        if not content:
            if answer.body:
                errors.append("a body of %d bytes, where the document declares none"
                              % len(answer.body))
            return errors
        media_type = match_media_type(answer.header("content-type"), content)
        if media_type is None:
            errors.append("Content-Type %r is none of %s" % (answer.header("content-type"),
                                                            sorted(content)))
            return errors
        schema = content[media_type].get("schema")
        if schema is not None and is_json_media(media_type):
            try:
                body = json.loads(answer.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                return errors + ["the body is not JSON: %s" % error]
            errors += ["body " + e for e in self.checker.validate(schema, body, "$")]
        return errors

    def schema(self, name):
        return {"$ref": "#/components/schemas/" + name}


def normalize_media(text):
    return ";".join(part.strip() for part in text.lower().split(";"))


def match_media_type(content_type, content):
    if content_type is None:
        return None
    wanted = normalize_media(content_type)
    for key in content:
        if normalize_media(key) == wanted:
            return key
    base = wanted.split(";")[0]
    for key in content:
        if normalize_media(key).split(";")[0] == base:
            return key
    return None


def is_json_media(media_type):
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


# --------------------------------------------------------------------------
# HTTP

class Answer:
    def __init__(self, status, header_list, body):
        self.status = status
        self.header_list = header_list
        self.headers = {}
        for name, value in header_list:
            key = name.lower()
            self.headers[key] = value if key not in self.headers else \
                self.headers[key] + ", " + value
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def http_call(port, method, path, headers=None, body=None, timeout=REQUEST_SECONDS):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        sent = {k.lower() for k in (headers or {})}
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None and "content-length" not in sent:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, response.getheaders(), data)
    finally:
        connection.close()


def raw_call(port, data, timeout=REQUEST_SECONDS):
    """Sends bytes as they are (malformed requests); the answer, read until the
    connection closes or the body is whole."""
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            raw += chunk
            head, sep, body = raw.partition(b"\r\n\r\n")
            if sep:
                length = re.search(rb"(?im)^content-length:\s*([0-9]+)\s*$", head)
                if length and len(body) >= int(length.group(1)):
                    break
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise OSError("no HTTP answer: %r" % raw[:200])
    header_list = [tuple(part.strip() for part in line.split(":", 1))
                   for line in lines[1:] if ":" in line]
    return Answer(int(lines[0].split()[1]), header_list, body)


def form(pairs):
    return urllib.parse.urlencode(list(pairs)).encode("utf-8"), \
        "application/x-www-form-urlencoded"


def multipart(pairs):
    boundary = "contract" + uuid.uuid4().hex
    chunks = []
    for name, value in pairs:
        data = value if isinstance(value, bytes) else str(value).encode("utf-8")
        chunks.append(b"--" + boundary.encode() + b"\r\n" +
                      b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' +
                      data + b"\r\n")
    body = b"".join(chunks) + b"--" + boundary.encode() + b"--\r\n"
    return body, "multipart/form-data; boundary=" + boundary


def json_body(value):
    return json.dumps(value).encode("utf-8"), "application/json"


def query(path, pairs):
    return path + "?" + urllib.parse.urlencode(list(pairs))


def forged_token():
    """A well-formed HS256 token with every claim, signed with another secret."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({
        "iss": "ProdManager", "aud": "forger", "sub": "", "nbf": now - 60, "exp": now + 3600,
        "iat": now - 60, "jti": str(uuid.uuid4()), "version": 1,
        "permissions": list(ALL_PERMISSIONS)}).encode())
    signature = b64(hmac.new(b"not-the-secret", (header + "." + claims).encode(),
                             hashlib.sha256).digest())
    return header + "." + claims + "." + signature


def webhook_signature(secret, signed):
    """`v1,<base64 HMAC-SHA256>` of the bytes `signed` with a `whsec_` secret."""
    key = base64.b64decode((secret or "").split("_", 1)[-1])
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


# --------------------------------------------------------------------------
# Processes

def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid):
    """(comm, state, ppid) of a process, from /proc, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    comm = stat[stat.find("(") + 1:stat.rfind(")")]
    fields = stat[stat.rfind(")") + 2:].split()
    return comm, fields[0], int(fields[1])


def children_of(pid, name=None):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = proc_stat(int(entry))
        if stat and stat[2] == pid and (name is None or stat[0] == name):
            found.append(int(entry))
    return found


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as error:
        return "(cannot read %s: %s)" % (path, error)
    return "\n".join(text.splitlines()[-lines:])


class Server:
    """One incident-api process with its own data directory and redis-server."""

    def __init__(self, binary, workdir, name, port, external_url, limits, extra=()):
        self.binary, self.name, self.port = binary, name, port
        self.extra = list(extra)
        self.external_url = external_url
        self.limits = limits
        self.data_dir = tempfile.mkdtemp(prefix=name + "-", dir=workdir)
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None
        self.redis_pid = None

    def start(self):
        env = dict(os.environ, PM_SECRET_KEY=SECRET, ASAN_OPTIONS="detect_leaks=0")
        for key in list(env):
            if key.startswith("PM_") and key != "PM_SECRET_KEY":
                del env[key]
        args = [self.binary, "--port", str(self.port), "--data-dir", self.data_dir,
                "--external-url", self.external_url, "--api-ratelimit-enabled",
                "--api-ratelimit-default", str(self.limits[0]),
                "--api-ratelimit-logged", str(self.limits[1]),
                "--api-ratelimit-period-hours", str(RATE_PERIOD_SECONDS // 3600)] + self.extra
        deadline = time.monotonic() + 20
        while True:  # the binary may be being replaced by a build: retry a little
            try:
                with open(self.log_path, "ab") as out:
                    self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                                 stderr=subprocess.STDOUT, env=env)
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise CheckFailed("cannot start %s: %s" % (self.binary, error))
                time.sleep(1)

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CheckFailed("server %s exited with %s before it was ready:\n%s" % (
                    self.name, self.proc.returncode, tail(self.log_path)))
            try:
                if http_call(self.port, "GET", "/health", timeout=2).status == 200:
                    redis = children_of(self.proc.pid, "redis-server")
                    self.redis_pid = redis[0] if redis else None
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise CheckFailed("server %s not ready within %d s:\n%s" % (
            self.name, SERVER_READY_SECONDS, tail(self.log_path)))

    def stop(self):
        if self.proc is None:
            return
        if self.redis_pid:
            try:
                os.kill(self.redis_pid, signal.SIGCONT)  # never leave our Redis frozen
            except OSError:
                pass
        if self.proc.poll() is None:
            redis = children_of(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                for pid in redis:  # its children (redis-server) die with it
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        self.proc = None


class WebhookReceiver:
    """A webhook endpoint on a loopback port: records every POST the server
    delivers; /hook/gone answers 410 (the server then disables the endpoint),
    every other path 204."""

    def __init__(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append({
                        "path": self.path, "headers": list(self.headers.items()), "body": body,
                        "at": time.time()})
                self.send_response(410 if self.path == "/hook/gone" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]


class Prism:
    """`prism proxy` in a process group of its own."""

    def __init__(self, prism, document, upstream_port, port, errors, workdir, name):
        self.args = [prism, "proxy", document, "http://127.0.0.1:%d" % upstream_port,
                     "--host", "127.0.0.1", "--port", str(port)] + (["--errors"] if errors else [])
        self.port, self.name = port, name
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + PRISM_READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CheckFailed("prism %s exited with %s:\n%s" % (
                    self.name, self.proc.returncode, tail(self.log_path)))
            if "Prism is listening" in tail(self.log_path, 400):
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise CheckFailed("prism %s not listening within %d s:\n%s" % (
            self.name, PRISM_READY_SECONDS, tail(self.log_path)))

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.wait(5)
        else:
            try:  # whatever it left in its group
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc = None


# --------------------------------------------------------------------------
# The run: requests, checks, coverage

class Report:
    def __init__(self, document):
        self.document = document
        self.coverage = collections.defaultdict(set)   # operationId -> statuses
        self.failures = []
        self.response_violations = 0
        self.request_violations_expected = 0
        self.answers = 0
        self.known = []  # (request, why, detail): server deviations reported, not failed
        self.lock = threading.Lock()

    def record(self, op_id, status):
        if op_id:
            with self.lock:
                self.coverage[op_id].add(status)
                self.answers += 1

    def count_response_violation(self):
        with self.lock:
            self.response_violations += 1

    def known_deviation(self, what, why, detail):
        with self.lock:
            self.known.append((what, why, detail))
        log("  KNOWN %s\n        %s" % (what, why))

    def fail(self, what, detail):
        with self.lock:
            self.failures.append((what, detail))
        log("  FAIL %s\n       %s" % (what, detail.replace("\n", "\n       ")))


def parse_violations(answer):
    text = answer.header("sl-violations")
    if not text:
        return []
    try:
        found = json.loads(text)
    except ValueError:
        return [{"location": ["?"], "message": "unreadable sl-violations: " + text}]
    return found if isinstance(found, list) else [found]


def describe_violation(v):
    return "%s: %s (%s)" % (".".join(str(p) for p in v.get("location", [])),
                            v.get("message", ""), v.get("code", ""))


class Run:
    def __init__(self, args, document, report, workdir):
        self.args, self.document, self.report, self.workdir = args, document, report, workdir
        self.ids = itertools.count(1)
        self.tokens = {}
        self.state = {}

    # ---- one request through Prism, and the checks of its answer ----

    def send(self, port, label, method, path, token=None, headers=None, body=None,
             request_id=None, timeout=REQUEST_SECONDS):
        headers = dict(headers or {})
        if request_id is None:
            request_id = "contract-%s-%04d" % (label, next(self.ids))
        headers.setdefault("X-Request-Id", request_id)
        content = None
        if body is not None:
            content, content_type = body
            if content_type is not None:
                headers.setdefault("Content-Type", content_type)
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        answer = http_call(port, method, path, headers, content, timeout)
        return answer, request_id

    def what(self, label, method, path, answer):
        shown = path if len(path) <= 160 else path[:160] + "..."
        return "[%s] %s %s -> %s" % (label, method, shown, answer.status if answer else "no answer")

    def own_check(self, label, op_id, method, path, answer):
        """The document's response for the status, by this file's checker."""
        if op_id is None:
            self.report.fail(self.what(label, method, path, answer), "no operation of the "
                             "document serves this request")
            return False
        errors = self.document.check_answer(op_id, answer)
        if errors:
            self.report.count_response_violation()
            self.report.fail(self.what(label, method, path, answer),
                             "response breaks the document (own check):\n" + "\n".join(errors))
            return False
        return True

    def a(self, method, path, expect, **kw):
        """Pass A: a conformant request; the server's answer, with no violation."""
        return self._through(self.ports["A"], "A", method, path, expect, strict=True, **kw)

    def b(self, method, path, expect, **kw):
        """Pass B: invalid input; request violations only with a 4xx."""
        return self._through(self.ports["B"], "B", method, path, expect, strict=False, **kw)

    def r(self, method, path, expect, **kw):
        """The rate-limited server, through its own `prism proxy --errors`."""
        return self._through(self.ports["R"], "R", method, path, expect, strict=True, **kw)

    def _through(self, port, label, method, path, expect, strict, known=None, **kw):
        if isinstance(expect, int):
            expect = (expect,)
        try:
            answer, request_id = self.send(port, label, method, path, **kw)
        except OSError as error:
            self.report.fail("[%s] %s %s" % (label, method, path), "no answer: %s" % error)
            return None
        what = self.what(label, method, path, answer)
        op_id = self.document.operation_for(method, path)
        violations = parse_violations(answer)
        response_side = [v for v in violations if (v.get("location") or [""])[0] != "request"]
        request_side = [v for v in violations if (v.get("location") or [""])[0] == "request"]
        # Prism's own answers carry no X-Request-Id; the server's always do, its
        # own id when it refused the request before reading it whole.
        from_server = answer.header("x-request-id") is not None
        ok = True
        if response_side:
            self.report.count_response_violation()
            self.report.fail(what, "response violations (Prism):\n" +
                             "\n".join(describe_violation(v) for v in response_side))
            ok = False
        if request_side:
            if strict:
                self.report.fail(what, "Prism says the request breaks the document (it must "
                                 "conform in this pass):\n" +
                                 "\n".join(describe_violation(v) for v in request_side))
                ok = False
            elif not 400 <= answer.status < 500:
                reasons = "\n".join(describe_violation(v) for v in request_side)
                if known:
                    self.report.known_deviation(what, known, reasons)
                else:
                    self.report.fail(what, "the document rejects a request the server "
                                     "accepted:\n" + reasons)
                    ok = False
            else:
                with self.report.lock:
                    self.report.request_violations_expected += 1
        if not from_server:
            if ok:  # a Prism answer with its reasons, not already reported
                self.report.fail(what, "answered by Prism, not the server: %s" %
                                 answer.body[:600].decode("utf-8", "replace"))
            return None
        if answer.header("x-request-id") != request_id and answer.status not in UNREAD_STATUSES:
            self.report.fail(what, "the answer does not echo our X-Request-Id (%r)" %
                             answer.header("x-request-id"))
            ok = False
        if answer.status not in expect:
            self.report.fail(what, "expected %s; body: %s" % (
                "/".join(map(str, expect)), answer.body[:400].decode("utf-8", "replace")))
            ok = False
        if self.own_check(label, op_id, method, path, answer):
            self.report.record(op_id, answer.status)
        return answer

    def direct(self, port, method, path, expect, **kw):
        """Straight to a server (the 302s): checked by this file's checker only."""
        if isinstance(expect, int):
            expect = (expect,)
        try:
            answer, request_id = self.send(port, "D", method, path, **kw)
        except OSError as error:
            self.report.fail("[D] %s %s" % (method, path), "no answer: %s" % error)
            return None
        what = self.what("D", method, path, answer)
        if answer.header("x-request-id") != request_id and answer.status not in UNREAD_STATUSES:
            self.report.fail(what, "the answer does not echo our X-Request-Id")
        if answer.status not in expect:
            self.report.fail(what, "expected %s; body: %s" % (
                "/".join(map(str, expect)), answer.body[:400].decode("utf-8", "replace")))
            return answer
        op_id = self.document.operation_for(method, path)
        if self.own_check("D", op_id, method, path, answer):
            self.report.record(op_id, answer.status)
        return answer

    def raw(self, port, method, path, data, expect):
        """Bytes sent as they are straight to a server (requests no client library
        would send); the answer checked by this file's checker."""
        if isinstance(expect, int):
            expect = (expect,)
        try:
            answer = raw_call(port, data)
        except OSError as error:
            self.report.fail("[D] %s %s" % (method, path[:120]), "no answer: %s" % error)
            return None
        what = self.what("D", method, path, answer)
        if answer.header("x-request-id") is None:
            self.report.fail(what, "no X-Request-Id")
        if answer.status not in expect:
            self.report.fail(what, "expected %s; body: %s" % (
                "/".join(map(str, expect)), answer.body[:400].decode("utf-8", "replace")))
            return answer
        op_id = self.document.operation_for(method, path)
        if self.own_check("D", op_id, method, path, answer):
            self.report.record(op_id, answer.status)
        return answer

    def example_path(self, template):
        """A real path for a document path: {id} is an existing resource."""
        if "{id}" not in template:
            return template
        kind = template.split("/")[2]
        ids = {"incident": self.state.get("incidents", {}).get("one", 1),
               "scope": self.state.get("scope", [1])[0],
               "service": self.state.get("service", [1])[0],
               "webhook": self.state.get("webhook", {}).get("public", 1)}
        return template.replace("{id}", str(ids[kind]))

    # ---- helpers ----

    def ok_json(self, answer, what):
        if answer is None:
            raise CheckFailed("%s: no usable answer (see above)" % what)
        body = answer.json()
        if body is None:
            raise CheckFailed("%s: the body is not JSON" % what)
        return body

    def write(self, method, path, body, expect, token="all", prefer=True, headers=None, via="A"):
        headers = dict(headers or {})
        if prefer:
            headers["Prefer"] = "return=representation"
        token_text = self.tokens.get(token, token) if token else None
        return getattr(self, via.lower())(method, path, expect, token=token_text,
                                          headers=headers, body=body)

    # ---- Pass A ----

    def pass_a(self):
        log("Pass A: conformant requests through `prism proxy --errors`")
        secret_pairs = [("secret", SECRET)]
        # Tokens, in each body encoding.
        answer = self.a("POST", "/api/token/create", 200, body=form(
            secret_pairs + [("name", "contract-all"), ("description", "every permission")] +
            [("permission", p) for p in ALL_PERMISSIONS]))
        self.tokens["all"] = self.ok_json(answer, "token")
        answer = self.a("POST", "/api/token/create", 200, body=json_body(
            {"secret": SECRET, "name": "contract-incidents", "permission": "incident_api",
             "expiration_date": "2099-12-31T23:59"}))
        self.tokens["incidents"] = self.ok_json(answer, "token")
        answer = self.a("POST", "/api/token/create", 200, body=multipart(
            secret_pairs + [("name", "contract-none"), ("permission", "reports")]))
        self.tokens["none"] = self.ok_json(answer, "token")
        answer = self.a("POST", "/api/token/create", 200, body=form(
            secret_pairs + [("name", "contract-expired"), ("expiration_date", "2020-01-01 00:00")]))
        self.tokens["expired"] = self.ok_json(answer, "token")
        answer = self.a("POST", "/api/token/create", 200, body=json_body(
            {"secret": SECRET, "name": "contract-future", "not_before_date": "2099-01-01T00:00:00",
             "expiration_date": None, "permission": list(ALL_PERMISSIONS)}))
        self.tokens["future"] = self.ok_json(answer, "token")
        answer = self.a("POST", "/api/token/create", 200, body=form(
            secret_pairs + [("name", "contract-webhooks"), ("permission", "webhook_api")]))
        self.tokens["webhooks"] = self.ok_json(answer, "token")
        self.tokens["forged"] = forged_token()
        self.tokens["garbage"] = "not-a-token"
        self.a("POST", "/api/token/create", 400, body=form(
            [("secret", "wrong-secret"), ("name", "x")]))
        self.a("POST", "/api/token/create", 400, body=json_body(
            {"secret": SECRET, "name": "bad-date", "expiration_date": "2026-02-30T10:00"}))

        self.a("GET", "/api/token/whoami", 200, token=self.tokens["all"])
        self.a("GET", "/api/token/whoami", 200, token=self.tokens["none"])
        for bad in ("forged", "expired", "future", "garbage"):
            self.a("GET", "/api/token/whoami", 401, token=self.tokens[bad])

        try:  # first: the changes made next are delivered
            self.webhooks_a()
        except CheckFailed as error:  # the rest of Pass A does not need them
            self.report.fail("phase pass_a (webhooks)", str(error))
        self.catalog_a("scope")
        self.catalog_a("service")
        self.incidents_a()
        self.catalog_deletes_a("scope")
        self.catalog_deletes_a("service")
        self.operational_a()

    def catalog_a(self, kind):
        tag = "Scope" if kind == "scope" else "Service"
        base = "/api/" + kind
        created = []
        for encode, name in ((form, "Contract %s one" % tag), (json_body, None),
                             (multipart, "Contract %s three" % tag)):
            if encode is json_body:
                body = json_body({"name": "Contract %s two" % tag, "description": None})
            else:
                body = encode([("name", name), ("description", "A %s for the contract" % kind)])
            answer = self.write("POST", base + "/create", body, 201)
            created.append(self.ok_json(answer, kind + " create")["id"])
        self.state[kind] = created
        first, second, third = created
        self.write("POST", base + "/create", form([("name", "Contract %s one" % tag)]), 409)
        self.write("POST", base + "/create", form([("name", "Contract %s x" % tag)]), 403,
                   token="incidents")
        self.write("POST", base + "/create", form([("name", "Contract %s x" % tag)]), 403,
                   token="none")
        for bad in ("forged", "expired", "garbage"):
            self.write("POST", base + "/create", form([("name", "Contract %s y" % tag)]), 401,
                       token=bad)
        # Reads, anonymous and with a token.
        self.a("GET", "%s/%d" % (base, first), 200)
        self.a("GET", "%s/%d" % (base, first), 200, token=self.tokens["none"])
        self.a("GET", "%s/%d" % (base, 999999), 404)
        self.a("GET", "%s/%d" % (base, first), 401, token=self.tokens["forged"])
        self.a("GET", base, 200)
        self.a("GET", query(base, [("page", 1), ("per_page", 2)]), 200, token=self.tokens["all"])
        self.a("GET", query(base, [("page", 2), ("per_page", 2)]), 200)
        self.a("GET", query(base, [("per_page", 0)]), 200)
        self.a("GET", query(base, [("page", 500), ("per_page", 50)]), 200)
        self.a("GET", base, 401, token=self.tokens["expired"])
        # Updates, in each encoding.
        self.write("POST", "%s/%d/update" % (base, third), form(
            [("name", "Contract %s three b" % tag), ("description", "")]), 200)
        self.write("POST", "%s/%d/update" % (base, third), json_body(
            {"name": "Contract %s three c" % tag, "description": "described",
             "links": {"self": "ignored"}, "id": 12345}), 200)
        self.write("POST", "%s/%d/update" % (base, third), multipart(
            [("name", "Contract %s three d" % tag)]), 200)
        self.write("POST", "%s/%d/update" % (base, third), form(
            [("name", "Contract %s one" % tag)]), 409)
        self.write("POST", "%s/%d/update" % (base, 999999), form([("name", "Nobody")]), 404)
        self.write("POST", "%s/%d/update" % (base, third), form([("name", "No")]), 403,
                   token="none")
        self.write("POST", "%s/%d/update" % (base, third), form([("name", "No")]), 401,
                   token="forged")

    def catalog_deletes_a(self, kind):
        base = "/api/" + kind
        first, second, third = self.state[kind]
        # The first is used by incidents: 409.
        self.write("POST", "%s/%d/delete" % (base, first), None, 409)
        self.write("POST", "%s/%d/delete" % (base, third), None, 403, token="incidents")
        self.write("POST", "%s/%d/delete" % (base, third), None, 401, token="expired")
        self.write("POST", "%s/%d/delete" % (base, 999999), None, 404)
        self.write("POST", "%s/%d/delete" % (base, third), form([("unused", "x")]), 204)
        extra = self.ok_json(self.write("POST", base + "/create", json_body(
            {"name": "Contract %s to delete" % kind}), 201), "create")["id"]
        self.write("POST", "%s/%d/delete" % (base, extra), json_body({"ignored": True}), 204)
        extra = self.ok_json(self.write("POST", base + "/create", multipart(
            [("name", "Contract %s to delete too" % kind)]), 201), "create")["id"]
        self.write("POST", "%s/%d/delete" % (base, extra), multipart([("x", "y")]), 204)
        self.a("GET", "%s/%d" % (base, third), 404)

    def incident_fields(self, **overrides):
        fields = {"scope": self.state["scope"][0], "service": self.state["service"][0],
                  "name": "Contract outage", "severity": "high"}
        fields.update(overrides)
        return fields

    def incidents_a(self):
        scope, service = self.state["scope"][0], self.state["service"][0]
        other_scope = self.state["scope"][1]
        ids = {}
        # Creates, in each encoding.
        answer = self.write("POST", "/api/incident/create", form(list(self.incident_fields(
            description="Primary database unreachable", external_reference="INC-1",
            external_link="https://tracker.example.org/INC-1",
            start_impact_date="2026-01-01T10:00").items())), 201)
        ids["one"] = self.ok_json(answer, "incident create")["id"]
        answer = self.write("POST", "/api/incident/create", multipart(list(self.incident_fields(
            name="Contract multipart", severity="critical", scope=other_scope,
            start_impact_date="2026-01-02 11:30:15").items())), 201)
        ids["two"] = self.ok_json(answer, "incident create")["id"]
        key = "contract-" + uuid.uuid4().hex
        answer = self.write("POST", "/api/incident/create", json_body(self.incident_fields(
            service=str(service), name="Contract JSON", severity="low", external_reference=None,
            external_link="http://status.example.org/x?y=1#z", start_impact_date=None,
            events=[], links={"self": "ignored"})), 201, headers={"Idempotency-Key": key})
        ids["three"] = self.ok_json(answer, "incident create")["id"]
        answer = self.write("POST", "/api/incident/create", json_body(self.incident_fields(
            service=str(service), name="Contract JSON", severity="low")), 201,
            headers={"Idempotency-Key": key})
        if answer is not None and self.ok_json(answer, "replay")["id"] != ids["three"]:
            self.report.fail("[A] idempotent create replay", "answered another incident")
        doomed_key = "contract-" + uuid.uuid4().hex
        answer = self.write("POST", "/api/incident/create", form(list(self.incident_fields(
            name="Contract doomed", severity="minor").items())), 201, token="incidents",
            headers={"Idempotency-Key": doomed_key})
        ids["doomed"] = self.ok_json(answer, "incident create")["id"]
        answer = self.write("POST", "/api/incident/create", json_body(self.incident_fields(
            name="Contract deleted with JSON", severity="moderate")), 201)
        ids["json-delete"] = self.ok_json(answer, "incident create")["id"]
        self.state["incidents"] = ids
        # Conformant but wrong: an unknown scope or service (400), no permission, bad tokens.
        self.write("POST", "/api/incident/create", form(list(self.incident_fields(
            scope=999999).items())), 400)
        self.write("POST", "/api/incident/create", json_body(self.incident_fields(
            service=999999)), 400)
        self.write("POST", "/api/incident/create", form(list(self.incident_fields().items())),
                   403, token="none")
        self.write("POST", "/api/incident/create", json_body(self.incident_fields(
            padding="p" * (1 << 20))), 413)
        for bad in ("forged", "expired", "future"):
            self.write("POST", "/api/incident/create", form(list(self.incident_fields().items())),
                       401, token=bad)

        one = ids["one"]
        # Reads.
        answer = self.a("GET", "/api/incident/%d" % one, 200)
        body = self.ok_json(answer, "anonymous read")
        if any(e.get("internal") for e in body.get("events", [])):
            self.report.fail("[A] GET /api/incident/%d" % one, "anonymous view shows internal "
                             "events")
        self.a("GET", "/api/incident/%d" % one, 200, token=self.tokens["none"])
        self.a("GET", "/api/incident/%d" % 999999, 404)
        self.a("GET", "/api/incident/%d" % one, 401, token=self.tokens["forged"])
        self.a("GET", "/api/incident/%d" % one, 401, token=self.tokens["expired"])
        # Lists with every filter.
        self.a("GET", "/api/incident", 200)
        self.a("GET", "/api/incident", 200, token=self.tokens["all"])
        self.a("GET", query("/api/incident", [("status", "active"), ("status", "investigating"),
                                              ("severity", "high")]), 200)
        self.a("GET", query("/api/incident", [("scope", scope), ("service", service)]), 200)
        self.a("GET", query("/api/incident", [("external_reference", "INC-1")]), 200,
               token=self.tokens["all"])
        self.a("GET", query("/api/incident", [("impact_after", "2026-01-01T00:00"),
                                              ("impact_before", "2026-12-31 23:59:59"),
                                              ("severity", "critical"), ("severity", "high"),
                                              ("status", "active")]), 200)
        self.a("GET", query("/api/incident", [("page", 2), ("per_page", 1)]), 200)
        self.a("GET", query("/api/incident", [("per_page", 0)]), 200)
        self.a("GET", query("/api/incident", [("page", 10000000), ("per_page", 50)]), 200)
        self.a("GET", query("/api/incident", [("impact_after", "2026-02-30T10:00")]), 400)
        self.a("GET", query("/api/incident", [("impact_before", "1969-12-31T23:59")]), 400)
        self.a("GET", query("/api/incident", [("external_reference", "x" * 255)]), 200)
        self.a("GET", "/api/incident", 401, token=self.tokens["garbage"])

        # Updates, in each encoding, through the lifecycle, with each If-Match form.
        path = "/api/incident/%d/update" % one
        base = dict(self.incident_fields())
        self.write("POST", path, form(list(dict(base, status="investigating").items())), 200,
                   headers={"If-Match": '"1"'})
        self.write("POST", path, multipart(list(dict(base, status="stable",
                                                     external_reference="").items())), 200,
                   headers={"If-Match": 'W/"2"'})
        self.write("POST", path, json_body(dict(base, status="resolved", scope=str(scope),
                                                description=None, external_link=None,
                                                resolve_date="2026-01-03T10:00")), 200,
                   headers={"If-Match": "3"})
        self.write("POST", path, json_body(dict(base, status="active")), 200,
                   headers={"If-Match": "*"})
        self.write("POST", path, json_body(dict(base, status="active")), 200)  # no change
        self.write("POST", path, form(list(dict(base, status="active").items())), 412,
                   headers={"If-Match": '"1"'})
        self.write("POST", path, form(list(dict(base, status="active").items())), 400,
                   headers={"If-Match": '"99999999999999999999"'})
        self.write("POST", path, form(list(dict(base, status="stable",
                                                stable_date="2025-01-01T00:00").items())), 400)
        self.write("POST", path, form(list(dict(base, status="active",
                                                resolve_date="2026-06-01T00:00").items())), 400)
        self.write("POST", path, form(list(dict(base, status="active", scope=999999).items())),
                   400)
        self.write("POST", "/api/incident/999999/update",
                   form(list(dict(base, status="active").items())), 404)
        self.write("POST", path, form(list(dict(base, status="active").items())), 403,
                   token="none")
        self.write("POST", path, form(list(dict(base, status="active").items())), 401,
                   token="forged")

        # Comments, in each encoding, with If-Match and Idempotency-Key.
        path = "/api/incident/%d/comment" % one
        self.write("POST", path, form([("comment", "Failover started"), ("internal", "on")]), 200)
        self.write("POST", path, multipart([("comment", "  indented log line"),
                                            ("internal", "0")]), 200)
        key = "comment-" + uuid.uuid4().hex
        first = self.write("POST", path, json_body({"comment": "Public note", "internal": False}),
                           200, headers={"Idempotency-Key": key})
        again = self.write("POST", path, json_body({"comment": "Public note", "internal": False}),
                           200, headers={"Idempotency-Key": key})
        if first is not None and again is not None and \
                self.ok_json(first, "comment")["version"] != self.ok_json(again, "c")["version"]:
            self.report.fail("[A] comment replay", "the replay added a second comment")
        self.write("POST", path, json_body({"comment": "Internal by number", "internal": 1}), 200)
        self.write("POST", path, json_body({"comment": "Flag as text", "internal": "yes"}), 200)
        self.write("POST", path, form([("comment", "Stale")]), 412, headers={"If-Match": '"2"'})
        self.write("POST", path, form([("comment", "Huge")]), 400,
                   headers={"If-Match": "99999999999999999999"})
        self.write("POST", "/api/incident/999999/comment", form([("comment", "Nobody")]), 404)
        self.write("POST", path, form([("comment", "No")]), 403, token="none")
        self.write("POST", path, form([("comment", "No")]), 401, token="expired")

        # Deletes: no body, a form, JSON; 404, 412, 403, 401; a create replayed after delete.
        doomed = ids["doomed"]
        self.write("POST", "/api/incident/%d/delete" % doomed, None, 412,
                   headers={"If-Match": '"7"'})
        self.write("POST", "/api/incident/%d/delete" % doomed, None, 400,
                   headers={"If-Match": '"99999999999999999999"'})
        self.write("POST", "/api/incident/%d/delete" % doomed, None, 403, token="none")
        self.write("POST", "/api/incident/%d/delete" % doomed, None, 401, token="forged")
        self.write("POST", "/api/incident/%d/delete" % doomed, form([("x", "y")]), 204,
                   token="incidents", headers={"If-Match": '"1"'})
        self.write("POST", "/api/incident/%d/delete" % ids["json-delete"],
                   json_body({"reason": "ignored"}), 204)
        self.write("POST", "/api/incident/%d/delete" % doomed, None, 404)
        self.a("GET", "/api/incident/%d" % doomed, 404)
        self.write("POST", "/api/incident/create", form(list(self.incident_fields(
            name="Contract doomed", severity="minor").items())), 404, token="incidents",
            headers={"Idempotency-Key": doomed_key})
        # One more, deleted with a multipart body.
        answer = self.write("POST", "/api/incident/create", form(list(self.incident_fields(
            name="Contract deleted with multipart").items())), 201)
        victim = self.ok_json(answer, "incident create")["id"]
        self.write("POST", "/api/incident/%d/delete" % victim, multipart([("x", "y")]), 204)

    def operational_a(self):
        for path in ("/health", "/health/live", "/health/ready", "/health/version", "/metrics",
                     "/api/docs"):
            self.a("GET", path, 200)
        for path in ("/api/openapi.json", "/api/docs/swagger-ui.css",
                     "/api/docs/swagger-ui-bundle.js", "/api/docs/favicon-32x32.png", "/api"):
            answer = self.a("GET", path, 200)
            etag = answer.header("etag") if answer else None
            if etag:
                self.a("GET", path, 304, headers={"If-None-Match": etag})
                self.a("GET", path, 304, headers={"If-None-Match": 'W/"x", ' + etag})
        self.a("GET", "/api", 200, headers={"Accept": "text/html,application/xhtml+xml"})
        self.a("GET", "/api/openapi.json", 200, headers={"If-None-Match": '"0000000000000000"'})

    # ---- webhooks (Pass A) ----

    def names_field(self, answer, field, text=None):
        """A 4xx's reasons name `field` (with `text` among them, if given)."""
        if answer is None or not 400 <= answer.status < 500:
            return
        reasons = (answer.json() or {}).get("reasons", {})
        if field not in reasons or (text is not None and text not in reasons[field]):
            self.report.fail("[%s] %d naming %s" % (answer.header("x-request-id"),
                                                    answer.status, field),
                             "reasons %s do not name %s%s" % (
                                 short(reasons, 300), field,
                                 "" if text is None else " with %r" % text))

    def created_webhook(self, answer, name, path):
        """Keeps a created endpoint's id and secret; checks Location and the secret."""
        body = self.ok_json(answer, "webhook create " + name)
        self.state.setdefault("webhook", {})[name] = body["id"]
        if answer.header("location") != body.get("links", {}).get("self"):
            self.report.fail("[A] webhook create %s" % name, "Location %r is not links.self %r" % (
                answer.header("location"), body.get("links", {}).get("self")))
        if path:
            self.webhook_secrets.setdefault(path, []).append(body.get("secret"))
        return body

    def webhooks_a(self):
        receiver = self.receiver
        base = "/api/webhook"
        self.webhook_secrets = {}  # receiver path -> secrets, oldest first
        # Creates, in each encoding (Prefer is ignored: always 201 with the secret).
        answer = self.write("POST", base + "/create", form(
            [("url", receiver.url("/hook/public")), ("description", "Every change, public view"),
             ("event", "incident.*"), ("event", "scope.*"), ("event", "service.*")]), 201)
        self.created_webhook(answer, "public", "/hook/public")
        answer = self.write("POST", base + "/create", json_body(
            {"url": receiver.url("/hook/internal"), "description": None, "internal": True,
             "event": ["incident.created", "incident.updated", "incident.commented",
                       "incident.deleted", "incident.created"]}), 201, prefer=False)
        body = self.created_webhook(answer, "internal", "/hook/internal")
        if body.get("events") != ["incident.created", "incident.updated", "incident.commented",
                                  "incident.deleted"]:
            self.report.fail("[A] webhook create internal", "events %r: not the four given, "
                             "once each" % body.get("events"))
        answer = self.write("POST", base + "/create", multipart(
            [("url", receiver.url("/hook/filtered")), ("event", "scope.created"),
             ("event", "service.deleted"), ("severity", "high"), ("status", "active"),
             ("internal", "no"), ("enabled", "yes")]), 201, token="webhooks")
        self.created_webhook(answer, "filtered", "/hook/filtered")
        answer = self.write("POST", base + "/create", json_body(
            {"url": receiver.url("/hook/gone"), "event": "scope.*"}), 201)
        self.created_webhook(answer, "gone", "/hook/gone")
        dead = "http://127.0.0.1:%d/hook" % free_loopback_port()  # nothing listens
        answer = self.write("POST", base + "/create", form([("url", dead)]), 201)
        body = self.created_webhook(answer, "dead", None)
        if body.get("events") != ["incident.*"] or body.get("enabled") is not True:
            self.report.fail("[A] webhook create dead", "no event should mean incident.*, "
                             "enabled: %s" % short(body))
        answer = self.write("POST", base + "/create", json_body(
            {"url": dead.upper().replace("/HOOK", "/scratch"), "enabled": False,
             "scope": ["1", 2], "service": 3, "severity": "critical", "status": ["resolved"],
             "links": {"self": "ignored"}, "id": 12345}), 201)
        body = self.created_webhook(answer, "scratch", None)
        if body.get("filters") != {"scope": [1, 2], "service": [3], "severity": ["critical"],
                                   "status": ["resolved"]} or body.get("enabled") is not False:
            self.report.fail("[A] webhook create scratch", "filters or enabled not as sent: %s"
                             % short(body, 300))
        ids = self.state["webhook"]
        scratch = ids["scratch"]
        # Conformant but wrong: a host that is not a dotted quad, an id past 2^53-1, a
        # calendar date that does not exist; no permission, bad tokens.
        self.names_field(self.write("POST", base + "/create", form([("url", "http://127.1/")]),
                                    400), "url")
        self.names_field(self.write("POST", base + "/create", json_body(
            {"url": dead, "scope": ["9007199254740992"]}), 400), "scope")
        self.write("POST", base + "/create", json_body({"url": dead, "padding": "p" * (1 << 20)}),
                   413)
        self.write("POST", base + "/create", form([("url", dead)]), 403, token="incidents")
        self.write("POST", base + "/create", form([("url", dead)]), 403, token="none")
        for bad in ("forged", "expired", "garbage"):
            self.write("POST", base + "/create", form([("url", dead)]), 401, token=bad)
        # Reads: a token with webhook_api is needed.
        for who in ("all", "webhooks"):
            answer = self.a("GET", "%s/%d" % (base, ids["public"]), 200, token=self.tokens[who])
            if answer is not None and "secret" in (answer.json() or {}):
                self.report.fail("[A] GET webhook", "the secret is shown")
        self.a("GET", "%s/%d" % (base, 999999), 404, token=self.tokens["all"])
        self.a("GET", "%s/%d" % (base, ids["public"]), 403, token=self.tokens["incidents"])
        self.a("GET", "%s/%d" % (base, ids["public"]), 401, token=self.tokens["forged"])
        self.a("GET", base, 200, token=self.tokens["all"])
        self.a("GET", query(base, [("page", 1), ("per_page", 2)]), 200, token=self.tokens["all"])
        self.a("GET", query(base, [("page", 2), ("per_page", 2)]), 200,
               token=self.tokens["webhooks"])
        self.a("GET", query(base, [("per_page", 0)]), 200, token=self.tokens["all"])
        self.a("GET", query(base, [("page", 500), ("per_page", 50)]), 200,
               token=self.tokens["all"])
        self.a("GET", base, 403, token=self.tokens["none"])
        self.a("GET", base, 401, token=self.tokens["expired"])
        # Updates, in each encoding.
        path = "%s/%d/update" % (base, scratch)
        answer = self.write("POST", path, form(
            [("description", ""), ("event", ""), ("scope", ""), ("enabled", "on")]), 200)
        body = self.ok_json(answer, "webhook update") if answer is not None else {}
        if body.get("events") != ["incident.*"] or body.get("filters", {}).get("scope") != [] \
                or body.get("filters", {}).get("service") != [3] or body.get("enabled") is not True:
            self.report.fail("[A] webhook update (form)", "an empty event and scope should give "
                             "incident.* and clear scope, keep service: %s" % short(body, 300))
        self.write("POST", path, json_body(
            {"url": receiver.url("/hook/scratch"), "event": ["scope.deleted"], "scope": [],
             "severity": None, "internal": 0, "enabled": "off", "description": "Scratch",
             "filters": {"scope": [5]}, "links": {"self": "ignored"}, "id": 1}), 200)
        self.write("POST", path, multipart([("status", "resolved"), ("status", "stable"),
                                            ("internal", "y")]), 200, token="webhooks")
        self.names_field(self.write("POST", path, form([("url", "http://127.1/")]), 400), "url")
        self.names_field(self.write("POST", path, json_body({"service": ["9007199254740992"]}),
                                    400), "service")
        self.write("POST", "%s/%d/update" % (base, 999999), form([("description", "x")]), 404)
        self.write("POST", path, form([("description", "x")]), 403, token="none")
        self.write("POST", path, form([("description", "x")]), 401, token="forged")
        # Rotation: a new secret.
        path = "%s/%d/rotate-secret" % (base, scratch)
        first = self.write("POST", path, None, 200, prefer=False)
        again = self.write("POST", path, form([("ignored", "x")]), 200)
        if first is not None and again is not None and \
                self.ok_json(first, "rotate")["secret"] == self.ok_json(again, "rotate")["secret"]:
            self.report.fail("[A] rotate-secret", "the same secret twice")
        self.write("POST", "%s/%d/rotate-secret" % (base, 999999), None, 404)
        self.write("POST", path, None, 403, token="incidents")
        self.write("POST", path, None, 401, token="expired")
        # Deliveries and replays of an endpoint with none yet (the others are checked
        # once the receiver has had its deliveries).
        path = "%s/%d/deliveries" % (base, scratch)
        self.a("GET", path, 200, token=self.tokens["all"])
        self.a("GET", query(path, [("limit", 1)]), 200, token=self.tokens["webhooks"])
        self.a("GET", query(path, [("limit", 100)]), 200, token=self.tokens["all"])
        self.a("GET", "%s/%d/deliveries" % (base, 999999), 404, token=self.tokens["all"])
        self.a("GET", path, 403, token=self.tokens["none"])
        self.a("GET", path, 401, token=self.tokens["garbage"])
        path = "%s/%d/replay" % (base, scratch)
        for body, start in ((form([("since", "0-0")]), "0-0"),
                            (json_body({"since": "2026-01-01T00:00"}), "1767225600000-0"),
                            (multipart([("since", "1733300000000")]), "1733300000000-0"),
                            (json_body({"since": 0}), "0-0"),
                            (form([("since", "2026-01-01 00:00:30")]), "1767225600000-0")):
            answer = self.write("POST", path, body, 202)
            if answer is not None and answer.status == 202 and \
                    self.ok_json(answer, "replay")["from"] != start:
                self.report.fail("[A] replay", "from %r, expected %r" % (answer.json(), start))
        self.names_field(self.write("POST", path, form([("since", "2026-02-30T10:00")]), 400),
                         "since")
        self.write("POST", "%s/%d/replay" % (base, 999999), form([("since", "0")]), 404)
        self.write("POST", path, form([("since", "0")]), 403, token="incidents")
        self.write("POST", path, form([("since", "0")]), 401, token="forged")
        # Deletes: no body, a form, JSON, multipart; 404, 403, 401.
        doomed = []
        for n in range(3):
            answer = self.write("POST", base + "/create", form([("url", dead + str(n))]), 201)
            doomed.append(self.ok_json(answer, "webhook create")["id"])
        self.write("POST", "%s/%d/delete" % (base, doomed[0]), None, 403, token="incidents")
        self.write("POST", "%s/%d/delete" % (base, doomed[0]), None, 401, token="expired")
        self.write("POST", "%s/%d/delete" % (base, doomed[0]), None, 204)
        self.write("POST", "%s/%d/delete" % (base, doomed[1]), json_body({"ignored": True}), 204)
        self.write("POST", "%s/%d/delete" % (base, doomed[2]), multipart([("x", "y")]), 204,
                   token="webhooks")
        self.write("POST", "%s/%d/delete" % (base, doomed[0]), form([("x", "y")]), 404)
        self.a("GET", "%s/%d" % (base, doomed[1]), 404, token=self.tokens["all"])
        self.a("GET", "%s/%d/deliveries" % (base, doomed[2]), 404, token=self.tokens["all"])

    # ---- 302: the reference's answer, straight from the server ----

    def redirects(self):
        log("302: writes without Prefer, straight to the server")
        port, external = self.ports["server"], self.external_url
        token = self.tokens["all"]

        def check(method, path, body, location_path, etag):
            answer = self.direct(port, method, path, 302, token=token, body=body)
            if answer is None or answer.status != 302:
                return None
            what = self.what("D", method, path, answer)
            location = answer.header("location") or ""
            parsed = urllib.parse.urlsplit(location)
            if not (parsed.scheme in ("http", "https") and parsed.netloc):
                self.report.fail(what, "Location %r is not an absolute URL" % location)
            if not re.fullmatch(re.escape(external) + location_path, location):
                self.report.fail(what, "Location %r is not %s%s" % (location, external,
                                                                    location_path))
            body = answer.json()
            if body != {"location": location}:
                self.report.fail(what, "body %r is not {\"location\": Location}" % (
                    answer.body[:300],))
            if etag and not re.fullmatch(r'"[0-9]+"', answer.header("etag") or ""):
                self.report.fail(what, "no ETag")
            return location

        made = {}
        for kind in ("scope", "service"):
            base = "/api/" + kind
            ids = []
            for encode, name in ((form, "one"), (json_body, "two"), (multipart, "three")):
                label = "Redirect %s %s" % (kind, name)
                body = json_body({"name": label}) if encode is json_body else \
                    encode([("name", label)])
                location = check("POST", base + "/create", body, re.escape(base) + "/[0-9]+",
                                 False)
                if location:
                    ids.append(int(location.rsplit("/", 1)[1]))
                    self.a("GET", urllib.parse.urlsplit(location).path, 200)
            made[kind] = ids
            if len(ids) == 3:
                for encode in (form, json_body, multipart):
                    label = "Redirect %s renamed %s" % (kind, encode.__name__)
                    body = json_body({"name": label}) if encode is json_body else \
                        encode([("name", label)])
                    check("POST", "%s/%d/update" % (base, ids[0]), body,
                          re.escape("%s/%d" % (base, ids[0])), False)
                check("POST", "%s/%d/delete" % (base, ids[2]), None, re.escape(base), False)
        if not made.get("scope") or not made.get("service"):
            raise CheckFailed("no scope or service to create incidents under")
        fields = {"scope": made["scope"][0], "service": made["service"][0],
                  "name": "Redirected incident", "severity": "moderate"}
        incidents = []
        for encode in (form, json_body, multipart):
            body = json_body(fields) if encode is json_body else encode(list(fields.items()))
            location = check("POST", "/api/incident/create", body, r"/api/incident/[0-9]+", True)
            if location:
                incidents.append(int(location.rsplit("/", 1)[1]))
                self.a("GET", urllib.parse.urlsplit(location).path, 200, token=token)
        if incidents:
            first = incidents[0]
            for encode, status in ((form, "investigating"), (json_body, "stable"),
                                   (multipart, "resolved")):
                update = dict(fields, status=status)
                body = json_body(update) if encode is json_body else encode(list(update.items()))
                check("POST", "/api/incident/%d/update" % first, body,
                      re.escape("/api/incident/%d" % first), True)
            for encode in (form, json_body, multipart):
                comment = {"comment": "Redirected comment (%s)" % encode.__name__}
                body = json_body(comment) if encode is json_body else \
                    encode(list(comment.items()))
                check("POST", "/api/incident/%d/comment" % first, body,
                      re.escape("/api/incident/%d" % first), True)
            check("POST", "/api/incident/%d/delete" % incidents[-1], None,
                  re.escape("/api/incident"), False)
        # A webhook's create is 201 all the same (its secret is shown only then);
        # its update and delete answer 302 like the others.
        answer = self.direct(port, "POST", "/api/webhook/create", 201, token=token, body=form(
            [("url", "http://127.0.0.1:%d/redirected" % free_loopback_port())]))
        if answer is not None and answer.status == 201:
            hook = self.ok_json(answer, "webhook create")["id"]
            if answer.header("location") != "%s/api/webhook/%d" % (external, hook):
                self.report.fail("[D] POST /api/webhook/create -> 201", "Location %r" %
                                 answer.header("location"))
            for encode in (form, json_body, multipart):
                body = json_body({"description": "Redirected"}) if encode is json_body else \
                    encode([("description", "Redirected %s" % encode.__name__)])
                check("POST", "/api/webhook/%d/update" % hook, body,
                      re.escape("/api/webhook/%d" % hook), False)
            check("POST", "/api/webhook/%d/delete" % hook, None, re.escape("/api/webhook"), False)

    # ---- Pass B ----

    def pass_b(self):
        log("Pass B: invalid input through `prism proxy` (no --errors)")
        one = self.state.get("incidents", {}).get("one", 1)
        scope = self.state.get("scope", [1])[0]
        service = self.state.get("service", [1])[0]
        good = {"scope": scope, "service": service, "name": "Contract outage",
                "severity": "high"}
        create = "/api/incident/create"
        bad_creates = [
            form([("scope", scope), ("service", service), ("severity", "high")]),  # no name
            form([]),                                                          # empty body
            (b"", None),                                                       # no type at all
            json_body({}),
            json_body(dict(good, scope="abc")),
            json_body(dict(good, scope=0)),
            json_body(dict(good, scope=True)),
            json_body(dict(good, severity="huge")),
            json_body(dict(good, name="abc")),                                 # too short
            json_body(dict(good, name="   ")),                                 # blank
            json_body(dict(good, name="n" * 256)),                             # too long
            json_body(dict(good, name=12345)),
            json_body(dict(good, external_link="ftp://example.org/x")),
            json_body(dict(good, external_link="https://")),
            json_body(dict(good, external_reference="r" * 256)),
            json_body(dict(good, description="d" * 65537)),
            json_body(dict(good, start_impact_date="yesterday")),
            json_body(dict(good, start_impact_date="2026-13-01T00:00")),
            (b"[1, 2]", "application/json"),                                   # not an object
            (b"scope=1&service=1&name=%FF%FEoutage&severity=high",
             "application/x-www-form-urlencoded"),                             # invalid UTF-8
            (b"name=Contract+outage", "text/plain"),                           # unsupported type
            (b"--x\r\nbroken", "multipart/form-data; boundary=x"),             # bad multipart
            multipart([("scope", "one"), ("service", service), ("name", "Outage"),
                       ("severity", "high")]),
        ]
        for body in bad_creates:
            self.b("POST", create, 400, token=self.tokens["all"], body=body,
                   headers={"Prefer": "return=representation"})
        self.b("POST", create, (400, 201), token=self.tokens["all"],
               body=json_body(dict(good, service=[service, 999999])),
               headers={"Prefer": "return=representation"}, known=JSON_LIST_DEVIATION)
        self.b("POST", create, 400, token=self.tokens["all"], body=json_body(good),
               headers={"Idempotency-Key": "k" * 256, "Prefer": "return=representation"})
        self.b("POST", create, 400, token=self.tokens["all"], body=json_body(good),
               headers={"Idempotency-Key": "", "Prefer": "return=representation"})
        self.b("POST", create, 403, body=json_body(good))                    # no token
        self.b("POST", create, 401, body=json_body(good),
               headers={"Authorization": "Basic dXNlcjpwYXNz"})
        self.b("POST", create, 401, body=json_body(good),
               headers={"Authorization": "Bearer"})

        update = "/api/incident/%d/update" % one
        full = dict(good, status="active")
        for body in (json_body(good),                                          # no status
                     json_body(dict(full, status="closed")),
                     json_body(dict(full, investigation_date="soon")),
                     json_body(dict(full, resolve_date=20260101)),
                     form([("status", "active")]),
                     json_body(dict(full, description={"a": 1}))):
            self.b("POST", update, 400, token=self.tokens["all"], body=body,
                   headers={"Prefer": "return=representation"})
        for if_match in ('"abc"', "v1", '"1', "W/", "-1"):
            self.b("POST", update, 400, token=self.tokens["all"], body=json_body(full),
                   headers={"If-Match": if_match, "Prefer": "return=representation"})
        self.b("POST", update, 403, body=json_body(full))

        comment = "/api/incident/%d/comment" % one
        for body in (json_body({}), json_body({"comment": ""}), json_body({"comment": "   "}),
                     json_body({"comment": "c" * 65537}),
                     json_body({"comment": "ok", "internal": "maybe"}),
                     json_body({"comment": 42}),
                     form([("comment", "ok"), ("internal", "perhaps")])):
            self.b("POST", comment, 400, token=self.tokens["all"], body=body,
                   headers={"Prefer": "return=representation"})
        self.b("POST", comment, 400, token=self.tokens["all"], body=json_body({"comment": "x"}),
               headers={"If-Match": "latest", "Prefer": "return=representation"})
        self.b("POST", comment, 400, token=self.tokens["all"], body=json_body({"comment": "x"}),
               headers={"Idempotency-Key": "i" * 300, "Prefer": "return=representation"})
        self.b("POST", "/api/incident/%d/delete" % one, 400, token=self.tokens["all"],
               headers={"If-Match": "nope", "Prefer": "return=representation"})
        self.b("POST", "/api/incident/%d/delete" % one, 403, body=None,
               headers={"Prefer": "return=representation"})

        bad_lists = [
            [("page", 0)], [("page", 10000001)], [("page", "abc")], [("page", "1.5")],
            [("per_page", 51)], [("per_page", -1)], [("per_page", "")],
            [("status", "closed")], [("severity", "HIGH")], [("scope", "abc")], [("scope", 0)],
            [("service", "-3")], [("impact_after", "yesterday")],
            [("impact_before", "2026-01-01T25:00")], [("external_reference", "r" * 256)],
            [("external_reference", "")], [("status", "active")] * 51,
        ]
        for pairs in bad_lists:
            self.b("GET", query("/api/incident", pairs), 400)
        for path in ("/api/scope", "/api/service"):
            for pairs in ([("per_page", 100)], [("page", -1)], [("page", "x")]):
                self.b("GET", query(path, pairs), 400)

        for kind in ("scope", "service"):
            base = "/api/" + kind
            target = self.state.get(kind, [1, 1])[1]
            for body in (json_body({}), json_body({"name": ""}), json_body({"name": " \t"}),
                         json_body({"name": "n" * 256}), json_body({"name": 7}),
                         json_body({"name": "x", "description": "d" * 65537}),
                         (b'["name"]', "application/json"), form([("description", "no name")])):
                self.b("POST", base + "/create", 400, token=self.tokens["all"], body=body,
                       headers={"Prefer": "return=representation"})
                self.b("POST", "%s/%d/update" % (base, target), 400, token=self.tokens["all"],
                       body=body, headers={"Prefer": "return=representation"})
            self.b("POST", base + "/create", 403, body=json_body({"name": "anonymous"}))

        for body in (json_body({"secret": SECRET}), json_body({"name": "no secret"}),
                     json_body({"secret": SECRET, "name": ""}),
                     json_body({"secret": SECRET, "name": "x", "expiration_date": "never"}),
                     json_body({"secret": SECRET, "name": "x", "not_before_date": "2026/01/01"}),
                     (b"secret=" + SECRET.encode() + b"&name=%FF%FE", None),
                     (b"", None)):
            self.b("POST", "/api/token/create", 400, body=body)
        self.b("GET", "/api/token/whoami", 401)                               # no token
        self.b("GET", "/api/token/whoami", 401, headers={"Authorization": "Token abc"})

        self.b("GET", "/api/incident/0", 404)
        self.b("GET", "/api/incident/abc", 404)
        self.b("GET", "/api/incident/9007199254740992", 404)
        self.b("GET", "/api/scope/-1", 404)
        self.b("POST", "/api/service/0/delete", 404, token=self.tokens["all"],
               headers={"Prefer": "return=representation"})
        self.b("GET", "/api/incident/stream", 400, headers={"Last-Event-ID": "yesterday"})
        self.b("GET", "/api/incident/stream?last_event_id=1-2-3", 400)
        self.webhooks_b()

    def webhooks_b(self):
        hooks = self.state.get("webhook", {})
        public, scratch = hooks.get("public", 1), hooks.get("scratch", 1)
        token, pref = self.tokens["all"], {"Prefer": "return=representation"}
        good = "http://example.org/hook"  # never created: another field is wrong
        bad_creates = [
            (json_body({}), "url"),
            (form([("description", "no url")]), "url"),
            (json_body({"url": ""}), "url"),
            (json_body({"url": None}), "url"),
            (json_body({"url": "ftp://example.org/"}), "url"),
            (json_body({"url": "example.org/hook"}), "url"),
            (json_body({"url": "http://example.org/#top"}), "url"),
            (json_body({"url": "http://user@example.org/"}), "url"),
            (json_body({"url": "http://example.org:0/"}), "url"),
            (json_body({"url": "http://example.org:65536/"}), "url"),
            (json_body({"url": "http://[::1/"}), "url"),
            (json_body({"url": "http://0x7f.1/"}), "url"),
            (json_body({"url": "http://example.org/" + "p" * 2048}), "url"),
            (json_body({"url": "http://example.org/caf\u00e9"}), "url"),
            (json_body({"url": "http://example.org/a b"}), "url"),
            (json_body({"url": 5}), "url"),
            (json_body({"url": [good]}), "url"),
            (json_body({"url": good, "event": "incident.foo"}), "event"),
            (json_body({"url": good, "event": [1]}), "event"),
            (form([("url", good), ("event", "INCIDENT.*")]), "event"),
            (json_body({"url": good, "event": ["incident.*"] * 51}), "event"),
            (json_body({"url": good, "scope": "abc"}), "scope"),
            (json_body({"url": good, "scope": [0]}), "scope"),
            (multipart([("url", good), ("service", "-3")]), "service"),
            (json_body({"url": good, "service": True}), "service"),
            (json_body({"url": good, "severity": "HIGH"}), "severity"),
            (form([("url", good), ("status", "closed")]), "status"),
            (json_body({"url": good, "internal": "maybe"}), "internal"),
            (form([("url", good), ("enabled", "perhaps")]), "enabled"),
            (json_body({"url": good, "description": "d" * 65537}), "description"),
            (json_body({"url": good, "description": 7}), "description"),
            ((b"url=http%3A%2F%2Fexample.org%2F&description=%FF%FE",
              "application/x-www-form-urlencoded"), None),
            ((b"url=http://example.org/", "text/plain"), "body"),
            ((b"[1]", "application/json"), "body"),
            ((b"--x\r\nbroken", "multipart/form-data; boundary=x"), "body"),
        ]
        for body, field in bad_creates:
            answer = self.b("POST", "/api/webhook/create", 400, token=token, body=body,
                            headers=pref)
            if field:
                self.names_field(answer, field)
        update = "/api/webhook/%d/update" % scratch
        for body, field in [(json_body({"url": ""}), "url"),
                            (json_body({"url": None}), "url"),
                            (form([("url", "ftp://example.org/")]), "url"),
                            (json_body({"url": "http://example.org/#x"}), "url"),
                            (json_body({"event": "incident.foo"}), "event"),
                            (form([("event", "scope.commented")]), "event"),
                            (json_body({"scope": "abc"}), "scope"),
                            (json_body({"severity": ["high", "huge"]}), "severity"),
                            (json_body({"internal": "maybe"}), "internal"),
                            (json_body({"enabled": "perhaps"}), "enabled"),
                            (json_body({"description": "d" * 65537}), "description"),
                            ((b"description=x", "text/plain"), "body")]:
            self.names_field(self.b("POST", update, 400, token=token, body=body, headers=pref),
                             field)
        deliveries = "/api/webhook/%d/deliveries" % public
        for value in (0, 101, "abc", "", -1, "1.5"):
            self.names_field(self.b("GET", query(deliveries, [("limit", value)]), 400,
                                    token=token), "limit")
        replay = "/api/webhook/%d/replay" % scratch
        for body, text in [(form([]), "This field is required."),
                           (json_body({}), "This field is required."),
                           ((b"", None), "This field is required."),
                           (form([("since", "")]), None),
                           (form([("since", "yesterday")]), None),
                           (json_body({"since": "1-2-3"}), None),
                           (json_body({"since": "-1"}), None),
                           (json_body({"since": "1-"}), None),
                           (json_body({"since": True}), None),
                           (json_body({"since": 1.5}), None),
                           (json_body({"since": "2026-13-01T00:00"}), None)]:
            self.names_field(self.b("POST", replay, 400, token=token, body=body, headers=pref),
                             "since", text)
        for pairs in ([("per_page", 51)], [("page", 0)], [("page", "x")]):
            self.b("GET", query("/api/webhook", pairs), 400, token=token)
        # No token (webhooks are not public, reads included), or not a bearer token.
        calls = [("GET", "/api/webhook", None), ("GET", "/api/webhook/%d" % public, None),
                 ("POST", "/api/webhook/create", json_body({"url": good})),
                 ("POST", update, json_body({"description": "anonymous"})),
                 ("POST", "/api/webhook/%d/delete" % scratch, None),
                 ("POST", "/api/webhook/%d/rotate-secret" % scratch, None),
                 ("GET", deliveries, None), ("POST", replay, json_body({"since": "0"}))]
        for method, path, body in calls:
            answer = self.b(method, path, 403, body=body, headers=pref)
            self.names_field(answer, "token")
        self.b("GET", "/api/webhook", 401, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        self.b("POST", "/api/webhook/create", 401, body=json_body({"url": good}),
               headers={"Authorization": "Bearer"})
        self.b("GET", "/api/webhook/0", 404, token=token)
        self.b("GET", "/api/webhook/abc/deliveries", 404, token=token)
        self.b("POST", "/api/webhook/9007199254740992/delete", 404, token=token, headers=pref)

    # ---- HTTP layer: what no validating proxy lets through ----

    def http_layer(self):
        log("HTTP layer: invalid UTF-8 queries, malformed, oversized and slow requests, "
            "straight to the server")
        port, limited = self.ports["server"], self.ports["limited"]
        host = "Host: 127.0.0.1:%d\r\n" % port

        def request(method, target, headers="", body=b""):
            return ("%s %s HTTP/1.1\r\n%s\r\n" % (method, target, headers)).encode() + body

        # 408: requests that never arrive whole (the rate-limited server waits 2 s).
        slow = [threading.Thread(target=self.raw, args=(
                    limited, "GET", "/health/version",
                    b"GET /health/version HTTP/1.1\r\nHost: 127.0.0.1\r\n", 408)),
                threading.Thread(target=self.raw, args=(
                    limited, "POST", "/api/token/create",
                    b"POST /api/token/create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 100\r\n\r\nsecret=", 408))]
        for thread in slow:
            thread.start()
        # Invalid UTF-8 in a query parameter, on every route (Prism re-encodes it):
        # refused before the route's handler runs.
        for op_id, (method, template, _) in self.document.operations.items():
            self.direct(port, method, self.example_path(template) + "?x=%FF%FE", 400,
                        token=self.tokens.get("all"), body=(b"", None) if method == "POST"
                        else None)
        self.direct(port, "GET", "/api/incident?status=%C3%28", 400)
        # Malformed JSON and invalid UTF-8 in JSON (Prism never answers those).
        token = self.tokens.get("all")
        one = self.example_path("/api/incident/{id}")
        for path in ("/api/incident/create", one + "/update", one + "/comment",
                     "/api/scope/create", "/api/service/create", "/api/token/create",
                     self.example_path("/api/scope/{id}") + "/update", "/api/webhook/create",
                     self.example_path("/api/webhook/{id}") + "/update",
                     self.example_path("/api/webhook/{id}") + "/replay"):
            for data in (b'{"name": ', b'{"name": "\xff\xfe", "comment": "\xc3\x28"}'):
                self.direct(port, "POST", path, 400, token=token, body=(data, "application/json"),
                            headers={"Prefer": "return=representation"})
        # The scheme name is case-insensitive (Prism's security check is not).
        self.direct(port, "GET", "/api/token/whoami", 200,
                    headers={"Authorization": "bearer " + token})
        self.direct(port, "GET", "/api/incident", 200,
                    headers={"Authorization": "BEARER   " + token})
        # Malformed requests: no Host, too long, too many or too large headers, an
        # Expect other than 100-continue, a body over --max-body-bytes.
        self.raw(port, "GET", "/health", request("GET", "/health"), 400)
        self.raw(port, "GET", "/api/incident", request("GET", "/api/incident"), 400)
        self.raw(port, "POST", "/api/scope/create",
                 request("POST", "/api/scope/create", "Host: a\r\nHost: b\r\n"
                         "Content-Length: 0\r\n"), 400)
        self.raw(port, "GET", "/health/ready", request("GET", "/health/ready",
                                                       "Host: bad host\r\n"), 400)
        self.raw(port, "GET", "/api/incident", request("GET", "/api/incident?q=" + "a" * 9000,
                                                       host), 414)
        self.raw(port, "GET", "/api/openapi.json",
                 request("GET", "/api/openapi.json?q=" + "a" * 9000, host), 414)
        self.raw(port, "GET", "/health/live", request("GET", "/health/live",
                                                      host + "Expect: magic\r\n"), 417)
        self.raw(port, "POST", "/api/incident/create",
                 request("POST", "/api/incident/create", host + "Expect: 200-ok\r\n"
                         "Content-Length: 0\r\n"), 417)
        many = "".join("X-Header-%d: v\r\n" % i for i in range(101))
        self.raw(port, "GET", "/api/scope", request("GET", "/api/scope", host + many), 431)
        self.raw(port, "GET", "/metrics", request("GET", "/metrics", host + many), 431)
        self.raw(port, "GET", "/api/service",
                 request("GET", "/api/service", host + "X-Big: " + "b" * 9000 + "\r\n"), 431)
        self.raw(port, "POST", "/api/scope/create",
                 request("POST", "/api/scope/create", host + "Content-Length: 2000000\r\n",
                         b"name=x"), 413)
        self.raw(port, "POST", "/api/token/create",
                 request("POST", "/api/token/create", host + "Transfer-Encoding: chunked\r\n",
                         b"200000\r\n"), 413)
        for thread in slow:
            thread.join(REQUEST_SECONDS)

    # ---- 429 ----

    def rate_limited(self):
        log("429: a server with %d requests per window, through its own "
            "`prism proxy --errors`" % RATE_LIMIT)
        # The window is a fixed hour of the epoch: not across its end.
        left = RATE_PERIOD_SECONDS - time.time() % RATE_PERIOD_SECONDS
        if left < 15:
            log("  waiting %.0f s for the next rate-limit window" % (left + 1))
            time.sleep(left + 1)
        answer = self.r("POST", "/api/token/create", 200, body=form(
            [("secret", SECRET), ("name", "contract-rate")] +
            [("permission", p) for p in ALL_PERMISSIONS]))
        token = self.ok_json(answer, "token")
        anonymous = [self.r("GET", "/api/incident", 200), self.r("GET", "/api/scope", 200)]
        for step, answer in enumerate(anonymous, start=2):
            if answer is None:
                continue
            used, limit = answer.header("x-ratelimit-used"), answer.header("x-ratelimit-limit")
            remaining = answer.header("x-ratelimit-remaining")
            if (used, limit, remaining) != (str(step), str(RATE_LIMIT), str(RATE_LIMIT - step)):
                self.report.fail("[R] rate-limit headers", "used/limit/remaining %s/%s/%s after "
                                 "%d requests" % (used, limit, remaining, step))
        self.r("GET", "/health", 200)  # not counted
        self.r("GET", "/api/service", 429)
        self.r("POST", "/api/token/create", 429, body=form([("secret", SECRET), ("name", "x")]))
        self.r("GET", "/api/incident/1", 429)
        for _ in range(RATE_LIMIT):
            self.r("GET", "/api/token/whoami", 200, token=token)
        answer = self.r("GET", "/api/token/whoami", 429, token=token)
        if answer is not None and not answer.header("retry-after"):
            self.report.fail("[R] 429", "no Retry-After")
        pref = {"Prefer": "return=representation"}
        incident = {"scope": 1, "service": 1, "name": "Rate limited", "severity": "low"}
        calls = [
            ("GET", "/api/incident", None), ("GET", "/api/scope/1", None),
            ("GET", "/api/service/1", None), ("GET", "/api/scope", None),
            ("POST", "/api/incident/create", json_body(incident)),
            ("POST", "/api/incident/1/update", json_body(dict(incident, status="active"))),
            ("POST", "/api/incident/1/comment", json_body({"comment": "limited"})),
            ("POST", "/api/incident/1/delete", None),
            ("POST", "/api/scope/create", json_body({"name": "limited"})),
            ("POST", "/api/scope/1/update", json_body({"name": "limited"})),
            ("POST", "/api/scope/1/delete", None),
            ("POST", "/api/service/create", json_body({"name": "limited"})),
            ("POST", "/api/service/1/update", json_body({"name": "limited"})),
            ("POST", "/api/service/1/delete", None),
            ("GET", "/api/webhook", None), ("GET", "/api/webhook/1", None),
            ("POST", "/api/webhook/create", json_body({"url": "https://example.org/hook"})),
            ("POST", "/api/webhook/1/update", json_body({"description": "limited"})),
            ("POST", "/api/webhook/1/delete", None), ("POST", "/api/webhook/1/rotate-secret", None),
            ("GET", "/api/webhook/1/deliveries", None),
            ("POST", "/api/webhook/1/replay", json_body({"since": "0"})),
        ]
        for method, path, body in calls:
            self.r(method, path, 429, token=token, body=body, headers=pref)
        self.r("GET", "/api/incident/stream", 429, token=token)
        # This server runs without --webhook-allow-private: an endpoint on a loopback,
        # link-local or metadata address is refused (a token of its own: its own count).
        for url in ("http://127.0.0.1/", "http://[::1]:8080/hook",
                    "http://169.254.169.254/latest/meta-data"):
            answer = self.r("POST", "/api/webhook/create", 400, token=self.tokens["webhooks"],
                            body=form([("url", url)]))
            self.names_field(answer, "url")

    # ---- the change feed, straight from the server ----

    def read_stream(self, token=None, last_event_id=None, query_id=None):
        path = "/api/incident/stream"
        if query_id:
            path += "?last_event_id=" + urllib.parse.quote(query_id)
        request_id = "contract-sse-%04d" % next(self.ids)
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % self.ports["server"],
                 "Accept: text/event-stream", "X-Request-Id: " + request_id]
        if token:
            lines.append("Authorization: Bearer " + token)
        if last_event_id:
            lines.append("Last-Event-ID: " + last_event_id)
        raw = b""
        with socket.create_connection(("127.0.0.1", self.ports["server"]), timeout=5) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            s.settimeout(0.25)
            start = last = time.monotonic()
            while time.monotonic() - start < SSE_MAX_SECONDS:
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    if time.monotonic() - last > SSE_QUIET_SECONDS and b"\r\n\r\n" in raw:
                        break
                    continue
                if not data:
                    break
                raw += data
                last = time.monotonic()
        head, _, rest = raw.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1]) if head_lines and head_lines[0] else 0
        header_list = [tuple(part.strip() for part in line.split(":", 1))
                       for line in head_lines[1:] if ":" in line]
        answer = Answer(status, header_list, b"")
        if status != 200:  # an error: JSON with a Content-Length
            answer.body = rest[:int(answer.header("content-length") or len(rest))]
            return answer, request_id, []
        body = dechunk(rest) if (answer.header("transfer-encoding") or "").lower() == \
            "chunked" else rest
        events = []
        for block in body.decode("utf-8", "replace").split("\n\n"):
            fields = collections.defaultdict(list)
            for line in block.split("\n"):
                if not line or line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                fields[name].append(value[1:] if value.startswith(" ") else value)
            if fields:
                events.append(fields)
        return answer, request_id, events

    def change_feed(self):
        log("SSE: GET /api/incident/stream straight from the server")
        wanted = {"incident.created", "incident.updated", "incident.commented",
                  "incident.deleted", "scope.created", "scope.updated", "scope.deleted",
                  "service.created", "service.updated", "service.deleted"}
        message = self.document.schema("ChangeFeedMessage")
        first_id = None
        for who, token, kwargs in (("token holder", self.tokens["all"], {"last_event_id": "0-0"}),
                                   ("anonymous", None, {"last_event_id": "0-0"}),
                                   ("anonymous, ?last_event_id", None, None)):
            if kwargs is None:
                if first_id is None:
                    continue
                kwargs = {"query_id": first_id}
            answer, request_id, events = self.read_stream(token, **kwargs)
            what = "[SSE %s] GET /api/incident/stream -> %s" % (who, answer.status)
            if answer.status != 200:
                self.report.fail(what, "expected 200")
                continue
            if answer.header("x-request-id") != request_id:
                self.report.fail(what, "the answer does not echo our X-Request-Id")
            if not (answer.header("content-type") or "").startswith("text/event-stream"):
                self.report.fail(what, "Content-Type %r" % answer.header("content-type"))
            if self.own_check("SSE", STREAM_OPERATION, "GET", "/api/incident/stream", answer):
                self.report.record(STREAM_OPERATION, 200)
            seen = collections.Counter()
            bad = 0
            for event in events:
                data = "\n".join(event.get("data", []))
                event_id = (event.get("id") or [""])[0]
                if first_id is None and event_id:
                    first_id = event_id
                try:
                    value = json.loads(data)
                except ValueError:
                    self.report.fail(what, "event %s: data is not JSON: %r" % (
                        event_id, data[:200]))
                    bad += 1
                    continue
                errors = self.document.checker.validate(message, value, "data")
                kind = value.get("type") if isinstance(value, dict) else None
                if (event.get("event") or [None])[0] != kind:
                    errors.append("event: %r is not the message's type %r" % (
                        event.get("event"), kind))
                if not re.fullmatch(r"[0-9]+-[0-9]+", event_id):
                    errors.append("id: %r is not a stream id" % event_id)
                if token is None and isinstance(value, dict):
                    if value.get("changes") != {}:
                        errors.append("anonymous view carries changes %s" % short(
                            value.get("changes")))
                    incident = value.get("incident") or {}
                    if any(e.get("internal") for e in incident.get("events", [])
                           if isinstance(e, dict)):
                        errors.append("anonymous view carries internal events")
                if kwargs.get("query_id") and event_id and \
                        compare_ids(event_id, kwargs["query_id"]) <= 0:
                    errors.append("event %s is not after last_event_id %s" % (
                        event_id, kwargs["query_id"]))
                if errors:
                    bad += 1
                    self.report.count_response_violation()
                    self.report.fail("%s event %s (%s)" % (what, event_id, kind),
                                     "breaks ChangeFeedMessage:\n" + "\n".join(errors[:12]))
                seen[kind] += 1
            log("  %s: %d events, %d bad (%s)" % (
                who, len(events), bad, ", ".join("%s %d" % kv for kv in sorted(seen.items()))))
            if kwargs.get("last_event_id") == "0-0":
                missing = wanted - set(seen)  # public comments were made too
                if missing:
                    self.report.fail(what, "no event of type %s" % ", ".join(sorted(missing)))
        self.a("GET", "/api/incident/stream", 401, headers={"Authorization": "Bearer x.y.z"})
        self.a("GET", "/api/incident/stream", 400,
               headers={"Last-Event-ID": "99999999999999999999-0"})
        largest = "18446744073709551615-18446744073709551615"  # nothing can follow it
        self.a("GET", "/api/incident/stream?last_event_id=" + largest, 400)

    # ---- webhooks: what the receiver got ----

    def check_delivery(self, request, secrets, internal):
        """The reasons one POST the server delivered breaks the document's
        `x-webhooks` operation or its signature (empty: it conforms)."""
        checker = self.document.checker
        operation = self.document.data.get("x-webhooks", {}).get("change", {}).get("post")
        if operation is None:
            return ["the document has no x-webhooks.change.post operation"]
        headers = {name.lower(): value for name, value in request["headers"]}
        errors = []
        for parameter in operation.get("parameters", []):
            parameter = checker.resolve(parameter)
            if parameter.get("in") != "header":
                continue
            value = headers.get(parameter["name"].lower())
            if value is None:
                if parameter.get("required"):
                    errors.append("header %s is absent" % parameter["name"])
                continue
            errors += ["header %s: %s" % (parameter["name"], e)
                       for e in checker.validate_header(parameter.get("schema", {}), value)]
        content = checker.resolve(operation["requestBody"])["content"]
        media = match_media_type(headers.get("content-type"), content)
        if media is None:
            return errors + ["Content-Type %r is none of %s" % (headers.get("content-type"),
                                                                sorted(content))]
        try:
            body = json.loads(request["body"].decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            return errors + ["the body is not JSON: %s" % error]
        errors += ["body " + e for e in checker.validate(content[media]["schema"], body, "$")]
        stamp = headers.get("webhook-timestamp", "")
        if stamp.isdigit() and abs(int(stamp) - request["at"]) > 60:
            errors.append("webhook-timestamp %s is %d s away from the delivery" % (
                stamp, int(stamp) - request["at"]))
        signed = ("%s.%s." % (headers.get("webhook-id"), stamp)).encode() + request["body"]
        expected = [webhook_signature(secret, signed) for secret in secrets]
        given = (headers.get("webhook-signature") or "").split(" ")
        if not any(hmac.compare_digest(g, e) for g in given for e in expected):
            errors.append("no signature of %r verifies with the endpoint's secrets" % given)
        if not internal and isinstance(body, dict):
            if body.get("changes") != {}:
                errors.append("public view carries changes %s" % short(body.get("changes")))
            incident = body.get("incident") or {}
            if any(e.get("internal") for e in incident.get("events", []) if isinstance(e, dict)):
                errors.append("public view carries internal events")
        return errors

    def delivered(self, path):
        """(request, parsed body) of what the receiver got on `path`."""
        out = []
        for request in self.receiver.received(path):
            try:
                body = json.loads(request["body"].decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
            out.append((request, body if isinstance(body, dict) else {}))
        return out

    def wait_for(self, what, predicate, seconds=WEBHOOK_WAIT_SECONDS):
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                self.report.fail("[Hooks] " + what, "not within %d s" % seconds)
                return False
            time.sleep(0.2)
        return True

    def webhook_deliveries(self):
        log("Hooks: the deliveries to the script's receiver, histories, a 410, a rotation, a "
            "replay")
        hooks = self.state.get("webhook", {})
        if not all(name in hooks for name in ("public", "internal", "filtered", "gone", "dead")):
            raise CheckFailed("the webhook endpoints of Pass A were not all created")
        token = self.tokens["all"]
        expected = {"/hook/public": set(WEBHOOK_TYPES),
                    "/hook/internal": {t for t in WEBHOOK_TYPES if t.startswith("incident.")},
                    "/hook/filtered": {"scope.created", "service.deleted"}}

        def missing():
            out = {}
            for path, wanted in expected.items():
                lacking = wanted - {body.get("type") for _, body in self.delivered(path)}
                if lacking:
                    out[path] = sorted(lacking)
            if not self.receiver.received("/hook/gone"):
                out["/hook/gone"] = ["any"]
            return out

        deadline = time.monotonic() + WEBHOOK_WAIT_SECONDS
        while missing() and time.monotonic() < deadline:
            time.sleep(0.2)
        for path, kinds in missing().items():
            self.report.fail("[Hooks] %s" % path, "no delivery of %s within %d s" % (
                ", ".join(kinds), WEBHOOK_WAIT_SECONDS))

        history = []  # the public endpoint's
        for step in (self.webhook_histories, self.webhook_rotation, self.webhook_replay):
            try:
                step(hooks, token, history)
            except CheckFailed as error:  # the deliveries are checked all the same
                self.report.fail("[Hooks] %s" % step.__name__, str(error))
        self.verify_deliveries(expected)

    def webhook_histories(self, hooks, token, history):
        """The public endpoint's history, the unreachable one's, the one that said 410."""
        base = "/api/webhook/%d" % hooks["public"]
        answer = self.a("GET", query(base + "/deliveries", [("limit", 100)]), 200, token=token)
        history.extend(self.ok_json(answer, "deliveries")["items"])
        received = {dict((k.lower(), v) for k, v in r["headers"]).get("webhook-id")
                    for r in self.receiver.received("/hook/public")}
        delivered = [item for item in history if item["outcome"] == "delivered"]
        if not delivered or any(item["status"] != 204 for item in delivered):
            self.report.fail("[Hooks] GET %s/deliveries" % base, "no delivered attempt, or one "
                             "whose status is not the receiver's 204: %s" % short(history, 300))
        strays = [item["message_id"] for item in delivered if item["message_id"] not in received]
        if strays:
            self.report.fail("[Hooks] GET %s/deliveries" % base, "delivered, but the receiver "
                             "never got %s" % ", ".join(strays[:5]))
        dead = "/api/webhook/%d" % hooks["dead"]
        if self.wait_for("the unreachable endpoint's first attempt", lambda: json.loads(
                http_call(self.ports["server"], "GET", dead + "/deliveries",
                          {"Authorization": "Bearer " + token}).body)["items"], 10):
            answer = self.a("GET", dead + "/deliveries", 200, token=self.tokens["webhooks"])
            items = self.ok_json(answer, "deliveries")["items"]
            if not any(i["outcome"] == "retrying" and i["status"] is None and i["error"] and
                       i["next_attempt_at"] for i in items):
                self.report.fail("[Hooks] GET %s/deliveries" % dead, "no retrying attempt with "
                                 "an error and no status: %s" % short(items, 300))
        gone = "/api/webhook/%d" % hooks["gone"]
        if self.wait_for("the endpoint answering 410 disabled", lambda: not json.loads(
                http_call(self.ports["server"], "GET", gone,
                          {"Authorization": "Bearer " + token}).body)["enabled"], 10):
            body = self.ok_json(self.a("GET", gone, 200, token=token), "webhook")
            if not body.get("disabled_reason"):
                self.report.fail("[Hooks] GET %s" % gone, "disabled with no disabled_reason")
            answer = self.a("GET", query(gone + "/deliveries", [("limit", 1)]), 200, token=token)
            items = self.ok_json(answer, "deliveries")["items"]
            if not items or (items[0]["outcome"], items[0]["status"]) != ("disabled", 410):
                self.report.fail("[Hooks] GET %s/deliveries" % gone, "the last attempt is not "
                                 "410, disabled: %s" % short(items))
            answer = self.write("POST", gone + "/update", json_body({"enabled": True}), 200)
            body = self.ok_json(answer, "webhook update")
            if body.get("enabled") is not True or body.get("disabled_reason") is not None:
                self.report.fail("[Hooks] POST %s/update" % gone, "enabled again, yet %s" %
                                 short(body, 300))
            self.write("POST", gone + "/delete", None, 204)

    def webhook_rotation(self, hooks, token, history):
        """After a rotation, the new secret and, for 24 hours, the old one sign."""
        base = "/api/webhook/%d" % hooks["public"]
        old = self.webhook_secrets["/hook/public"][-1]
        answer = self.write("POST", base + "/rotate-secret", None, 200, token="webhooks")
        new = self.ok_json(answer, "rotate-secret")["secret"]
        self.webhook_secrets["/hook/public"].append(new)
        name = "Contract rotation %s" % uuid.uuid4().hex[:8]
        self.write("POST", "/api/scope/create", json_body({"name": name}), 201)

        def rotated():
            return [r for r, body in self.delivered("/hook/public")
                    if (body.get("scope") or {}).get("name") == name]
        if self.wait_for("the change made after the rotation", rotated):
            request = rotated()[0]
            headers = dict((k.lower(), v) for k, v in request["headers"])
            signed = ("%s.%s." % (headers.get("webhook-id"), headers.get("webhook-timestamp"))
                      ).encode() + request["body"]
            wanted = [webhook_signature(new, signed), webhook_signature(old, signed)]
            if headers.get("webhook-signature", "").split(" ") != wanted:
                self.report.fail("[Hooks] rotation", "webhook-signature %r is not the new "
                                 "secret's then the old one's" % headers.get("webhook-signature"))

    def webhook_replay(self, hooks, token, history):
        """A replay: the oldest change of the history is sent again, with its webhook-id."""
        base = "/api/webhook/%d" % hooks["public"]
        if history:
            oldest = min((item["stream_id"] for item in history),
                         key=lambda i: tuple(int(x) for x in i.split("-")))

            def count():
                return sum(1 for r in self.receiver.received("/hook/public")
                           if ("webhook-id", "msg_" + oldest) in
                           [(k.lower(), v) for k, v in r["headers"]])
            before = count()
            answer = self.write("POST", base + "/replay", form([("since", oldest)]), 202,
                                token="webhooks")
            body = self.ok_json(answer, "replay")
            if body.get("from") != oldest or compare_ids(body.get("through", "0-0"), oldest) < 0:
                self.report.fail("[Hooks] replay since %s" % oldest, "answered %s" % short(body))
            self.wait_for("the replay of %s" % oldest, lambda: count() > before)

    def verify_deliveries(self, expected):
        """Every delivery: the document's x-webhooks operation, the signatures, the view."""
        internal = {"/hook/internal": True}
        allowed = {"/hook/public": set(WEBHOOK_TYPES), "/hook/internal": expected["/hook/internal"],
                   "/hook/filtered": expected["/hook/filtered"], "/hook/gone": set(
                       t for t in WEBHOOK_TYPES if t.startswith("scope."))}
        changed = False
        for path in sorted({r["path"] for r in self.receiver.received()}):
            bad, kinds = 0, collections.Counter()
            for request, body in self.delivered(path):
                kinds[body.get("type")] += 1
                if path not in allowed:
                    errors = ["a delivery to %s, where no endpoint is" % path]
                else:
                    errors = self.check_delivery(request, self.webhook_secrets[path],
                                                 internal.get(path, False))
                    if body.get("type") not in allowed[path]:
                        errors.append("type %r is not one the endpoint takes" % body.get("type"))
                if path == "/hook/internal" and body.get("type") == "incident.updated" and \
                        body.get("changes"):
                    changed = True
                if errors:
                    bad += 1
                    self.report.count_response_violation()
                    if bad <= 5:  # the rest are counted
                        self.report.fail("[Hooks] POST %s (%s)" % (path, body.get("type")),
                                         "the delivery breaks the document:\n" +
                                         "\n".join(errors[:12]))
            log("  %s: %d deliveries, %d bad (%s)" % (
                path, sum(kinds.values()), bad, ", ".join("%s %d" % kv for kv in
                                                          sorted(kinds.items(), key=str))))
        if not changed:
            self.report.fail("[Hooks] /hook/internal", "no incident.updated with its changes: "
                             "not the token holder's view")

    # ---- Redis frozen: 503 ----

    def redis_frozen(self, server):
        log("503: the server's redis-server frozen (SIGSTOP), then resumed")
        redis = children_of(server.proc.pid, "redis-server")
        if not redis:
            raise CheckFailed("the server has no redis-server child")
        server.redis_pid = redis[0]
        token = self.tokens["all"]
        scope, service = self.state["scope"][0], self.state["service"][0]
        one = self.state["incidents"]["one"]
        pref = {"Prefer": "return=representation"}
        fields = {"scope": scope, "service": service, "name": "Frozen outage",
                  "severity": "low"}
        calls = [
            ("GET", "/health", {}, (503,)),
            ("GET", "/health/ready", {}, (503,)),
            ("GET", "/api/incident", {}, (503,)),
            ("GET", "/api/scope", {}, (503,)),
            ("GET", "/api/service", {}, (503,)),
            ("GET", "/api/scope/%d" % scope, {}, (200, 503)),
            ("GET", "/api/service/%d" % service, {}, (200, 503)),
            ("GET", "/api/incident/%d" % one, {}, (200, 503)),
            ("POST", "/api/incident/create", {"body": json_body(fields), "token": token,
                                              "headers": pref}, (503,)),
            ("POST", "/api/incident/%d/update" % one,
             {"body": json_body(dict(fields, status="active")), "token": token,
              "headers": pref}, (503,)),
            ("POST", "/api/incident/%d/comment" % one,
             {"body": json_body({"comment": "frozen"}), "token": token, "headers": pref},
             (503,)),
            ("POST", "/api/scope/create", {"body": json_body({"name": "Frozen scope"}),
                                           "token": token, "headers": pref}, (503,)),
            ("POST", "/api/service/create", {"body": json_body({"name": "Frozen service"}),
                                             "token": token, "headers": pref}, (503,)),
        ]
        spare = {}
        for kind in ("scope", "service"):
            answer = self.write("POST", "/api/%s/create" % kind, json_body(
                {"name": "Contract %s frozen" % kind}), 201)
            spare[kind] = self.ok_json(answer, kind + " create")["id"]
            calls += [
                ("POST", "/api/%s/%d/update" % (kind, spare[kind]),
                 {"body": json_body({"name": "Renamed while frozen"}), "token": token,
                  "headers": pref}, (503,)),
                ("POST", "/api/%s/%d/delete" % (kind, spare[kind]),
                 {"token": token, "headers": pref}, (503,))]
        hook = self.state.get("webhook", {}).get("scratch", 1)
        for method, path, kw in [
                ("GET", "/api/webhook", {}),
                ("GET", "/api/webhook/%d" % hook, {}),
                ("POST", "/api/webhook/create",
                 {"body": json_body({"url": "http://127.0.0.1:1/frozen"})}),
                ("POST", "/api/webhook/%d/update" % hook,
                 {"body": json_body({"description": "Edited while frozen"})}),
                ("POST", "/api/webhook/%d/rotate-secret" % hook, {}),
                ("GET", "/api/webhook/%d/deliveries" % hook, {}),
                ("POST", "/api/webhook/%d/replay" % hook, {"body": json_body({"since": "0"})}),
                ("POST", "/api/webhook/%d/delete" % hook, {})]:
            calls.append((method, path, dict(kw, token=token, headers=pref), (503,)))
        two = self.state["incidents"]["two"]
        calls.append(("POST", "/api/incident/%d/delete" % two, {"token": token, "headers": pref},
                      (503,)))
        calls.append(("GET", "/api/incident/%d" % two, {"token": token}, (200, 503)))
        calls.append(("GET", "/api/incident/999999", {}, (503,)))  # not cached: Redis asked

        def stream():
            answer, request_id, _ = self.read_stream(token)
            what = "[SSE frozen] GET /api/incident/stream -> %s" % answer.status
            if answer.status != 503:
                self.report.fail(what, "expected 503")
            elif self.own_check("SSE", STREAM_OPERATION, "GET", "/api/incident/stream", answer):
                self.report.record(STREAM_OPERATION, 503)

        os.kill(server.redis_pid, signal.SIGSTOP)
        try:
            threads = [threading.Thread(target=self.a, args=(method, path, expect), kwargs=kw)
                       for method, path, kw, expect in calls]
            threads.append(threading.Thread(target=stream))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(REQUEST_SECONDS + 5)
        finally:
            os.kill(server.redis_pid, signal.SIGCONT)
        deadline = time.monotonic() + REDIS_RECOVERY_SECONDS
        while time.monotonic() < deadline:
            try:
                if http_call(self.ports["server"], "GET", "/health", timeout=3).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.report.fail("[A] after SIGCONT", "/health not 200 within %d s" %
                             REDIS_RECOVERY_SECONDS)
            return
        self.a("GET", "/api/incident", 200)
        self.a("GET", "/health/ready", 200)


def dechunk(data):
    out, at = b"", 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            break
        try:
            size = int(data[at:end].split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += data[end + 2:end + 2 + size]
        at = end + 2 + size + 2
        if at > len(data):
            break
    return out


def compare_ids(a, b):
    pa = tuple(int(x) for x in a.split("-"))
    pb = tuple(int(x) for x in b.split("-"))
    return (pa > pb) - (pa < pb)


# --------------------------------------------------------------------------

def break_document(source, out):
    with open(source, "rb") as f:
        document = json.loads(f.read().decode("utf-8"))
    incident = document["components"]["schemas"]["Incident"]
    incident["properties"]["id"] = {"type": "string",
                                    "description": "Deliberately wrong: the server sends an "
                                                   "integer (contract_check.py --break-document)."}
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(document, indent=2) + "\n")
    log("wrote %s: components.schemas.Incident.properties.id declared as a string" % out)


def print_coverage(document, report):
    log("\nCoverage: operations x statuses produced (and validated)")
    rows = []
    for op_id, (method, template, _) in document.operations.items():
        produced = sorted(report.coverage.get(op_id, ()))
        declared = document.declared_statuses(op_id)
        never = [s for s in declared if int(s) not in produced]
        rows.append((op_id, "%s %s" % (method, template),
                     " ".join(map(str, produced)) or "-", " ".join(never)))
    widths = [max(len(r[i]) for r in rows + [("operation", "route", "produced", "")])
              for i in range(3)]
    log("  %-*s  %-*s  %-*s  %s" % (widths[0], "operation", widths[1], "route", widths[2],
                                    "produced", "declared, never produced"))
    for row in rows:
        log("  %-*s  %-*s  %-*s  %s" % (widths[0], row[0], widths[1], row[1], widths[2], row[2],
                                        row[3]))
    missing = [op for op in document.operations
               if op != STREAM_OPERATION and not report.coverage.get(op)]
    return missing


def run(args, workdir, report):
    document = Document(args.document)
    main_port, rate_port = free_loopback_port(), free_loopback_port()
    prism_ports = {name: free_loopback_port() for name in "ABR"}
    external_url = "http://127.0.0.1:%d" % prism_ports["A"]
    # Webhook endpoints on loopback addresses (the script's receiver) are allowed here,
    # not on the rate-limited server.
    main = Server(args.binary, workdir, "server", main_port, external_url, (1000000, 1000000),
                  ["--webhook-allow-private"])
    limited = Server(args.binary, workdir, "server-limited", rate_port,
                     "http://127.0.0.1:%d" % prism_ports["R"], (RATE_LIMIT, RATE_LIMIT),
                     ["--request-timeout-seconds", str(REQUEST_TIMEOUT)])
    prisms = [Prism(args.prism, os.path.abspath(args.document), main_port, prism_ports["A"], True,
                    workdir, "prism-A"),
              Prism(args.prism, os.path.abspath(args.document), main_port, prism_ports["B"],
                    False, workdir, "prism-B"),
              Prism(args.prism, os.path.abspath(args.document), rate_port, prism_ports["R"], True,
                    workdir, "prism-R")]
    started = []
    runner = Run(args, document, report, workdir)
    runner.ports = dict(prism_ports, server=main_port)
    runner.external_url = external_url
    runner.receiver = WebhookReceiver()
    runner.receiver.start()
    try:
        for thing in [main, limited] + prisms:
            started.append(thing)
            thing.start()
        began = time.monotonic()
        for thing in [main, limited] + prisms:
            thing.wait_ready()
        log("started in %.1f s" % (time.monotonic() - began))
        log("server on %d (redis-server %s), rate-limited server on %d; prism --errors on %d "
            "and %d, prism on %d" % (main_port, main.redis_pid, rate_port, prism_ports["A"],
                                     prism_ports["R"], prism_ports["B"]))
        runner.ports["limited"] = rate_port
        phases = [runner.pass_a, runner.redirects, runner.pass_b, runner.http_layer,
                  runner.change_feed, runner.webhook_deliveries, runner.rate_limited,
                  lambda: runner.redis_frozen(main)]
        for phase in phases:
            began = time.monotonic()
            try:
                phase()
            except CheckFailed as error:
                report.fail("phase %s" % getattr(phase, "__name__", "redis_frozen"), str(error))
            except Exception:  # noqa: BLE001 - report it and go on with the next phase
                report.fail("phase %s" % getattr(phase, "__name__", "redis_frozen"),
                            traceback.format_exc())
            log("  (%.1f s)" % (time.monotonic() - began))
        for server in (main, limited):
            if server.proc.poll() is not None:
                report.fail("server %s" % server.name, "exited with %s during the run:\n%s" % (
                    server.proc.returncode, tail(server.log_path)))
    finally:
        for thing in reversed(started):
            try:
                thing.stop()
            except Exception:  # noqa: BLE001 - stop the others all the same
                log("error stopping %s:\n%s" % (thing.name, traceback.format_exc()))
        runner.receiver.stop()
    if report.failures and not args.expect_violations:
        for thing in [main, limited] + prisms:
            log("\n--- last lines of %s ---\n%s" % (thing.log_path, tail(thing.log_path, 15)))
    return print_coverage(document, report)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", help="the incident-api binary")
    parser.add_argument("--prism", help="the prism executable (@stoplight/prism-cli)")
    parser.add_argument("--document", required=True, help="the OpenAPI document")
    parser.add_argument("--expect-violations", action="store_true",
                        help="pass only if a response violation is found (broken document)")
    parser.add_argument("--break-document", metavar="OUT",
                        help="write a copy of --document with a wrong response shape and exit")
    args = parser.parse_args()
    if args.break_document:
        break_document(args.document, args.break_document)
        return 0
    if not args.binary or not args.prism:
        parser.error("--binary and --prism are required")
    for path in (args.binary, args.prism, args.document):
        if not os.path.exists(path):
            parser.error("no such file: %s%s" % (path, " (install it: scripts/install-npm.sh "
                                                 "--contract)" if path == args.prism else ""))

    def stop(signum, _frame):
        raise Stopped("signal %d" % signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, stop)
    signal.alarm(WATCHDOG_SECONDS)
    began = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="contract-check-")
    report = None
    missing = []
    try:
        report = Report(Document(args.document))
        missing = run(args, workdir, report)
    except Stopped as stopped:
        if report is None:
            raise
        report.fail("run", "stopped: %s (the watchdog is %d s)" % (stopped, WATCHDOG_SECONDS))
    finally:
        signal.alarm(0)
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.monotonic() - began
    for op_id in missing:
        report.fail("coverage", "operation %s was never exercised" % op_id)
    log("\n%d answers validated; %d failures; %d response violations; %d expected request "
        "violations (4xx); %.1f s" % (report.answers, len(report.failures),
                                       report.response_violations,
                                       report.request_violations_expected, elapsed))
    if args.expect_violations:
        if report.response_violations:
            log("PASS (--expect-violations): the broken document's response violations were "
                "found")
            return 0
        log("FAIL (--expect-violations): no response violation found")
        return 1
    if report.known:
        log("Known server deviations (reported, not failed):")
        for what, why, detail in report.known:
            log("  %s\n      %s\n      %s" % (what, why, detail.replace("\n", "\n      ")))
    if report.failures:
        log("FAIL:")
        for what, detail in report.failures:
            log("  %s\n      %s" % (what, detail.replace("\n", "\n      ")))
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
