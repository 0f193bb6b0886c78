"""Who else is looking at a ticket (collision warning), kept in the cache.

Each open ticket page pings every PING seconds; a viewer not heard from for EXPIRE seconds is
gone. With REDIS_URL the cache is shared by every app server; in-process otherwise. A lost
update under a race costs one ping interval of accuracy, which a marker can afford.

Live (docs/realtime.md): the agent's WebSocket (rapport/realtime/consumers.py) pings on watch
and on each keystroke burst (`typing=True`), removes the agent when the page closes (`leave`),
and tells the ticket's group, whose pages then re-read this record. "Typing" lasts TYPING
seconds after the last keystroke; a plain ping does not clear it.
"""

from __future__ import annotations

import time

from django.core.cache import cache

PING = 15
EXPIRE = 40
TYPING = 6


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def _current(ticket_id: int, now: float) -> dict:
    return {
        uid: v for uid, v in (cache.get(_key(ticket_id)) or {}).items() if now - v["at"] < EXPIRE
    }


def _public(viewers: dict, now: float, exclude: str) -> list[dict]:
    return [
        {"name": v["name"], "at": v["at"], "typing": now - v.get("typing_at", 0) < TYPING}
        for uid, v in viewers.items()
        if uid != exclude
    ]


def ping(ticket_id: int, user, *, typing: bool = False) -> list[dict]:
    """Record `user` as viewing the ticket; return the *other* current viewers."""
    now = time.time()
    viewers = _current(ticket_id, now)
    previous = viewers.get(str(user.pk), {})
    viewers[str(user.pk)] = {
        "name": user.display_name,
        "at": now,
        "typing_at": now if typing else previous.get("typing_at", 0),
    }
    cache.set(_key(ticket_id), viewers, EXPIRE)
    return _public(viewers, now, str(user.pk))


def leave(ticket_id: int, user) -> None:
    """`user` closed the ticket page."""
    now = time.time()
    viewers = _current(ticket_id, now)
    if viewers.pop(str(user.pk), None) is not None:
        cache.set(_key(ticket_id), viewers, EXPIRE)
