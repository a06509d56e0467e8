"""Checking a webhook from incident-api on the receiving side (Standard Webhooks).

The README's example, tested: tests/webhooks/webhook_check.py imports verify()
and checks every delivery of its end-to-end run with it. Python 3 standard
library only.
"""

import base64
import binascii
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60  # older or newer deliveries are refused (replays)


def verify(secret, headers, body, now=None):
    """True when `body` (the raw bytes received) was signed with `secret`
    ("whsec_..."), `headers` holding webhook-id, webhook-timestamp and
    webhook-signature (any mapping; names in any case)."""
    h = {name.lower(): value for name, value in headers.items()}
    msg_id, timestamp = h.get("webhook-id", ""), h.get("webhook-timestamp", "")
    if not msg_id or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    # Several space-separated signatures while a rotated-out secret still signs.
    return any(hmac.compare_digest(given[3:].encode(), expected)
               for given in h.get("webhook-signature", "").split() if given.startswith("v1,"))
