"""The chat visitor's WebSocket (CH1, CH3). See docs/webchat.md.

VISITOR PROTOCOL (version 1) — `ws[s]://<rapport>/ws/chat/<widget key>/`, JSON text frames.

The page's Origin must be on the widget's allow-list (Rapport's own host always is), else the
connection is closed with code 4403 before it is accepted; an unknown or inactive key: 4404;
an address over the widget's per-minute limit: 4429.

Visitor → server
  {"type": "hello", "token": "<token or omitted>", "lang": "ru"}
        first frame. No token (first visit): the server makes one and returns it in
        `welcome`; the widget keeps it in localStorage (same browser → same customer).
        A token is 16–64 chars of [A-Za-z0-9_-]; a client may bring its own.
  {"type": "message", "id": "<client id>", "text": "..."}
        client id: 1–64 chars of [A-Za-z0-9_.:-], unique per visitor (the widget uses a
        random id per message and resends unacknowledged messages, same id, after a
        reconnect). Stored through intake with external_id "<visitor id>:<client id>", so a
        resend is stored once. Text ≤ 5,000 characters.
  {"type": "typing", "typing": true|false}
  {"type": "identify", "name": "...", "email": "..."}
  {"type": "rate", "score": 1..5, "comment": "..."}   (FB1, after the chat ended)
  {"type": "history"}                                 (the welcome frame again)
  {"type": "ping"}

Server → visitor
  {"type": "welcome", "token", "greeting", "open", "next_opening" (ISO or null),
   "agents_online", "ask_email", "upload_mb", "max_chars", "visitor": {"name", "email"},
   "chat": {"ticket", "ended", "rate"}, "history": [message, ...]}
  {"type": "ack", "id": "<client id>", "message": <message id>, "ticket": <id>,
   "duplicate": false|true, "at": "<ISO>", "pending": false|true}
        sent once the message is durably stored (committed) — for a resend too. With
        deferred intake (RAPPORT_INTAKE_DEFERRED) it is stored raw and acknowledged at once:
        "pending": true, "message" and "ticket" null; once the intake worker has processed
        it, a `message` frame with its id and client id follows (dedupe by client id).
  {"type": "message", "message": {"id", "client_id", "from": "visitor"|"agent", "name",
   "text", "at", "attachments": [{"name", "size", "type", "url"}]}}
        an agent's reply, or the visitor's own message from another tab, or processed (dedupe
        by id, then by client id). In the welcome's history a message not processed yet has
        "id": null and "pending": true.
  {"type": "typing", "who": "agent", "typing": true|false, "name": "..."}
  {"type": "ended", "rate": true|false}       the agent solved/closed the chat
  {"type": "identified", "name", "email"}   {"type": "rated", "score"}   {"type": "pong"}
  {"type": "error", "code": "...", "detail": "...", "id": "<client id, when about a message>"}
        codes: bad_json, bad_frame, unknown_type, too_big, too_long, empty, bad_id,
        bad_token, no_hello, rate_limited, not_accepted, bad_email, bad_score, no_chat,
        server_error. An error never closes the connection, except flooding (4008).

HTTP fallback (same origin rules, CORS for allowed origins): POST /chat/<key>/messages/
{"token", "id", "text"} → the ack; GET /chat/<key>/history/ with header X-Chat-Token → the
welcome; POST /chat/<key>/upload/ (multipart: token, id, file, text) → the ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from rapport.realtime.publish import AGENT_EVENT, chat_group, ticket_group, visitor_group
from rapport.realtime.threads import DatabaseThreads

from . import actions, limits, store, trace
from .models import visitor_id

log = logging.getLogger(__name__)

FLOOD_CLOSE = 4008
FLOOD_DROPS = 50  # frames dropped on one connection before it is closed

# The connections' reads (widget, welcome, per-address counts) run on a few threads of their
# own that keep their database connections (rapport/realtime/threads.py) — not asgiref's one
# shared thread (a thousand connections would queue behind each other), nor a connection
# opened and closed per call.
reads = DatabaseThreads("webchat-read", size=3)


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return ""


class VisitorConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send) -> None:
        """Channels' `AsyncConsumer.__call__`, leaner per frame. Channels waits on the socket
        and the channel layer together (`await_many_dispatch`: an `asyncio.wait` and a new
        task for every frame); here the socket is read in this task and the layer in a second
        one that lives as long as the connection. A lock keeps Channels' guarantee that one
        message is handled at a time, in order; an error in either ends the connection, as
        with Channels."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        lock = asyncio.Lock()
        this = asyncio.current_task()
        failure: list[BaseException] = []

        async def from_layer() -> None:
            try:
                while True:
                    message = await self.channel_layer.receive(self.channel_name)
                    async with lock:
                        await self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the connection's task
                failure.append(exc)
                this.cancel()

        layer = asyncio.create_task(from_layer())
        try:
            while True:
                message = await receive()
                async with lock:
                    await self.dispatch(message)
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            if not failure:
                raise
            if not isinstance(failure[0], StopConsumer):
                raise failure[0] from None
        finally:
            layer.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopConsumer):
                await layer

    async def dispatch(self, message) -> None:
        """Channels' dispatch, without its `close_old_connections` on asgiref's shared thread
        before every handler (a thread hop per frame: ~6 % of the server's time under issue
        #6's benchmark). This consumer never uses the database on the event loop's thread:
        its reads and writes run where the connection is checked around each call
        (`reads`, store.py, database_sync_to_async)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.widget = None
        self.token = ""
        self.vid = ""
        self.language = ""
        self.ticket_id: int | None = None
        self.counted = False
        self.drops = 0
        self.frames = limits.Bucket(rate=5, burst=20)
        self.messages = limits.Bucket(rate=1, burst=8)
        self.typing = limits.Bucket(rate=0.5, burst=2)
        self.last_seen = 0.0
        self.known = ""  # the visitor id whose row this connection knows exists
        key = self.scope["url_route"]["kwargs"]["key"]
        self.ip = (self.scope.get("client") or ("", 0))[0] or ""
        self.widget = await reads.run(actions.access_widget, key)
        if self.widget is None:
            await self.close(code=4404)
            return
        origin = _header(self.scope, b"origin")
        if not self.widget.allows(origin, host=_header(self.scope, b"host")):
            limits.count_drop("origin")
            await self.close(code=4403)
            return
        if self.widget.ip_limit_per_minute and not await reads.run(
            limits.ip_allows, self.widget, self.ip
        ):
            limits.count_drop("ip")
            await self.close(code=4429)
            return
        await self.accept()
        if trace.ENABLED:
            trace.start()

    async def disconnect(self, code) -> None:
        if self.vid:
            await self.channel_layer.group_discard(visitor_group(self.vid), self.channel_name)
        if self.ticket_id:
            await self.channel_layer.group_discard(chat_group(self.ticket_id), self.channel_name)
        if self.counted:
            await self._count(-1)

    # --- frames from the visitor ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            await self._receive(text_data, bytes_data)
        except Exception:  # never crash the consumer: the visitor gets a reason, we get a log
            log.exception("webchat: frame from %s failed", self.vid or self.ip)
            await self._error("server_error", "Something went wrong; try again.")

    async def _receive(self, text_data, bytes_data) -> None:
        if not self.frames.take():
            await self._drop("rate", "rate_limited", "Too many frames; slow down.")
            return
        if bytes_data is not None or text_data is None:
            await self._error("bad_frame", "Frames are JSON text.")
            return
        if len(text_data) > limits.MAX_FRAME_BYTES:
            limits.count_drop("size")
            await self._error("too_big", "The frame is too large.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            limits.count_drop("frame")
            await self._error("bad_json", "The frame is not JSON.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            limits.count_drop("frame")
            await self._error("bad_frame", "A frame is a JSON object with a type.")
            return
        kind = frame["type"]
        handler = self.HANDLERS.get(kind)
        if handler is None:
            limits.count_drop("frame")
            await self._error("unknown_type", f"Unknown frame type {kind[:40]!r}.")
            return
        if kind not in ("hello", "ping") and not self.token:
            await self._error("no_hello", "Send a hello frame first.")
            return
        try:
            await handler(self, frame)
        except actions.ChatError as exc:
            await self._error(exc.code, exc.detail, frame.get("id"))

    async def on_hello(self, frame: dict) -> None:
        token = frame.get("token") or actions.new_token()
        token = actions.check_token(token)
        if self.vid and self.vid != visitor_id(token):  # a second hello as someone else
            await self.channel_layer.group_discard(visitor_group(self.vid), self.channel_name)
        self.token = token
        self.vid = visitor_id(self.token)
        # Joined BEFORE the history is read: a message processed after that read is pushed
        # here (actions.history explains the order).
        await self.channel_layer.group_add(visitor_group(self.vid), self.channel_name)
        lang = frame.get("lang")
        self.language = lang[:10] if isinstance(lang, str) else ""
        await self._welcome()

    async def on_history(self, frame: dict) -> None:
        await self._welcome()

    async def _welcome(self) -> None:
        data = await reads.run(
            functools.partial(actions.welcome, self.widget, self.token, self.language, recent=True)
        )
        await self._follow(data["chat"]["ticket"])
        if not self.counted:
            self.counted = await self._count(1)
        await self._send(data)

    async def on_message(self, frame: dict) -> None:
        if not self.messages.take():
            await self._drop(
                "rate", "rate_limited", "Too many messages; slow down.", frame.get("id")
            )
            return
        # Off the shared sync thread (the cache only; nothing when the widget has no limit).
        if self.widget.ip_limit_per_minute and not await reads.run(
            limits.ip_allows, self.widget, self.ip
        ):
            await self._drop(
                "ip", "rate_limited", "Too many messages from your network.", frame.get("id")
            )
            return
        if settings.RAPPORT_INTAKE_DEFERRED:
            await self._store_first(frame)
            return
        sent = await database_sync_to_async(actions.do_visitor_message)(
            self.widget,
            self.token,
            frame.get("id"),
            frame.get("text"),
            language=self.language,
        )
        await self._follow(sent.message.ticket_id)
        if not self.counted:  # the first message of a new visitor: connected from now on
            self.counted = await self._count(1)
        await self._send(sent.ack())
        if not sent.duplicate:
            data = await database_sync_to_async(actions.serialise)(sent.message, self.vid)
            # The visitor's other tabs show it too (this one dedupes by id).
            await self.channel_layer.group_send(
                chat_group(sent.message.ticket_id), {"type": "chat.message", "message": data}
            )

    async def _store_first(self, frame: dict) -> None:
        """Deferred intake: the raw message committed (with other connections' messages, in
        one transaction: store.py), then the ack; the intake worker does the rest."""
        received = time.perf_counter()
        count = not self.counted
        # The visitor's row is looked up (and last_seen refreshed) once a SEEN_EVERY, not
        # for every message.
        now = timezone.now().timestamp()
        known = self.known == self.vid and now - self.last_seen < limits.SEEN_EVERY
        item = actions.check_visitor_message(
            self.widget,
            self.token,
            frame.get("id"),
            frame.get("text"),
            language=self.language,
            count=count,
            known=known,
        )
        self.counted = True  # counted by that transaction (a second message must not count)
        try:
            accepted = await store.submit(item)
        except BaseException:
            if count:
                self.counted = False
            raise
        if not known:
            self.known, self.last_seen = self.vid, now
        if accepted.ticket_id:  # a resend of a message processed meanwhile
            await self._follow(accepted.ticket_id)
        await self._send(accepted.ack())
        if trace.ENABLED:
            queued, stored, lock = getattr(item, "trace", (0.0, 0.0, 0.0))
            trace.add(
                "msg",
                server=time.perf_counter() - received,
                queued=queued,
                store=stored,
                lock=lock,
            )

    async def on_typing(self, frame: dict) -> None:
        if not self.ticket_id or not self.typing.take():
            return  # nobody to tell yet, or told recently enough
        # As rapport.realtime.publish.push_now would, awaited here (we are in the event loop).
        await self.channel_layer.group_send(
            ticket_group(self.ticket_id),
            {
                "type": AGENT_EVENT,
                "event": "chat.typing",
                "data": {
                    "ticket": self.ticket_id,
                    "who": "visitor",
                    "typing": bool(frame.get("typing")),
                },
            },
        )

    async def on_identify(self, frame: dict) -> None:
        visitor = await database_sync_to_async(actions.do_identify)(
            self.widget, self.token, name=frame.get("name") or "", email=frame.get("email") or ""
        )
        await self._send({"type": "identified", "name": visitor.name, "email": visitor.email})

    async def on_rate(self, frame: dict) -> None:
        rating = await database_sync_to_async(actions.do_rate)(
            self.widget, self.token, frame.get("score"), frame.get("comment") or ""
        )
        await self._send({"type": "rated", "score": rating.score})

    async def on_ping(self, frame: dict) -> None:
        await self._send({"type": "pong"})
        if self.counted and timezone.now().timestamp() - self.last_seen > limits.SEEN_EVERY:
            await self._count(0)

    HANDLERS = {
        "hello": on_hello,
        "history": on_history,
        "message": on_message,
        "typing": on_typing,
        "identify": on_identify,
        "rate": on_rate,
        "ping": on_ping,
    }

    # --- events from the server (group messages on chat_group(ticket)) ---------------------

    async def chat_message(self, event: dict) -> None:
        if event.get("follow"):  # the visitor's message, processed: its chat is this ticket
            await self._follow(event["follow"])
        await self._send({"type": "message", "message": event["message"]})
        if event.get("ended"):
            await self._send({"type": "ended", "rate": bool(event.get("rate", True))})

    async def chat_agent_typing(self, event: dict) -> None:
        await self._send(
            {
                "type": "typing",
                "who": "agent",
                "typing": bool(event.get("typing")),
                "name": event.get("name") or "",
            }
        )

    async def chat_ended(self, event: dict) -> None:
        await self._send({"type": "ended", "rate": bool(event.get("rate", True))})

    # --- helpers -------------------------------------------------------------------------------

    async def _follow(self, ticket_id: int | None) -> None:
        """Listen to the chat the visitor is on now (a new chat after the last one ended)."""
        if ticket_id == self.ticket_id:
            return
        if self.ticket_id:
            await self.channel_layer.group_discard(chat_group(self.ticket_id), self.channel_name)
        self.ticket_id = ticket_id
        if ticket_id:
            await self.channel_layer.group_add(chat_group(ticket_id), self.channel_name)

    async def _count(self, delta: int) -> bool:
        """Keep the visitor's connection count (a reply goes by e-mail when it is 0), through
        the group commit (one write transaction for many connections' counts and messages)."""
        self.last_seen = timezone.now().timestamp()
        return await store.submit(actions.Seen(self.vid, delta))

    async def _drop(self, reason: str, code: str, detail: str, client_id=None) -> None:
        limits.count_drop(reason)
        self.drops += 1
        if self.drops >= FLOOD_DROPS:
            await self.close(code=FLOOD_CLOSE)
            return
        await self._error(code, detail, client_id)

    async def _error(self, code: str, detail: str, client_id=None) -> None:
        frame = {"type": "error", "code": code, "detail": str(detail)}
        if isinstance(client_id, str):
            frame["id"] = client_id[: limits.MAX_CLIENT_ID]
        await self._send(frame)

    async def _send(self, data: dict) -> None:
        await self.send(text_data=json.dumps(data, ensure_ascii=False))
