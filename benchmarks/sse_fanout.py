#!/usr/bin/env python3
"""Event-stream fan-out under a write load (benchmarks/sse_fanout.sh).

Arguments: base URL, server pid, token, incident id, readers, comments.
Posts `comments` sequential comments with no reader, then again with
`readers` anonymous Server-Sent Events readers reading all the while; checks
that every reader got every comment in order, and prints one JSON line: the
comments' wall time alone and beside the readers, and the server's CPU per
delivered event.
"""
import http.client
import json
import re
import os
import selectors
import socket
import sys
import threading
import time
import urllib.parse

url, pid, token, incident, readers, comments = sys.argv[1:7]
readers, comments = int(readers), int(comments)
host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
ticks_per_second = os.sysconf("SC_CLK_TCK")


def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def post_comments(tag):
    connection = http.client.HTTPConnection(host, port)
    started = time.monotonic()
    for i in range(comments):
        body = urllib.parse.urlencode({"comment": f"{tag} {i}"})
        connection.request("POST", f"/api/incident/{incident}/comment", body,
                           {"Authorization": f"Bearer {token}",
                            "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
    return time.monotonic() - started


class Readers:
    def __init__(self, count):
        self.selector = selectors.DefaultSelector()
        self.received = {}
        for _ in range(count):
            sock = socket.create_connection((host, port))
            sock.sendall(b"GET /api/incident/stream HTTP/1.1\r\nHost: bench\r\n\r\n")
            sock.setblocking(False)
            self.received[sock] = bytearray()
            self.selector.register(sock, selectors.EVENT_READ)
        self.stop = False
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop:
            for key, _ in self.selector.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1 << 16)
                except BlockingIOError:
                    continue
                if data:
                    self.received[key.fileobj] += data

    def events(self, sock, tag):
        text = self.received[sock].decode("utf-8", "replace")
        return [int(n) for n in re.findall(f'"content":"{tag} (\\d+)"', text)]

    def close(self):
        self.stop = True
        self.thread.join()
        for sock in self.received:
            sock.close()


alone = post_comments("alone")
group = Readers(readers)
time.sleep(1)
cpu_before = cpu_seconds()
beside = post_comments("beside")
deadline = time.monotonic() + 120
expected = list(range(comments))
while time.monotonic() < deadline:
    if all(group.events(sock, "beside") == expected for sock in group.received):
        break
    time.sleep(0.2)
delivered_at = time.monotonic()
cpu_used = cpu_seconds() - cpu_before
complete = sum(group.events(sock, "beside") == expected for sock in group.received)
group.close()
print(json.dumps({
    "readers": readers, "comments": comments,
    "comments_alone_s": round(alone, 3), "comments_beside_readers_s": round(beside, 3),
    "readers_with_every_comment_in_order": complete,
    "server_cpu_s": round(cpu_used, 3),
    "server_cpu_us_per_delivered_event": round(1e6 * cpu_used / max(1, readers * comments), 2),
}))
