"""The agent's WebSocket: `ws/agent/` (CH1, CH3; docs/realtime.md).

One connection per open workspace page. Session-authenticated (AuthMiddlewareStack, origin
checked against ALLOWED_HOSTS in routing.py); every desk user is an agent (customers are not
users), so any active, logged-in user may connect. On connect it joins:
    user_group(me)            notifications, CTI card pops
    team_group(t)             for each of my teams: new tickets, messages, counts
    INBOX_GROUP               when I see every team (supervisors, admins)

Frames from the browser (JSON objects, at most MAX_FRAME bytes):
    {"type": "watch", "ticket": id}     join ticket_group(id) — only if I may open that ticket
                                        (the same visibility as the ticket page); marks me as
                                        viewing it (tickets/presence.py) and tells the watchers
    {"type": "unwatch", "ticket": id}   leave it
    {"type": "typing", "ticket": id}    a watched ticket: mark me typing, tell the watchers
    {"type": "ping"}                    answered by {"event": "pong"}

Answers are `{"event": ..., "data": ...}`; a refused or bad frame gets `{"event": "error",
"data": {"code": ..., "type": ...}}`. Flooding: a token bucket per connection (RATE frames a
second, BURST at once); frames beyond it are dropped and counted, and after MAX_DROPS drops
the connection is closed (4429). Nothing a browser sends can raise out of a handler.
"""

from __future__ import annotations

import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rapport.tickets import presence
from rapport.tickets.models import Ticket

from .publish import AGENT_EVENT, INBOX_GROUP, team_group, ticket_group, user_group

log = logging.getLogger(__name__)

MAX_FRAME = 4096  # bytes; the browser sends small control frames only
RATE = 10.0  # frames a second, sustained
BURST = 30  # frames at once
MAX_DROPS = 50  # dropped frames before the connection is closed
MAX_WATCHED = 20  # tickets one connection may watch at once

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FLOODING = 4429

stats = {"connected": 0, "dropped": 0, "refused": 0, "closed_flooding": 0, "errors": 0}


@database_sync_to_async
def _memberships(user) -> tuple[list[int], bool]:
    return list(user.teams.values_list("id", flat=True)), user.sees_all_teams


@database_sync_to_async
def _may_open(user, ticket_id: int) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=ticket_id).exists()


@database_sync_to_async
def _ping(ticket_id: int, user, typing: bool) -> None:
    presence.ping(ticket_id, user, typing=typing)


@database_sync_to_async
def _leave(ticket_id: int, user) -> None:
    presence.leave(ticket_id, user)


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            stats["refused"] += 1
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.watching: set[int] = set()
        self.tokens = float(BURST)
        self.refilled = time.monotonic()
        self.drops = 0
        teams, sees_all = await _memberships(user)
        self.joined = [user_group(user.pk), *(team_group(t) for t in teams)]
        if sees_all:
            self.joined.append(INBOX_GROUP)
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        stats["connected"] += 1
        await self.send_json({"event": "hello", "data": {"user": user.pk}})

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        for ticket_id in list(getattr(self, "watching", ())):
            await self._unwatch(ticket_id)

    # --- From the channel layer ---------------------------------------------------------------

    async def agent_event(self, message):
        """publish.push(): forward `event` and `data` to the browser."""
        await self.send_json({"event": message["event"], "data": message.get("data", {})})

    # --- From the browser ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self._take_token():
            self.drops += 1
            stats["dropped"] += 1
            if self.drops >= MAX_DROPS:
                stats["closed_flooding"] += 1
                await self.close(code=CLOSE_FLOODING)
            return
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > MAX_FRAME:
            await self._error("too_large" if raw else "empty")
            return
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            await self._error("bad_json")
            return
        if not isinstance(frame, dict):
            await self._error("bad_frame")
            return
        kind = frame.get("type")
        handler = {
            "watch": self._on_watch,
            "unwatch": self._on_unwatch,
            "typing": self._on_typing,
            "ping": self._on_ping,
        }.get(kind if isinstance(kind, str) else "")
        if handler is None:
            await self._error("unknown_type", kind)
            return
        try:
            await handler(frame)
        except Exception:  # a bug must cost this frame, never the connection
            stats["errors"] += 1
            log.exception("agent consumer: %s failed", kind)
            await self._error("failed", kind)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.refilled) * RATE)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def _error(self, code: str, kind=None) -> None:
        kind = kind if isinstance(kind, str) else None
        await self.send_json({"event": "error", "data": {"code": code, "type": kind}})

    @staticmethod
    def _ticket_id(frame) -> int | None:
        value = frame.get("ticket")
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            value = int(value)
        except ValueError:
            return None
        return value if 0 < value < 2**63 else None

    async def _on_ping(self, frame) -> None:
        await self.send_json({"event": "pong", "data": {}})

    async def _on_watch(self, frame) -> None:
        ticket_id = self._ticket_id(frame)
        if ticket_id is None:
            await self._error("bad_ticket", "watch")
            return
        if ticket_id not in self.watching:
            # The same answer for "no such ticket" and "not yours": outsiders learn nothing.
            if len(self.watching) >= MAX_WATCHED or not await _may_open(self.user, ticket_id):
                await self._error("forbidden", "watch")
                return
            await self.channel_layer.group_add(ticket_group(ticket_id), self.channel_name)
            self.watching.add(ticket_id)
        await _ping(ticket_id, self.user, False)
        await self._presence(ticket_id)
        await self.send_json({"event": "watching", "data": {"ticket": ticket_id}})

    async def _on_unwatch(self, frame) -> None:
        ticket_id = self._ticket_id(frame)
        if ticket_id in self.watching:
            await self._unwatch(ticket_id)

    async def _unwatch(self, ticket_id: int) -> None:
        self.watching.discard(ticket_id)
        await self.channel_layer.group_discard(ticket_group(ticket_id), self.channel_name)
        await _leave(ticket_id, self.user)
        await self._presence(ticket_id)

    async def _on_typing(self, frame) -> None:
        ticket_id = self._ticket_id(frame)
        if ticket_id not in self.watching:  # watch first: that is where permission is checked
            await self._error("not_watching", "typing")
            return
        await _ping(ticket_id, self.user, True)
        await self._presence(ticket_id)
        from rapport.webchat.transport import agent_typing_async  # a chat visitor sees it too

        await agent_typing_async(ticket_id, self.user.first_name or self.user.username, True)

    async def _presence(self, ticket_id: int) -> None:
        """Tell the ticket's watchers to re-read who is viewing (tickets/presence.py)."""
        await self.channel_layer.group_send(
            ticket_group(ticket_id),
            {
                "type": AGENT_EVENT,
                "event": "presence",
                "data": {"ticket": ticket_id, "user": self.user.pk},
            },
        )
