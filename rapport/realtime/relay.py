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

Several web processes on one machine (RAPPORT_WEB_PROCESSES > 1, e.g. `uvicorn --workers 2`):
each has its own in-process layer, so a web process is also a source of events for the others
(an agent's reply or note, a chat message, a CTI pop, presence, typing). Each web process then
(`start()` with WEB_PROCESSES > 1) sends every group message to its own layer at once AND hands
it to its `Outbox`, whose thread writes the rows (a batch of whatever is queued, one
transaction) with the process's `origin`; the tails of the other processes fan them out, and
each tail skips its own rows (sent already). An event raised inside a transaction (`publish`)
is sent and forwarded after commit, as before.

Waking the tails: each web process listens on a UDP port of 127.0.0.1 (written in its
heartbeat file); whoever commits relay rows — the outbox's thread, or a worker's transaction
(on commit) — sends one datagram to every live web process, whose tail then polls at once (at
most every MIN_GAP seconds): an event crosses processes in a few milliseconds, and an idle
tail still polls only every POLL seconds (a lost datagram costs at most POLL).

Heartbeats: one file per web process, `DATA_DIR/realtime-web/<origin>.alive` (its wake-up port
inside), touched every HEARTBEAT seconds and removed when that process stops: "a web process
is alive" is "some file is fresh", so one of two processes stopping does not silence the
workers for the other.

With REDIS_URL, channels_redis carries every message between processes and the relay is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import queue
import secrets
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from .threads import DatabaseThreads, close_all

log = logging.getLogger(__name__)

POLL = 0.3  # seconds between two looks at the table
WINDOW = 30  # seconds of rows looked at on each poll (a row is visible once its commit is)
KEEP = 60  # seconds a row is kept
PRUNE_EVERY = 30  # seconds between two deletions of the rows older than KEEP
HEARTBEAT = 5  # seconds between two touches of the heartbeat file by the web process
MIN_GAP = 0.005  # seconds between two polls woken by datagrams (a burst of them: one poll)

_loop: asyncio.AbstractEventLoop | None = None
_task: asyncio.Task | None = None
_wake_transport: asyncio.DatagramTransport | None = None
_origin = [0]  # this web process's id in the table (0: not a web process)
stats = {"relayed": 0, "recorded": 0, "forwarded": 0, "pokes": 0, "errors": 0}


def web_processes() -> int:
    """How many web processes share the machine without Redis (settings)."""
    return max(1, int(getattr(settings, "RAPPORT_WEB_PROCESSES", 1) or 1))


def origin() -> int:
    return _origin[0]


def is_local(layer) -> bool:
    """True for the in-process layer (the one that needs the relay and the loop hop)."""
    return isinstance(layer, InMemoryChannelLayer)


def heartbeat_dir() -> Path:
    return Path(settings.DATA_DIR) / "realtime-web"


def heartbeat_path() -> Path:
    """This process's heartbeat file (its wake-up port inside)."""
    path = heartbeat_dir()
    path.mkdir(exist_ok=True)
    return path / f"{_origin[0]}.alive"


# Checked at most once a second: (when, alive, the live web processes' (origin, port)).
_alive_memo: list = [0.0, False, []]


def _look() -> None:
    now = time.time()
    if now - _alive_memo[0] < 1:
        return
    alive, peers = False, []
    try:
        entries = list(os.scandir(heartbeat_dir()))
    except OSError:
        entries = []
    for entry in entries:
        try:
            if not entry.name.endswith(".alive") or now - entry.stat().st_mtime >= 3 * HEARTBEAT:
                continue
            alive = True
            port = int(Path(entry.path).read_text() or 0)
            who = int(entry.name.removesuffix(".alive"))
        except (OSError, ValueError):
            continue
        if port:
            peers.append((who, port))
    _alive_memo[:] = [now, alive, peers]


def web_alive() -> bool:
    """Has a web process touched its heartbeat file lately?"""
    _look()
    return _alive_memo[1]


def peers() -> list[tuple[int, int]]:
    """The other live web processes that listen for wake-ups: (origin, port)."""
    _look()
    return [(who, port) for who, port in _alive_memo[2] if who != _origin[0]]


_poke_socket: list[socket.socket] = []


def poke() -> None:
    """Wake the other web processes' tails: relay rows have just been committed."""
    targets = peers()
    if not targets:
        return
    if not _poke_socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        _poke_socket.append(sock)
    for _who, port in targets:
        try:
            _poke_socket[0].sendto(b"!", ("127.0.0.1", port))
            stats["pokes"] += 1
        except OSError:  # a full buffer or a process gone: its tail polls anyway
            pass


def _poke_on_commit() -> None:
    """Once per transaction, however many rows it writes (Django drops it on rollback)."""
    conn = connection
    if conn.in_atomic_block:
        if any(entry[1] is poke for entry in conn.run_on_commit):
            return
        transaction.on_commit(poke)
    else:
        poke()


def _touch(port: int) -> None:
    path = heartbeat_path()
    try:
        os.utime(path)
    except FileNotFoundError:
        try:  # written whole, then renamed: never read half-written
            path.with_suffix(".new").write_text(str(port))
            os.replace(path.with_suffix(".new"), path)
        except OSError:
            log.warning("realtime relay: cannot write %s", path)
    except OSError:
        log.warning("realtime relay: cannot touch %s", path)
    # A process killed without its lifespan shutdown left its file: gone after an hour.
    with contextlib.suppress(OSError):
        for entry in os.scandir(heartbeat_dir()):
            if time.time() - entry.stat().st_mtime > 3600:
                os.unlink(entry.path)


def serving() -> bool:
    """Is this process the web process (its ASGI server has started the relay)?"""
    return _loop is not None


def record(groups: list[str], message: dict) -> None:
    """Queue `message` for the web process (called by send_now outside it): one row, however
    many groups, so a worker pays one INSERT per event."""
    from .models import RelayedEvent

    RelayedEvent.objects.create(groups=list(groups), message=message)
    stats["recorded"] += 1
    _poke_on_commit()


async def _send_all(layer, groups, message: dict, *, local: bool = False) -> None:
    """`local`: to this process's members only (the in-process layer's `group_send_local`:
    what the relay read, or what the caller has forwarded already)."""
    if local and hasattr(layer, "group_send_local"):
        for group in groups:
            await layer.group_send_local(group, message)
    elif hasattr(layer, "group_send_many"):
        await layer.group_send_many(groups, message)
    else:
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
    if is_local(layer):
        forward = getattr(layer, "forward", None)
        if forward is not None:  # several web processes: the others' browsers (thread-safe)
            forward(groups, message)
        if not any(group in layer.groups for group in groups):
            # Nobody listens here (a worker whose browsers are on the web process): sending to
            # an empty in-memory group does nothing, but the trip through async_to_sync cost
            # ~1 ms.
            return
    local = is_local(layer)

    async def send() -> None:
        await _send_all(layer, groups, message, local=local)

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    loop = _loop
    if loop is not None and loop.is_running() and running is not loop:
        asyncio.run_coroutine_threadsafe(send(), loop).result(5)
        return
    if running is not None:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(send())
            except BaseException as exc:  # handed to the caller below
                errors.append(exc)

        helper = threading.Thread(target=run, name="realtime-send")
        helper.start()
        helper.join(5)
        if errors:
            raise errors[0]
        return
    from asgiref.sync import async_to_sync

    async_to_sync(send)()


# --- The web process's side ---------------------------------------------------------------


class Cursor:
    """Where the web process is in the table: the highest id sent, and the ids below it not
    seen yet (with when their gap was noticed), asked for again until WINDOW has passed."""

    MAX_GAPS = 5_000

    def __init__(self, origin: int = 0) -> None:
        self.high = 0
        self.gaps: dict[int, float] = {}
        self.origin = origin  # this process's own rows are read (for the ids), not returned

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
            .values_list("pk", "origin", "groups", "message")
        )
        for pk, *_rest in rows:
            self.gaps.pop(pk, None)
        if rows and rows[-1][0] > self.high:
            before = self.high
            self.high = rows[-1][0]
            if before:  # (an empty table: the ids below the first row are not pending rows)
                self._gaps_below(before, [pk for pk, *_rest in rows])
        # This process's own rows: sent to its browsers when they were written.
        mine = self.origin or -1  # (0: the workers' rows, never this process's)
        return [(pk, groups, message) for pk, who, groups, message in rows if who != mine]


class Outbox:
    """A web process's events for the other web processes (several on one machine): queued
    by any thread without waiting (`put`), written by one thread of the outbox's own that
    keeps its database connection, each time everything queued meanwhile in ONE transaction
    (up to MAX_BATCH rows), then the other processes are woken (`poke`). Under load the
    batches grow and the commits per event fall; idle, a lone event is written at once."""

    MAX_BATCH = 500

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.origin = 0
        self._lock = threading.Lock()
        self._db = DatabaseThreads("realtime-outbox")

    def put(self, groups: list[str], message: dict) -> None:
        if self.thread is None:
            with self._lock:
                if self.thread is None:
                    self.thread = threading.Thread(
                        target=self._run, args=(self.queue,), name="realtime-outbox", daemon=True
                    )
                    self.thread.start()
        self.queue.put((list(groups), message))

    def _run(self, items: queue.SimpleQueue) -> None:
        stopping = False
        while not stopping:
            batch = [items.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(items.get_nowait())
                except queue.Empty:
                    break
            if None in batch:  # stop(): write what came before it, then end
                batch = batch[: batch.index(None)]
                stopping = True
            if not batch or not peers():
                continue  # nobody else is serving: nobody to tell
            try:
                self._db.call(self._write, batch)
            except Exception:
                stats["errors"] += 1
                log.exception("realtime relay: could not write %d events", len(batch))
                continue
            poke()
        with contextlib.suppress(Exception):
            connections.close_all()

    def _write(self, batch: list[tuple[list[str], dict]]) -> None:
        from .models import RelayedEvent

        rows = [RelayedEvent(groups=g, message=m, origin=self.origin) for g, m in batch]
        try:
            RelayedEvent.objects.bulk_create(rows)
        except (TypeError, ValueError):  # a message that is not JSON: the others still go
            for row in rows:
                try:
                    row.save()
                except (TypeError, ValueError):
                    stats["errors"] += 1
                    log.exception("realtime relay: cannot relay %s", row.message.get("type"))
        stats["forwarded"] += len(rows)

    def stop(self) -> None:
        thread, self.thread = self.thread, None
        if thread is not None:
            self.queue.put(None)
            thread.join(10)
        self.queue = queue.SimpleQueue()


outbox = Outbox()


_thread = DatabaseThreads("realtime-relay")


class _Wake(asyncio.DatagramProtocol):
    """A datagram on the wake-up port: relay rows were committed, poll now."""

    def __init__(self, event: asyncio.Event) -> None:
        self.event = event

    def datagram_received(self, data, addr) -> None:
        self.event.set()


async def _tail(wake: asyncio.Event, port: int) -> None:
    layer = get_channel_layer()
    cursor = Cursor(_origin[0])
    try:
        await _thread.run(cursor.start)
    except Exception:  # e.g. not migrated yet: start from nothing
        log.exception("realtime relay: could not read the table")
    beat = 0.0
    warned = False
    polled = pruned = time.monotonic()
    while True:
        if time.monotonic() - beat >= HEARTBEAT:
            beat = time.monotonic()
            _touch(port)
            if not warned and web_processes() == 1 and peers():
                warned = True  # e.g. `uvicorn --workers 2` without WEB_CONCURRENCY
                log.warning(
                    "realtime relay: another web process serves this data directory, but"
                    " RAPPORT_WEB_PROCESSES is 1: browsers connected to one will miss the"
                    " other's events (set WEB_CONCURRENCY or RAPPORT_WEB_PROCESSES)"
                )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(POLL):
                await wake.wait()
        wake.clear()
        pause = MIN_GAP - (time.monotonic() - polled)
        if pause > 0:  # a burst of wake-ups: one poll for all of them
            await asyncio.sleep(pause)
        polled = time.monotonic()
        try:
            prune = polled - pruned >= PRUNE_EVERY
            pruned = polled if prune else pruned
            rows = await _thread.run(functools.partial(cursor.fetch, prune=prune))
        except Exception:  # the database is busy or gone for a moment: try again next poll
            stats["errors"] += 1
            log.exception("realtime relay: could not read pending events")
            continue
        for _pk, groups, message in rows:
            try:
                await _send_all(layer, groups, message, local=True)
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
    global _loop, _task, _wake_transport
    _tune_gc()
    _loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    if is_local(layer) and _task is None:
        _origin[0] = secrets.randbits(62) + 1
        wake = asyncio.Event()
        port = 0
        try:
            _wake_transport, _protocol = await _loop.create_datagram_endpoint(
                lambda: _Wake(wake), local_addr=("127.0.0.1", 0)
            )
            port = _wake_transport.get_extra_info("sockname")[1]
        except OSError:  # no loopback UDP: the tail polls every POLL seconds
            log.warning("realtime relay: no wake-up port; polling only", exc_info=True)
        _touch(port)
        _alive_memo[0] = 0.0  # seen at once by this process's own look
        if web_processes() > 1 and hasattr(layer, "forward"):
            outbox.origin = _origin[0]
            layer.forward = outbox.put
        _task = asyncio.create_task(_tail(wake, port), name="realtime-relay")


async def stop() -> None:
    """At ASGI lifespan shutdown."""
    global _loop, _task, _wake_transport
    task, _task, _loop = _task, None, None
    if task is not None:
        with contextlib.suppress(OSError):
            heartbeat_path().unlink()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        layer = get_channel_layer()
        if getattr(layer, "forward", None) is not None:
            layer.forward = None
        await asyncio.get_running_loop().run_in_executor(None, outbox.stop)
        if _wake_transport is not None:
            _wake_transport.close()
            _wake_transport = None
        _origin[0] = 0
        _alive_memo[0] = 0.0
    # The web process's kept connections (the relay's, the chat's writer and reads) close with
    # it: a test's live server must leave none open on the test database.
    await asyncio.get_running_loop().run_in_executor(None, close_all)
