"""Threads of the web process that keep their database connection (issue #6; docs/realtime.md).

Under ASGI Rapport runs with CONN_MAX_AGE 0 (rapport/asgi.py): Django's sync code runs on
threads that come and go, and a kept connection would outlive its thread. So every
`database_sync_to_async` call opens a connection and closes it again — on SQLite that is a
connect, ~30 SQL functions registered, five PRAGMAs and a cold 64 MB page cache; on PostgreSQL
a new backend process. Under issue #6's benchmark (1,000 chat visitors) that was a fifth of
the web process's time: the chat's group commit, its reads and the relay's poll each
connected and disconnected on every call.

A `DatabaseThreads` is a fixed set of long-lived threads (one executor of one thread each, so
each can be reached to close its connection) whose connections are kept between calls for up
to KEEP seconds and checked as Django checks them between requests (`close_old_connections`:
one that broke, is in a transaction left open, or is too old is replaced). The number of
connections a process holds is bounded by the number of threads.

`close_all()` closes every such thread's connection and ends the threads: called at ASGI
lifespan shutdown (relay.stop) and after each realtime and chat test. With Django's
PostgreSQL pool (rapport/asgi.py's DB_POOL) nothing is kept here: the pool keeps the
connections, and closing one gives it back.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections

log = logging.getLogger(__name__)

KEEP = 60.0  # seconds a thread keeps its connection (as the workers' DB_CONN_MAX_AGE)

_all: list[DatabaseThreads] = []
_lock = threading.Lock()


class DatabaseThreads:
    def __init__(self, name: str, size: int = 1) -> None:
        self.name, self.size = name, size
        self._executors: list[ThreadPoolExecutor] = []
        self._local = threading.local()
        self._next = itertools.count()

    def _start(self) -> None:
        with _lock:
            if not self._executors:
                self._executors = [
                    ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-{n}")
                    for n in range(self.size)
                ]
                if self not in _all:
                    _all.append(self)

    def executor(self) -> ThreadPoolExecutor:
        """One of the threads (in turn)."""
        if not self._executors:
            self._start()
        executors = self._executors
        return executors[next(self._next) % len(executors)]

    async def run(self, func, *args):
        """`func(*args)` on one of the threads, with that thread's kept connection."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor(), self.call, func, *args)

    def call(self, func, *args):
        """Run on the calling thread (one of ours) with the connection kept."""
        close_old_connections()  # a broken or too old connection is replaced
        try:
            return func(*args)
        finally:
            self._keep()
            close_old_connections()

    def _keep(self) -> None:
        """A connection opened by this call is kept KEEP seconds (CONN_MAX_AGE 0 would close
        it right after the call)."""
        conn = connections[DEFAULT_DB_ALIAS]
        if conn.settings_dict.get("OPTIONS", {}).get("pool"):
            return  # PostgreSQL's pool (rapport/asgi.py) keeps it: closing gives it back
        raw = conn.connection
        if raw is not None and raw is not getattr(self._local, "raw", None):
            self._local.raw = raw
            conn.close_at = time.monotonic() + KEEP

    def close(self) -> None:
        """Close each thread's connections and end the threads."""
        with _lock:
            executors, self._executors = self._executors, []
        for executor in executors:
            try:
                executor.submit(connections.close_all).result(timeout=10)
            except Exception:  # the thread is being retired anyway
                log.warning("%s: could not close a thread's connection", self.name, exc_info=True)
            executor.shutdown(wait=False)


def close_all() -> None:
    for threads in list(_all):
        threads.close()
