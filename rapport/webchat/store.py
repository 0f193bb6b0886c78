"""Group commit for chat messages (CH1, TR1 "store first"; issue #6's benchmark). See
docs/webchat.md, "Deferred intake".

With RAPPORT_INTAKE_DEFERRED a visitor's message is acknowledged once its raw row is
committed. One commit per message would put every connection of the server in one queue:
`database_sync_to_async` runs on ONE shared thread by default, and SQLite admits one writer at a
time anyway. Instead each connection hands its message to `submit()` and awaits the result;
one writer task takes everything queued at that moment and stores it in ONE transaction
(`actions.do_accept_visitor_messages`) on its own thread. While a batch commits, the next one
gathers: under load batches grow, commits per message fall, and no timer adds latency when
the server is idle (a lone message is stored at once).

Why a thread of its own (not asgiref's shared sync thread): the store must not wait behind
other connections' reads (welcome, history), nor they behind a commit waiting for SQLite's
write lock held by the intake worker. One thread, so at most one batch is in flight per
process, and its database connection is kept from batch to batch
(rapport/realtime/threads.py: under ASGI's CONN_MAX_AGE 0 each batch used to connect and
disconnect, a third of the writer's time).

A batch that fails as a whole (the database is unreachable) fails every message in it: their
connections answer `server_error`, and the widget resends them (same client ids) after it
reconnects — exactly once, by intake's unique key.
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.db import connection

from rapport.realtime.threads import DatabaseThreads

from . import actions, trace

log = logging.getLogger(__name__)

MAX_BATCH = 500  # messages in one transaction (a batch of 500 commits in a few ms)

# Counters of this process (the benchmark reads them): batches, items, the largest batch, and
# the writer thread's wall and CPU seconds inside the store.
stats = {"batches": 0, "messages": 0, "largest": 0, "wall": 0.0, "cpu": 0.0}


class GroupCommit:
    """The writer of one event loop (one per server process; tests run one loop each)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue | None = None
        self.task: asyncio.Task | None = None
        self.thread: DatabaseThreads | None = None

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.thread is not None:
            # A previous loop's writer (tests): its thread's connection closed, the thread ended.
            self.thread.close()
        self.loop = loop
        self.queue = asyncio.Queue()
        self.thread = DatabaseThreads("webchat-store")
        self.task = loop.create_task(self._run(self.queue, self.thread), name="webchat-store")

    async def submit(self, item: actions.Incoming | actions.Seen):
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.task is None or self.task.done():
            self._start(loop)
        future: asyncio.Future = loop.create_future()
        self.queue.put_nowait((item, future, time.perf_counter()))
        return await future

    async def _run(self, queue: asyncio.Queue, thread: DatabaseThreads) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            items = [item for item, _future, _at in batch]
            taken = time.perf_counter()
            timing = [0.0]  # the wait for SQLite's write lock (RAPPORT_CHAT_TRACE only)
            try:
                results = await thread.run(_store, items, timing)
            except Exception as exc:  # the whole batch failed: each sender hears of it
                log.exception("webchat: a batch of %d messages could not be stored", len(items))
                results = [exc] * len(items)
            if trace.ENABLED:
                stored = time.perf_counter() - taken
                for item, _future, at in batch:
                    item.trace = (taken - at, stored, timing[0])
            stats["batches"] += 1
            stats["messages"] += len(items)
            stats["largest"] = max(stats["largest"], len(items))
            for (_item, future, _at), result in zip(batch, results, strict=True):
                if future.done():  # the connection went away meanwhile
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


def _store(items: list, timing: list[float]) -> list:
    # On the writer's thread (DatabaseThreads.call: a connection that broke or is too old is
    # replaced, else kept).
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        if trace.ENABLED and hasattr(connection, "_acquire_write_lock"):
            # Timed: the lock the transaction would take first (rapport/lib/sqlite), taken
            # here; the transaction's BEGIN finds it held.
            connection.ensure_connection()
            connection._acquire_write_lock()
            timing[0] = time.perf_counter() - wall
        return actions.do_accept_visitor_messages(items)
    finally:
        stats["wall"] += time.perf_counter() - wall
        stats["cpu"] += time.thread_time() - cpu


writer = GroupCommit()


async def submit(item: actions.Incoming | actions.Seen):
    """Store one message (or connection count) with whatever else is being stored now;
    returns once committed: an `Accepted` (or whether a connection was counted)."""
    return await writer.submit(item)
