"""Cross-process delivery on one machine without Redis (CH1, CH3; docs/realtime.md).

Without REDIS_URL the channel layer is Channels' InMemoryChannelLayer: it lives in the web
process (uvicorn), so an event raised in another process — the task worker (coach analysis,
rules firing notifications), the scheduler (SLA warnings), the mail worker (new tickets) —
would reach nobody. The relay closes that gap:

- The web process declares itself at ASGI lifespan startup (`start()`, called by
  rapport/asgi.py): from then on `send_now` sends straight to its layer, hopping onto the
  server's event loop when called from another thread (the in-memory layer's queues belong to
  that loop and are not thread-safe).
- Any other process (`serving()` false), when a web process is alive, writes a RelayedEvent
  row instead — one per event, whatever the number of groups, inside the caller's
  transaction (publish.publish); with no web process alive it sends to its own layer.
  "Alive" is a heartbeat file in the data directory that the web process touches every
  HEARTBEAT seconds: a worker run with no web server (a bulk import, a benchmark) writes
  nothing.
- The web process tails the table every POLL seconds and fans each new row out locally.

Why not just "id > last id": on PostgreSQL ids are handed out before commit, so a row with a
smaller id can become visible after a larger one. Each poll asks for the rows above the
highest id seen so far AND for the ids below it not seen yet (the gaps: a transaction still
open, or rolled back), for as long as they are younger than WINDOW seconds; each id is sent
once. (Reading every row of the window on every poll, as before, decoded ~12,000 rows a poll
under issue #6's benchmark: 200 chat messages a second, two events each, for 30 s.) Rows older
than KEEP seconds are deleted (no web process running means nobody to tell; the database
holds the real data). The poll runs on a thread of its own that keeps its database connection
(threads.py), not on asgiref's shared thread with a new connection each time.

With REDIS_URL, channels_redis carries every message between processes and the relay is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from .threads import DatabaseThreads, close_all

log = logging.getLogger(__name__)

POLL = 0.3  # seconds between two looks at the table
WINDOW = 30  # seconds of rows looked at on each poll (a row is visible once its commit is)
KEEP = 60  # seconds a row is kept
HEARTBEAT = 5  # seconds between two touches of the heartbeat file by the web process

_loop: asyncio.AbstractEventLoop | None = None
_task: asyncio.Task | None = None
stats = {"relayed": 0, "recorded": 0, "errors": 0}


def is_local(layer) -> bool:
    """True for the in-process layer (the one that needs the relay and the loop hop)."""
    return isinstance(layer, InMemoryChannelLayer)


def heartbeat_path() -> Path:
    return Path(settings.DATA_DIR) / "realtime-web.alive"


_alive_memo = [0.0, False]  # checked at most once a second


def web_alive() -> bool:
    """Has a web process touched the heartbeat file lately?"""
    now = time.time()
    if now - _alive_memo[0] >= 1:
        try:
            alive = now - heartbeat_path().stat().st_mtime < 3 * HEARTBEAT
        except OSError:
            alive = False
        _alive_memo[:] = [now, alive]
    return _alive_memo[1]


def _touch() -> None:
    path = heartbeat_path()
    try:
        path.touch()
    except OSError:
        log.warning("realtime relay: cannot touch %s", path)


def serving() -> bool:
    """Is this process the web process (its ASGI server has started the relay)?"""
    return _loop is not None


def record(groups: list[str], message: dict) -> None:
    """Queue `message` for the web process (called by send_now outside it): one row, however
    many groups, so a worker pays one INSERT per event."""
    from .models import RelayedEvent

    RelayedEvent.objects.create(groups=list(groups), message=message)
    stats["recorded"] += 1


async def _send_all(layer, groups, message: dict) -> None:
    for group in groups:
        await layer.group_send(group, message)


def group_send(layer, groups: list[str], message: dict) -> None:
    """Send to each group from synchronous code, on the right event loop.

    - In the web process, from another thread: on the server's loop (the in-memory layer's
      queues belong to it and are not thread-safe).
    - From sync code on a thread that runs a loop of its own (e.g. Playwright's sync API in a
      test): async_to_sync cannot block that loop, so a helper thread sends.
    - Otherwise async_to_sync (which also finds the loop of a surrounding sync_to_async).
    """
    if is_local(layer) and not any(group in layer.groups for group in groups):
        # Nobody listens here (a worker whose browsers are on the web process): sending to an
        # empty in-memory group does nothing, but the trip through async_to_sync cost ~1 ms.
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    loop = _loop
    if loop is not None and loop.is_running() and running is not loop:
        asyncio.run_coroutine_threadsafe(_send_all(layer, groups, message), loop).result(5)
        return
    if running is not None:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(_send_all(layer, groups, message))
            except BaseException as exc:  # handed to the caller below
                errors.append(exc)

        helper = threading.Thread(target=run, name="realtime-send")
        helper.start()
        helper.join(5)
        if errors:
            raise errors[0]
        return
    from asgiref.sync import async_to_sync

    async_to_sync(_send_all)(layer, groups, message)


# --- The web process's side ---------------------------------------------------------------


class Cursor:
    """Where the web process is in the table: the highest id sent, and the ids below it not
    seen yet (with when their gap was noticed), asked for again until WINDOW has passed."""

    MAX_GAPS = 5_000

    def __init__(self) -> None:
        self.high = 0
        self.gaps: dict[int, float] = {}

    def start(self) -> None:
        """Rows already in the window when the server starts are not replayed (they are
        stale); ids missing among them may still commit."""
        from django.db.models import Max

        from .models import RelayedEvent

        since = timezone.now() - timedelta(seconds=WINDOW)
        ids = sorted(RelayedEvent.objects.filter(created__gte=since).values_list("pk", flat=True))
        if ids:
            self.high = ids[-1]
            self._gaps_below(ids[0], ids)
        else:  # nothing recent: ids go on from the last row ever written
            self.high = RelayedEvent.objects.aggregate(high=Max("pk"))["high"] or 0

    def _gaps_below(self, low: int, got: list[int]) -> None:
        """Ids in (low, self.high] not in `got` become gaps (the newest MAX_GAPS of them)."""
        now = time.monotonic()
        have = set(got)
        start = max(low, self.high - self.MAX_GAPS)
        for pk in range(start + 1, self.high):
            if pk not in have and pk not in self.gaps:
                self.gaps[pk] = now

    def fetch(self, *, prune: bool = False) -> list[tuple[int, list, dict]]:
        """The rows to send now, each once (on the relay's thread)."""
        from django.db.models import Q

        from .models import RelayedEvent

        now = timezone.now()
        if prune:
            RelayedEvent.objects.filter(created__lt=now - timedelta(seconds=KEEP)).delete()
        expired = time.monotonic() - WINDOW
        self.gaps = {pk: at for pk, at in self.gaps.items() if at >= expired}
        wanted = Q(pk__gt=self.high)
        if self.gaps:
            wanted |= Q(pk__in=list(self.gaps))
        rows = list(
            RelayedEvent.objects.filter(wanted, created__gte=now - timedelta(seconds=WINDOW))
            .order_by("pk")
            .values_list("pk", "groups", "message")
        )
        for pk, _groups, _message in rows:
            self.gaps.pop(pk, None)
        if rows and rows[-1][0] > self.high:
            before = self.high
            self.high = rows[-1][0]
            if before:  # (an empty table: the ids below the first row are not pending rows)
                self._gaps_below(before, [pk for pk, *_rest in rows])
        return rows


_thread = DatabaseThreads("realtime-relay")


async def _tail() -> None:
    layer = get_channel_layer()
    cursor = Cursor()
    try:
        await _thread.run(cursor.start)
    except Exception:  # e.g. not migrated yet: start from nothing
        log.exception("realtime relay: could not read the table")
    polls = 0
    beat = 0.0
    while True:
        if time.monotonic() - beat >= HEARTBEAT:
            beat = time.monotonic()
            _touch()
        await asyncio.sleep(POLL)
        polls += 1
        try:
            rows = await _thread.run(functools.partial(cursor.fetch, prune=polls % 100 == 0))
        except Exception:  # the database is busy or gone for a moment: try again next poll
            stats["errors"] += 1
            log.exception("realtime relay: could not read pending events")
            continue
        for _pk, groups, message in rows:
            try:
                await _send_all(layer, groups, message)
                stats["relayed"] += 1
            except Exception:
                stats["errors"] += 1
                log.exception("realtime relay: could not send to %s", groups)


# The web process's garbage collector (issue #6's chat benchmark, `ws_chat.py --trace`: with
# 1,000 connections a full collection paused the event loop for up to 438 ms, and every frame
# handled stopped for it). What is loaded by startup (Django, the apps, the URLconf's modules)
# lives as long as the process: gc.freeze() takes it out of every later collection; the young
# generation is collected less often (each collection walks what is young, so the total work
# hardly changes, but the older generations are reached — and the full walk — far less often).
GC_THRESHOLDS = (7000, 20, 20)
_gc_tuned = [False]


def _tune_gc() -> None:
    if _gc_tuned[0]:
        return  # once per process (tests start several live servers in one)
    _gc_tuned[0] = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def start() -> None:
    """At ASGI lifespan startup: this process serves browsers (called by rapport/asgi.py)."""
    global _loop, _task
    _tune_gc()
    _loop = asyncio.get_running_loop()
    if is_local(get_channel_layer()) and _task is None:
        _task = asyncio.create_task(_tail(), name="realtime-relay")


async def stop() -> None:
    """At ASGI lifespan shutdown."""
    global _loop, _task
    task, _task, _loop = _task, None, None
    if task is not None:
        with contextlib.suppress(OSError):
            heartbeat_path().unlink()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # The web process's kept connections (the relay's, the chat's writer and reads) close with
    # it: a test's live server must leave none open on the test database.
    await asyncio.get_running_loop().run_in_executor(None, close_all)
