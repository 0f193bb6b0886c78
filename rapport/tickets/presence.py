"""Who else is looking at a ticket (collision warning), kept in the cache.

Each open ticket page pings every PING seconds; a viewer not heard from for EXPIRE seconds is
gone. With REDIS_URL the cache is shared by every app server; in-process otherwise. A lost
update under a race costs one ping interval of accuracy, which a marker can afford.
"""

from __future__ import annotations

import time

from django.core.cache import cache

PING = 15
EXPIRE = 40


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def ping(ticket_id: int, user, *, typing: bool = False) -> list[dict]:
    """Record `user` as viewing the ticket; return the *other* current viewers."""
    now = time.time()
    viewers = {
        uid: v for uid, v in (cache.get(_key(ticket_id)) or {}).items() if now - v["at"] < EXPIRE
    }
    viewers[str(user.pk)] = {"name": user.display_name, "at": now, "typing": typing}
    cache.set(_key(ticket_id), viewers, EXPIRE)
    return [v for uid, v in viewers.items() if uid != str(user.pk)]
