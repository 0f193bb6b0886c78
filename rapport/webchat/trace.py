"""Where a chat message's round trip goes, inside the server (issue #6's p99; bench/ws_chat.py).

Off unless RAPPORT_CHAT_TRACE names a file. Then the server appends, once a second, JSON lines
of what it saw:

    {"kind": "msg", "t", "server", "queued", "store", "lock"}   per message, seconds: frame
        read → ack sent ("server"), of which waiting for the group commit to take it
        ("queued"), the batch's time on the writer thread ("store") and, in that, the wait
        for SQLite's write lock ("lock", rapport/lib/sqlite; 0 elsewhere)
    {"kind": "lag", "t", "lag"}                   the event loop late by more than 5 ms
    {"kind": "gc", "t", "gen", "pause"}           a garbage collection of more than 1 ms

Nothing here changes what the server does, except that the writer takes SQLite's write lock
just before its transaction rather than inside it (the same lock, timed).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
import time

PATH = os.environ.get("RAPPORT_CHAT_TRACE", "")
ENABLED = bool(PATH)
TICK = 0.005  # the loop-lag probe's sleep

_lines: list[dict] = []
_lock = threading.Lock()
_task: asyncio.Task | None = None
_gc_started = [0.0]


def add(kind: str, **values) -> None:
    with _lock:
        _lines.append({"kind": kind, "t": time.time(), **values})


def _gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
        return
    pause = time.perf_counter() - _gc_started[0]
    if pause > 0.001:
        add("gc", gen=info.get("generation"), pause=pause)


def _flush() -> None:
    with _lock:
        lines, _lines[:] = list(_lines), []
    if lines:
        with open(PATH, "a", encoding="utf-8") as out:
            out.write("".join(json.dumps(line) + "\n" for line in lines))


async def _probe() -> None:
    flushed = time.monotonic()
    while True:
        before = time.monotonic()
        await asyncio.sleep(TICK)
        lag = time.monotonic() - before - TICK
        if lag > 0.005:
            add("lag", lag=lag)
        if time.monotonic() - flushed > 1:
            flushed = time.monotonic()
            _flush()


def start() -> None:
    """From the event loop (the consumer's connect): the probe and the GC callback, once."""
    global _task
    if not ENABLED or (_task is not None and not _task.done()):
        return
    if _gc not in gc.callbacks:
        gc.callbacks.append(_gc)
    _task = asyncio.get_running_loop().create_task(_probe(), name="webchat-trace")
