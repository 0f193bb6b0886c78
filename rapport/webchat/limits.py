"""Limits of the visitor endpoints (issue #6 "Bad input"): sizes, rates, drop counters.

Per connection: a token bucket in the consumer's memory. Per IP address: a counter per minute
in the cache (shared by every server with REDIS_URL). What is refused is dropped, answered with
an error frame or a 4xx, and counted (`dropped()` — shown on the widgets page).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.cache import cache

MAX_TEXT_CHARS = 5000  # one chat message
MAX_FRAME_BYTES = 64 * 1024  # anything larger is refused before it is parsed
MAX_NAME_CHARS = 200
MAX_CLIENT_ID = 64
HISTORY_LIMIT = 200  # messages sent on (re)connect
ONLINE_HORIZON = timedelta(minutes=3)  # a connection not heard from for longer is gone
SEEN_EVERY = 60  # seconds between last_seen updates of a connected visitor
# Attachments: types a browser can show or a desk can open safely; never HTML or scripts.
UPLOAD_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class Bucket:
    """A token bucket: `rate` frames a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def ip_allows(widget, ip: str) -> bool:
    """Count one message or connection from `ip`; False once the widget's per-minute limit is
    passed (the minute's counter expires by itself)."""
    limit = widget.ip_limit_per_minute
    if not limit or not ip:
        return True
    key = f"webchat:ip:{widget.pk}:{ip}:{int(time.time() // 60)}"
    if cache.add(key, 1, 120):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, 120)
        return True


REASONS = ("rate", "ip", "size", "frame", "origin", "upload")


def count_drop(reason: str) -> None:
    key = f"webchat:dropped:{reason}"
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, None)


def dropped() -> dict[str, int]:
    values = cache.get_many([f"webchat:dropped:{r}" for r in REASONS])
    return {r: values.get(f"webchat:dropped:{r}", 0) for r in REASONS}
