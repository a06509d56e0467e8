#!/usr/bin/env python3
"""End-to-end check of the docs page (GET /api/docs) in headless Chromium.

Starts the server binary on a free loopback port with a temporary data dir,
issues a token, starts headless Chromium (no network beyond loopback) and
drives it over the Chrome DevTools Protocol with a small WebSocket client
written here on `socket`, then checks that:

  1. Swagger UI renders every operation of /api/openapi.json (and no other);
  2. "Authorize" with the token, then "Try it out" / "Execute" of
     GET /api/incident answers 200;
  3. the request Swagger UI sent carried the token (the server's access log
     names the token; the request's headers carry it);
  4. the page loaded nothing from outside the server, and none of the
     server's own URLs failed to load;

and saves a full-page screenshot to <artifacts>/docs-page.png.

Python 3 standard library only. Exit status 0 when every check passed, 1
otherwise (2 for bad usage).

    docs_page_check.py --binary build/test/incident-api --artifacts out/ \
        [--chromium /usr/bin/chromium]
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

SECRET = "some-test-secret"
TOKEN_NAME = "docs-check"
TOKEN_PERMISSIONS = ("incident_api", "scope_api", "service_api")
TRY_METHOD, TRY_PATH = "GET", "/api/incident"
EXPECTED_STATUS = 200
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

SERVER_READY_SECONDS = 30
SERVER_STOP_SECONDS = 10
CHROMIUM_READY_SECONDS = 20
CHROMIUM_STOP_SECONDS = 5
RENDER_SECONDS = 30
UI_STEP_SECONDS = 10
RESPONSE_SECONDS = 20
ACCESS_LOG_SECONDS = 3
CDP_CALL_SECONDS = 20

# urllib without any proxy from the environment: every request is loopback.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CheckFailed(Exception):
    """A check that failed; its message says what and why."""


class Stopped(BaseException):
    """SIGTERM/SIGHUP to this script: unwind through the finally blocks."""


def log(message):
    print(message, flush=True)


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(url, data=None, timeout=5.0):
    """(status, body bytes) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with HTTP.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as error:
        return "(cannot read %s: %s)" % (path, error)
    return "\n".join(text.splitlines()[-lines:])


def children_of(pid):
    """PIDs whose parent is `pid` (from /proc), to clean up after a SIGKILL."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry))
    return found


def stop_process(proc, name, grace_seconds):
    """SIGTERM the process we started (by its PID), SIGKILL it after the grace."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace_seconds)
        return
    except subprocess.TimeoutExpired:
        pass
    # Stuck in shutdown: take down the children it started too (a server's
    # redis-server), so that nothing of this run outlives it.
    children = children_of(proc.pid)
    log("warning: %s (pid %d) did not stop within %d s of SIGTERM; SIGKILL"
        % (name, proc.pid, grace_seconds))
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log("warning: %s (pid %d) survived SIGKILL for 5 s" % (name, proc.pid))
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------

class Server:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.data_dir = None
        self.log_path = os.path.join(workdir, "server.log")
        self.base = None

    def start(self):
        """Starts the server and waits for GET /health; retries a lost port race."""
        for attempt in range(3):
            self.port = free_loopback_port()
            self.base = "http://127.0.0.1:%d" % self.port
            self.data_dir = tempfile.mkdtemp(prefix="data-", dir=self.workdir)
            env = {k: v for k, v in os.environ.items() if not k.startswith("PM_")}
            env["PM_SECRET_KEY"] = SECRET
            env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
            args = [self.binary, "--port", str(self.port), "--data-dir", self.data_dir]
            with open(self.log_path, "ab") as log_file:
                log_file.write(("--- %s\n" % " ".join(args)).encode())
                log_file.flush()
                self.proc = subprocess.Popen(
                    args, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                    stderr=log_file, cwd=self.workdir)
            if self._wait_ready():
                return
            if attempt < 2 and "in use" in tail(self.log_path, 10).lower():
                log("port %d was taken meanwhile; trying another" % self.port)
                stop_process(self.proc, "server", SERVER_STOP_SECONDS)
                continue
            break
        code = self.proc.poll()
        if code is not None:
            raise CheckFailed("server exited with status %d before answering GET /health"
                              % code)
        raise CheckFailed("server did not answer GET /health with 200 within %d s"
                          % SERVER_READY_SECONDS)

    def _wait_ready(self):
        deadline = time.monotonic() + SERVER_READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                status, _ = http_request(self.base + "/health", timeout=2)
                if status == 200:
                    return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        return False

    def create_token(self):
        form = [("secret", SECRET), ("name", TOKEN_NAME)]
        form += [("permission", p) for p in TOKEN_PERMISSIONS]
        status, body = http_request(self.base + "/api/token/create",
                                    data=urllib.parse.urlencode(form).encode(), timeout=10)
        if status != 200:
            raise CheckFailed("POST /api/token/create answered %d: %s"
                              % (status, body[:300].decode("utf-8", "replace")))
        try:
            token = json.loads(body)
        except ValueError:
            token = None
        if not isinstance(token, str) or not token:
            raise CheckFailed("POST /api/token/create did not answer a JSON string: %r"
                              % body[:300])
        return token

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        stop_process(self.proc, "server", SERVER_STOP_SECONDS)


# --------------------------------------------------------------------------
# A minimal WebSocket client (RFC 6455), enough for the DevTools protocol
# --------------------------------------------------------------------------

class WebSocketClosed(Exception):
    pass


class WebSocket:
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    MAX_MESSAGE = 256 * 1024 * 1024

    def __init__(self, url, timeout=10.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "ws":
            raise ValueError("not a ws:// URL: %s" % url)
        host, port = parts.hostname, parts.port or 80
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()
        self.closed = False
        self.message_parts, self.message_opcode = [], None
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        host_header = host if port == 80 else "%s:%d" % (host, port)
        request = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host_header, key))
        self.sock.sendall(request.encode("ascii"))
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise WebSocketClosed("handshake answer too long")
            self._read_some(deadline)
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:end]).decode("iso-8859-1")
        del self.buf[:end + 4]  # anything after it is already frames
        lines = head.split("\r\n")
        if not re.match(r"HTTP/1\.1 101\b", lines[0]):
            raise WebSocketClosed("handshake refused: %s" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(
            hashlib.sha1((key + self.GUID).encode("ascii")).digest()).decode("ascii")
        if headers.get("sec-websocket-accept") != expected:
            raise WebSocketClosed("handshake: wrong Sec-WebSocket-Accept")
        if headers.get("upgrade", "").lower() != "websocket":
            raise WebSocketClosed("handshake: no 'Upgrade: websocket'")

    def _read_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("WebSocket read timed out")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError("WebSocket read timed out") from None
        if not chunk:
            self.closed = True
            raise WebSocketClosed("connection closed by the peer")
        self.buf += chunk

    def _send_frame(self, opcode, payload):
        header = bytearray([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack("!H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", n)
        mask = os.urandom(4)
        header += mask
        if n:
            repeated = (mask * (n // 4 + 1))[:n]
            masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big"))
            payload = masked.to_bytes(n, "big")
        self.sock.settimeout(10)
        self.sock.sendall(bytes(header) + payload)

    def send_text(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def _next_frame(self, deadline):
        """(fin, opcode, payload) of the next frame; consumes it only when whole."""
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                n = b1 & 0x7F
                offset = 2
                if n == 126:
                    offset = 4
                elif n == 127:
                    offset = 10
                masked = bool(b1 & 0x80)
                if len(self.buf) >= offset:
                    if n == 126:
                        n = struct.unpack("!H", self.buf[2:4])[0]
                    elif n == 127:
                        n = struct.unpack("!Q", self.buf[2:10])[0]
                    if n > self.MAX_MESSAGE:
                        raise WebSocketClosed("frame of %d bytes is too large" % n)
                    total = offset + (4 if masked else 0) + n
                    if len(self.buf) >= total:
                        payload = bytes(self.buf[total - n:total])
                        if masked:  # servers do not mask, but be lenient
                            mask = bytes(self.buf[offset:offset + 4])
                            repeated = (mask * (n // 4 + 1))[:n]
                            payload = (int.from_bytes(payload, "big") ^
                                       int.from_bytes(repeated, "big")).to_bytes(n, "big")
                        del self.buf[:total]
                        return bool(b0 & 0x80), b0 & 0x0F, payload
            self._read_some(deadline)

    def recv(self, deadline):
        """The next whole text (str) or binary (bytes) message; answers pings."""
        if self.closed:
            raise WebSocketClosed("connection is closed")
        # A message's frames so far live on self: a timeout between two frames
        # of one message leaves them for the next call.
        while True:
            fin, opcode, payload = self._next_frame(deadline)
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:  # pong
                continue
            if opcode == 0x8:  # close
                self.closed = True
                try:
                    self._send_frame(0x8, payload[:2])
                except OSError:
                    pass
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WebSocketClosed("closed by the peer (code %s)" % code)
            if opcode in (0x1, 0x2):
                if self.message_opcode is not None:
                    raise WebSocketClosed("new message inside a fragmented one")
                self.message_opcode = opcode
            elif opcode == 0x0:
                if self.message_opcode is None:
                    raise WebSocketClosed("continuation frame without a message")
            else:
                raise WebSocketClosed("unknown opcode %d" % opcode)
            self.message_parts.append(payload)
            if fin:
                data, kind = b"".join(self.message_parts), self.message_opcode
                self.message_parts, self.message_opcode = [], None
                return data.decode("utf-8") if kind == 0x1 else data

    def close(self):
        if not self.closed:
            try:
                self._send_frame(0x8, struct.pack("!H", 1000))
            except OSError:
                pass
            self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------
# Chrome DevTools Protocol over that WebSocket
# --------------------------------------------------------------------------

class CDPError(Exception):
    pass


class CDP:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.network = []     # every Network.* event, in order: (method, params)
        self.exceptions = []  # Runtime.exceptionThrown descriptions
        self.console_errors = []

    def _on_event(self, message):
        method = message.get("method", "")
        params = message.get("params", {})
        if method.startswith("Network."):
            self.network.append((method, params))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.exceptions.append(str(text).splitlines()[0] if text else "?")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            args = params.get("args", [])
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in args)
            self.console_errors.append((text.splitlines() or [""])[0][:200])
        # other events are not needed

    def call(self, method, params=None, timeout=CDP_CALL_SECONDS):
        self.next_id += 1
        call_id = self.next_id
        self.ws.send_text(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            try:
                raw = self.ws.recv(deadline)
            except TimeoutError:
                raise CDPError("%s: no answer within %d s" % (method, timeout)) from None
            message = json.loads(raw)
            if message.get("id") == call_id:
                if "error" in message:
                    raise CDPError("%s: %s" % (method, message["error"].get("message")))
                return message.get("result", {})
            if "method" in message:
                self._on_event(message)

    def pump(self, seconds):
        """Takes in the events that arrive within `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._on_event(json.loads(self.ws.recv(deadline)))
        except TimeoutError:
            pass

    def evaluate(self, expression, timeout=CDP_CALL_SECONDS):
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
            "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError("page script failed: %s" % text)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, seconds, what):
        """Polls `expression` until it is truthy; its value. CheckFailed on timeout."""
        deadline = time.monotonic() + seconds
        last_error = None
        while True:
            try:
                value = self.evaluate(expression, timeout=max(1.0, deadline - time.monotonic()))
                if value:
                    return value
            except CDPError as error:  # e.g. the context was replaced by a navigation
                last_error = error
            if time.monotonic() >= deadline:
                raise CheckFailed("timed out after %d s waiting for %s%s" % (
                    seconds, what, " (last error: %s)" % last_error if last_error else ""))
            self.pump(0.1)


class Browser:
    def __init__(self, chromium, workdir):
        self.chromium = chromium
        self.workdir = workdir
        self.proc = None
        self.profile = None
        self.log_path = os.path.join(workdir, "chromium.log")
        self.ws = None

    def start(self):
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=self.workdir)
        debug_port = free_loopback_port()
        args = [
            self.chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--user-data-dir=" + self.profile,
            "--remote-debugging-port=%d" % debug_port,
            # No name resolves; Chromium 156 applies the rule to IP literals
            # too, so the loopback address is excepted explicitly.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--no-proxy-server", "--window-size=1280,1000",
            "about:blank",
        ]
        with open(self.log_path, "ab") as log_file:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log_file,
                                         stderr=log_file, cwd=self.workdir)
        list_url = "http://127.0.0.1:%d/json/list" % debug_port
        deadline = time.monotonic() + CHROMIUM_READY_SECONDS
        target, last_error = None, None
        while target is None:
            if self.proc.poll() is not None:
                raise CheckFailed("chromium exited with status %d at start:\n%s"
                                  % (self.proc.returncode, tail(self.log_path, 20)))
            if time.monotonic() >= deadline:
                raise CheckFailed("chromium's %s did not list a page within %d s (%s)"
                                  % (list_url, CHROMIUM_READY_SECONDS, last_error))
            try:
                status, body = http_request(list_url, timeout=2)
                if status == 200:
                    pages = [t for t in json.loads(body)
                             if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
                    if pages:
                        target = pages[0]
                else:
                    last_error = "status %d" % status
            except (OSError, ValueError, urllib.error.URLError) as error:
                last_error = error
            if target is None:
                time.sleep(0.1)
        self.ws = WebSocket(target["webSocketDebuggerUrl"], timeout=10)
        return CDP(self.ws)

    def stop(self):
        if self.ws is not None:
            self.ws.close()
        stop_process(self.proc, "chromium", CHROMIUM_STOP_SECONDS)


# --------------------------------------------------------------------------
# Page interactions
# --------------------------------------------------------------------------

# Operations as Swagger UI rendered them: [{id, method, path}] for each .opblock.
JS_OPERATIONS = r"""
Array.from(document.querySelectorAll('.opblock')).map(function (block) {
  var method = block.querySelector('.opblock-summary-method');
  var path = block.querySelector('.opblock-summary-path, .opblock-summary-path__deprecated');
  var text = path ? (path.getAttribute('data-path') ||
                     path.textContent.replace(/[\u200b\u00ad]/g, '')) : '';
  return {id: block.id, method: method ? method.textContent.trim().toUpperCase() : '',
          path: text.trim()};
})
"""


def present(locator):
    """A JS expression: whether the element `locator` is on the page."""
    return "!!(%s)" % locator


def js_string(value):
    return json.dumps(value)


def click(cdp, locator, what):
    """Clicks the element `locator` (a JS expression) with real mouse events."""
    geometry = cdp.evaluate("""(function () {
      var el = %s;
      if (!el) return {found: false};
      el.scrollIntoView({block: 'center', inline: 'center'});
      var r = el.getBoundingClientRect();
      var x = r.left + r.width / 2, y = r.top + r.height / 2;
      var top = document.elementFromPoint(x, y);
      return {found: true, x: x, y: y, w: r.width, h: r.height,
              hit: !!top && (top === el || el.contains(top)),
              top: top ? (top.tagName + '.' + String(top.className)) : null,
              disabled: !!el.disabled};
    })()""" % locator)
    if not geometry or not geometry.get("found"):
        raise CheckFailed("cannot click %s: not on the page" % what)
    if geometry["w"] <= 0 or geometry["h"] <= 0:
        raise CheckFailed("cannot click %s: it is not visible" % what)
    if not geometry["hit"]:
        raise CheckFailed("cannot click %s: covered by %s" % (what, geometry["top"]))
    if geometry["disabled"]:
        raise CheckFailed("cannot click %s: it is disabled" % what)
    x, y = geometry["x"], geometry["y"]
    cdp.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
    for kind in ("mousePressed", "mouseReleased"):
        cdp.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                              "button": "left", "buttons": 1,
                                              "clickCount": 1})


def set_react_input(cdp, locator, value, what):
    """Types `value` into a React-controlled <input> (native setter + input event)."""
    ok = cdp.evaluate("""(function () {
      var el = %s;
      if (!el) return false;
      el.focus();
      var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      setter.call(el, %s);
      el.dispatchEvent(new Event('input', {bubbles: true}));
      el.dispatchEvent(new Event('change', {bubbles: true}));
      return el.value === %s;
    })()""" % (locator, js_string(value), js_string(value)))
    if not ok:
        raise CheckFailed("cannot fill %s" % what)


def document_operations(base):
    status, body = http_request(base + "/api/openapi.json", timeout=10)
    if status != 200:
        raise CheckFailed("GET /api/openapi.json answered %d" % status)
    document = json.loads(body)
    return {(method.upper(), path)
            for path, item in (document.get("paths") or {}).items()
            for method in item if method in HTTP_METHODS}


def full_page_screenshot(cdp, path):
    metrics = cdp.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics.get("contentSize")
    width, height = int(size["width"] + 0.999), int(size["height"] + 0.999)
    shot = cdp.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "fromSurface": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
        timeout=30)
    data = base64.b64decode(shot["data"])
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise CheckFailed("Page.captureScreenshot did not return a PNG")
    with open(path, "wb") as f:
        f.write(data)
    return width, height, len(data)


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.results = []  # (ok, name, detail)

    def ok(self, name, detail=""):
        self.results.append((True, name, detail))
        log("PASS  %s%s" % (name, ": " + detail if detail else ""))

    def fail(self, name, detail):
        self.results.append((False, name, detail))
        log("FAIL  %s: %s" % (name, detail))

    @property
    def passed(self):
        return bool(self.results) and all(ok for ok, _, _ in self.results)


def check_network(cdp, server, report):
    own = server.base + "/"
    requests, failures, bad_status = {}, [], []
    outside = []
    for method, params in cdp.network:
        if method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            requests[params.get("requestId")] = url
            if not (url.startswith(own) or url.startswith("data:") or url.startswith("about:")):
                outside.append(url)
        elif method == "Network.loadingFailed":
            url = requests.get(params.get("requestId"), "?")
            if url.startswith(own) or url == "?":
                failures.append("%s (%s%s)" % (url, params.get("errorText"),
                                               ", blocked: %s" % params["blockedReason"]
                                               if params.get("blockedReason") else ""))
        elif method == "Network.responseReceived":
            response = params.get("response", {})
            url = response.get("url", "")
            path = url[len(server.base):] if url.startswith(own) else ""
            # The page's own files must be served (200, or 304 from the cache).
            if (path.split("?")[0].startswith("/api/docs") or path == "/api/openapi.json") \
                    and response.get("status", 0) >= 400:
                bad_status.append("%s -> %d" % (url, response.get("status")))
    if outside:
        report.fail("no network outside the server", "%d request(s) elsewhere: %s"
                    % (len(outside), ", ".join(sorted(set(outside))[:10])))
    else:
        report.ok("no network outside the server",
                  "%d request(s), all to %s" % (len(requests), own))
    if failures or bad_status:
        report.fail("server URLs loaded", "; ".join(failures + bad_status))
    else:
        report.ok("server URLs loaded", "no Network.loadingFailed, page files served")


def run(args, workdir, report):
    server = Server(args.binary, workdir)
    browser = Browser(args.chromium, workdir)
    started = time.monotonic()
    cdp = None
    try:
        server.start()
        log("server: pid %d on %s (log %s)" % (server.proc.pid, server.base, server.log_path))
        token = server.create_token()
        report.ok("token issued", "name=%s (%d chars)" % (TOKEN_NAME, len(token)))

        cdp = browser.start()
        log("chromium: pid %d" % browser.proc.pid)
        for domain in ("Page", "Network", "Runtime"):
            cdp.call(domain + ".enable")
        docs_url = server.base + "/api/docs"
        navigation = cdp.call("Page.navigate", {"url": docs_url}, timeout=30)
        if navigation.get("errorText"):
            raise CheckFailed("navigating to %s failed: %s" % (docs_url, navigation["errorText"]))

        # 1. Every operation of the document is on the page, and nothing else.
        cdp.wait_for("document.querySelectorAll('.opblock').length",
                     RENDER_SECONDS, "Swagger UI to render operations (.opblock)")
        # Operations keep arriving while React renders tag by tag: settle.
        expected = document_operations(server.base)
        deadline = time.monotonic() + 5
        while True:
            rendered = cdp.evaluate(JS_OPERATIONS)
            shown = {(op["method"], op["path"]) for op in rendered}
            if shown == expected or time.monotonic() >= deadline:
                break
            cdp.pump(0.2)
        log("rendered after %.1f s: %d .opblock element(s)"
            % (time.monotonic() - started, len(rendered)))
        if shown == expected:
            report.ok("page lists every operation",
                      "%d in /api/openapi.json, %d distinct on the page (%d blocks)"
                      % (len(expected), len(shown), len(rendered)))
        else:
            missing = sorted(expected - shown)
            extra = sorted(shown - expected)
            report.fail("page lists every operation",
                        "document has %d, page shows %d; missing: %s; not in the document: %s"
                        % (len(expected), len(shown),
                           ", ".join("%s %s" % op for op in missing) or "none",
                           ", ".join("%s %s" % op for op in extra) or "none"))

        # 2. Authorize with the token, as a user would.
        authorize_button = ("(document.querySelector('.auth-wrapper .btn.authorize') || "
                            "document.querySelector('.btn.authorize'))")
        cdp.wait_for(present(authorize_button), UI_STEP_SECONDS, 'the "Authorize" button')
        click(cdp, authorize_button, 'the "Authorize" button')
        bearer_container = """(function () {
          var boxes = document.querySelectorAll('.modal-ux .auth-container');
          for (var i = 0; i < boxes.length; ++i) {
            var h = boxes[i].querySelector('h4, h5, h6');
            if (h && /\\bbearerAuth\\b/.test(h.textContent)) return boxes[i];
          }
          return null;
        })()"""
        bearer_input = "(%s || {querySelector: function () { return null; }})" \
            ".querySelector('input')" % bearer_container
        cdp.wait_for(present(bearer_input), UI_STEP_SECONDS,
                     "the bearerAuth value input in the Authorize dialog")
        set_react_input(cdp, bearer_input, token, "the bearerAuth value")
        submit = ("(%s || {querySelector: function () { return null; }})"
                  ".querySelector('button[type=submit], .btn.authorize')" % bearer_container)
        click(cdp, submit, 'the dialog\'s "Authorize" button')
        # Once authorized the dialog shows "Authorized" and a "Logout" button.
        cdp.wait_for("""(function () {
          var box = %s;
          if (!box) return false;
          return Array.from(box.querySelectorAll('button'))
                      .some(function (b) { return /logout/i.test(b.textContent); });
        })()""" % bearer_container, UI_STEP_SECONDS, "the dialog to show bearerAuth authorized")
        close_button = ("(document.querySelector('.modal-ux .btn-done') || "
                        "document.querySelector('.modal-ux .close-modal'))")
        click(cdp, close_button, "the dialog's close button")
        cdp.wait_for("!document.querySelector('.modal-ux')", UI_STEP_SECONDS,
                     "the Authorize dialog to close")
        locked = cdp.evaluate("!!document.querySelector('.auth-wrapper .btn.authorize.locked')")
        if locked:
            report.ok("authorized in the page", "bearerAuth set; the Authorize button shows locked")
        else:
            report.fail("authorized in the page",
                        "the Authorize button does not show locked after authorizing")

        # 3. Try it out: GET /api/incident.
        block_id = None
        for op in cdp.evaluate(JS_OPERATIONS):
            if op["method"] == TRY_METHOD and op["path"] == TRY_PATH and op["id"]:
                block_id = op["id"]
                break
        if block_id is None:
            raise CheckFailed("no operation block for %s %s on the page" % (TRY_METHOD, TRY_PATH))
        block = "document.getElementById(%s)" % js_string(block_id)
        log("operation block: #%s" % block_id)
        summary = ("(%s.querySelector('.opblock-summary-control') || "
                   "%s.querySelector('.opblock-summary'))" % (block, block))
        click(cdp, summary, "the %s %s summary" % (TRY_METHOD, TRY_PATH))
        try_out = "%s.querySelector('.try-out__btn')" % block
        cdp.wait_for(present(try_out), UI_STEP_SECONDS, 'the "Try it out" button')
        click(cdp, try_out, 'the "Try it out" button')
        execute = "%s.querySelector('.btn.execute')" % block
        cdp.wait_for(present(execute), UI_STEP_SECONDS, 'the "Execute" button')
        sent_before = len(cdp.network)
        click(cdp, execute, 'the "Execute" button')
        status_text = cdp.wait_for(
            """(function () {
              var cell = %s.querySelector(
                  '.live-responses-table .response .response-col_status');
              return cell ? cell.textContent.trim() : '';
            })()""" % block, RESPONSE_SECONDS, "the live response's status")
        match = re.match(r"\s*(\d{3})", status_text)
        status = int(match.group(1)) if match else None
        if status == EXPECTED_STATUS:
            report.ok("Try it out %s %s" % (TRY_METHOD, TRY_PATH), "live response %d" % status)
        else:
            report.fail("Try it out %s %s" % (TRY_METHOD, TRY_PATH),
                        "live response status %r, expected %d" % (status_text, EXPECTED_STATUS))

        # 4. The request carried the token: in its headers, and the server
        #    took it (its access log names the token).
        cdp.pump(0.3)
        sent = [p for m, p in cdp.network[sent_before:]
                if m == "Network.requestWillBeSent"
                and p.get("request", {}).get("method") == TRY_METHOD
                and urllib.parse.urlsplit(p["request"]["url"]).path == TRY_PATH]
        headers = {k.lower(): v for k, v in
                   (sent[-1]["request"].get("headers", {}) if sent else {}).items()}
        if not sent:
            report.fail("request sent with the token",
                        "no %s %s request seen in the Network events" % (TRY_METHOD, TRY_PATH))
        elif headers.get("authorization") != "Bearer " + token:
            shown = headers.get("authorization")
            report.fail("request sent with the token",
                        "%s %s was sent with Authorization: %s" % (
                            TRY_METHOD, TRY_PATH,
                            "(none)" if shown is None else repr(shown[:20] + "...")))
        else:
            report.ok("request sent with the token",
                      "Authorization: Bearer <the docs-check token>")
        wanted = "token=%s method=%s route=%s " % (TOKEN_NAME, TRY_METHOD, TRY_PATH)
        deadline = time.monotonic() + ACCESS_LOG_SECONDS
        line = None
        while line is None:
            for candidate in server.log_text().splitlines():
                if wanted in candidate and " status=%d " % EXPECTED_STATUS in candidate:
                    line = candidate
            if line is None:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        if line:
            report.ok("access log names the token", line[line.find("ACCESS"):])
        else:
            seen = [l[l.find("ACCESS"):] for l in server.log_text().splitlines()
                    if "ACCESS" in l and " route=%s " % TRY_PATH in l]
            report.fail("access log names the token",
                        "no line with '%s' and status=%d within %d s; its %s lines: %s"
                        % (wanted, EXPECTED_STATUS, ACCESS_LOG_SECONDS, TRY_PATH,
                           " | ".join(seen[-3:]) or "none"))

        # 5. A full-page screenshot with the response shown.
        cdp.evaluate("%s.scrollIntoView({block: 'start'})" % block)
        cdp.pump(0.3)
        os.makedirs(args.artifacts, exist_ok=True)
        shot_path = os.path.abspath(os.path.join(args.artifacts, "docs-page.png"))
        width, height, size = full_page_screenshot(cdp, shot_path)
        report.ok("screenshot", "%s (%dx%d, %d bytes)" % (shot_path, width, height, size))

        # 6. Nothing loaded from elsewhere; nothing of the server's failed.
        check_network(cdp, server, report)
        if cdp.exceptions:
            log("note: page exceptions: %s" % "; ".join(cdp.exceptions[:5]))
        if cdp.console_errors:
            log("note: console errors: %s" % "; ".join(cdp.console_errors[:5]))
    except (CheckFailed, CDPError, WebSocketClosed, TimeoutError, OSError) as error:
        report.fail("run", str(error))
        if cdp is not None:  # what the page looked like when it went wrong
            try:
                os.makedirs(args.artifacts, exist_ok=True)
                path = os.path.abspath(os.path.join(args.artifacts, "docs-page-failure.png"))
                full_page_screenshot(cdp, path)
                log("failure screenshot: %s" % path)
            except Exception as shot_error:  # best effort only
                log("(no failure screenshot: %s)" % shot_error)
            try:
                check_network(cdp, server, report)
            except Exception:
                pass
    finally:
        browser.stop()
        server.stop()
        if server.proc is not None and server.proc.returncode not in (0, None):
            log("note: server exited with status %s" % server.proc.returncode)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="path to the incident-api binary")
    parser.add_argument("--artifacts", required=True, help="directory for the screenshot")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium binary")
    args = parser.parse_args()
    for path, what in ((args.binary, "--binary"), (args.chromium, "--chromium")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            log("docs page check: FAILED: %s %s is not an executable file" % (what, path))
            return 1
    args.binary = os.path.abspath(args.binary)

    def stop(signum, _frame):
        for other in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # cleanup runs once
            signal.signal(other, signal.SIG_IGN)
        raise Stopped("signal %d" % signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="docs-page-check-")
    report = Report()
    try:
        run(args, workdir, report)
    except (Stopped, KeyboardInterrupt) as error:
        report.fail("run", "interrupted (%s)" % (error or "SIGINT"))
    except Exception:  # a bug here or an unexpected answer: a failure, with its trace
        report.fail("run", "unexpected error:\n" + traceback.format_exc())
    finally:
        try:
            elapsed = time.monotonic() - started
            failed = [r for r in report.results if not r[0]]
            log("")
            if report.passed:
                log("docs page check: all %d checks passed in %.1f s"
                    % (len(report.results), elapsed))
            else:
                log("docs page check: FAILED (%d of %d checks) in %.1f s"
                    % (len(failed), len(report.results), elapsed))
                for _, name, detail in failed:
                    log("  - %s: %s" % (name, detail))
                for name in ("server.log", "chromium.log"):  # kept for a look afterwards
                    try:
                        os.makedirs(args.artifacts, exist_ok=True)
                        shutil.copy(os.path.join(workdir, name),
                                    os.path.join(args.artifacts, "docs-page-" + name))
                    except OSError:
                        pass
                server_log = os.path.join(workdir, "server.log")
                if os.path.exists(server_log):
                    log("--- last 40 lines of the server log (also in %s) ---"
                        % os.path.abspath(os.path.join(args.artifacts, "docs-page-server.log")))
                    log(tail(server_log, 40))
        finally:  # even when stdout is gone
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
