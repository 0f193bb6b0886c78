"""Signing webhook payloads (docs/webhooks.md). Pure functions: receivers can copy them.

    X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

A receiver recomputes v1 over the raw body bytes with the endpoint's secret, compares in
constant time, and refuses a timestamp older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Rapport-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now=None
) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(expected, value)
        for key, value in (item.split("=", 1) for item in header.split(","))
        if key == "v1"
    )
