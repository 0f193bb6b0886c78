"""Django's HTTP requests under ASGI on a fixed set of threads, in one hop each (issue #10, Load).

Django's own `ASGIHandler` runs the middleware chain in async mode. Rapport's views and most
middleware are synchronous, so each request went event loop → a new thread (the chain, up to
the first sync-only middleware) → back to the loop (`async_to_sync`, the URL resolver and the
view's adapter) → the same thread again (the view), and a new thread (a `ThreadPoolExecutor`
of its own, started and shut down) for every request: under bench/load.py (50 agents) a
py-spy profile of uvicorn showed a third of its CPU in the event loop's thread, mostly those
hops, futures and thread starts. Every request also opened and closed its own database
connection (CONN_MAX_AGE 0: the threads came and went), on SQLite a connect, Django's SQL
functions and the PRAGMAs each time.

`PooledASGIHandler` keeps Django's semantics — the same request and response classes, the
same synchronous middleware chain as under WSGI (CSRF, sessions, auth, CSP, audit: all
unchanged), `request_started` / `request_finished` — but:

- reads the body on the event loop, then runs the *whole* request (signals, middleware, view,
  template rendering, `response.close()`) as one call on one of a fixed set of long-lived
  threads (`RAPPORT_HTTP_THREADS`, default 8: also the most requests in flight at once, so
  the most database connections the web process's requests hold);
- keeps each thread's database connection between requests for up to `KEEP` seconds, checked
  before and after each request as Django checks them (`close_old_connections`: a broken one,
  one left in a transaction, or a too old one is replaced). With PostgreSQL's pool
  (rapport/asgi.py DB_POOL) nothing is kept here: the pool keeps the connections;
- streams streaming responses (static files, exports) as Django does.

The threads are asgiref `sync_to_async` threads, so code on them that needs the server's loop
(`async_to_sync`, the realtime relay's `group_send`) finds it as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import FileResponse
from django.urls import set_script_prefix

log = logging.getLogger(__name__)

KEEP = 60.0  # seconds a thread keeps its database connection (as the workers do)


class RequestThreads:
    """A fixed set of threads, each an executor of one thread (so that each can be reached to
    close its connection); a request goes to the thread with the fewest requests in hand."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._executors: list[ThreadPoolExecutor] = []
        self._busy: list[int] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def _pick(self) -> int:
        with self._lock:
            if not self._executors:
                self._executors = [
                    ThreadPoolExecutor(1, thread_name_prefix=f"http-{n}") for n in range(self.size)
                ]
                self._busy = [0] * self.size
            i = min(range(self.size), key=self._busy.__getitem__)
            self._busy[i] += 1
            return i

    async def run(self, func, *args):
        i = self._pick()
        try:
            return await sync_to_async(func, thread_sensitive=False, executor=self._executors[i])(
                *args
            )
        finally:
            with self._lock:
                if i < len(self._busy):
                    self._busy[i] -= 1

    def keep_connection(self) -> None:
        """Called on one of the threads after its request: a connection it opened is kept KEEP
        seconds (CONN_MAX_AGE 0 would close it at request_finished)."""
        conn = connections[DEFAULT_DB_ALIAS]
        if conn.settings_dict.get("OPTIONS", {}).get("pool"):
            return  # PostgreSQL's pool keeps it: closing gives it back
        raw = conn.connection
        if raw is not None and raw is not getattr(self._local, "raw", None):
            self._local.raw = raw
            conn.close_at = time.monotonic() + KEEP

    def close(self) -> None:
        """Close each thread's connections and end the threads (ASGI lifespan shutdown)."""
        with self._lock:
            executors, self._executors, self._busy = self._executors, [], []
        for executor in executors:
            try:
                executor.submit(connections.close_all).result(timeout=10)
            except Exception:  # the thread is being retired anyway
                log.warning("http: could not close a thread's connection", exc_info=True)
            executor.shutdown(wait=False)


class PooledASGIHandler(ASGIHandler):
    """Django's ASGIHandler with the synchronous middleware chain run in one hop per request
    on `RequestThreads` (module docstring)."""

    def __init__(self, threads: int | None = None) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        if threads is None:
            threads = int(os.environ.get("RAPPORT_HTTP_THREADS", "8") or 8)
        self.threads = RequestThreads(threads)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        response = None
        try:
            response = await self.threads.run(self._serve, scope, body_file)
            if response.streaming:
                # As Django: a sync iterator is consumed on a thread of this request's own.
                async with ThreadSensitiveContext():
                    await self.send_response(response, send)
            else:
                await self.send_response(response, send)
        except (asyncio.CancelledError, OSError):
            pass  # the client went away while the response was sent
        finally:
            if response is not None and response.streaming:
                await self.threads.run(self._close, response)
            body_file.close()

    def _serve(self, scope, body_file):
        """On one of the threads: the whole request, as a WSGI server would run it."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
                response._handler_class = self.__class__
                if isinstance(response, FileResponse):
                    response.block_size = self.chunk_size
        except BaseException:
            self._close(None)
            raise
        if not response.streaming:
            self._close(response)  # the body is bytes already: request_finished now
        return response

    def _close(self, response) -> None:
        self.threads.keep_connection()
        if response is not None:
            response.close()  # request_finished → close_old_connections
        else:
            signals.request_finished.send(sender=self.__class__)
