"""Per-token rate limits with the standard headers (docs/api.md).

A fixed window of `RAPPORT_API_RATE_WINDOW` seconds allowing `RAPPORT_API_RATE_LIMIT`
requests, counted in the cache — Redis when REDIS_URL is set (shared by every app server),
else the process's local memory (one machine). Every response carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window resets); a refused
request gets 429 with `Retry-After`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .models import ApiToken


@dataclass
class Budget:
    limit: int
    remaining: int
    reset: int  # seconds

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset),
        }


def subject_key(request) -> str:
    token = request.auth
    if isinstance(token, ApiToken):
        return f"t{token.pk}"
    if request.user and request.user.is_authenticated:
        return f"u{request.user.pk}"
    return "a" + (request.META.get("REMOTE_ADDR") or "-")


def take(request) -> Budget:
    limit = settings.RAPPORT_API_RATE_LIMIT
    window = settings.RAPPORT_API_RATE_WINDOW
    now = time.time()
    start = int(now // window) * window
    key = f"api-rate:{subject_key(request)}:{start}"
    # add() then incr(): atomic on Redis and within one process on local memory; the key
    # expires with its window.
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        used = 1
    return Budget(limit=limit, remaining=limit - used, reset=max(1, int(start + window - now)))
