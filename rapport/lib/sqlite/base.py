"""SQLite for the one-machine default, with writers queued on a lock file.

SQLite allows one writer at a time. A writer that finds the database locked waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10, … up to 100 ms between tries: with two app processes
and a worker writing at once, requests spent much of their time asleep. Here every write
transaction first takes an exclusive `flock` on ``<database>.writelock``, polled every half
millisecond, so the next writer starts within a fraction of a millisecond of the previous
commit; a single write outside a transaction (autocommit) takes the lock for that statement.
Readers never touch the lock (WAL lets them read during a write). After ``timeout`` seconds
without the lock the transaction begins anyway and SQLite's own busy timeout decides.

A writer that has to wait says so: it holds a shared `flock` on ``<database>.writewait``
until it gets the lock. A long writer (the intake worker's batch) asks `writers_waiting()`
between two units of work and commits early, so an endpoint storing a customer's message
waits for one message's processing rather than for a whole batch.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_fd: int | None = None
    _write_lock_held = False
    _wait_fd: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._queue_autocommit_write)

    def _queue_autocommit_write(self, execute, sql, params, many, context):
        """A write outside a transaction (an autocommit INSERT, such as a task enqueued after
        the commit) queues on the lock too, instead of meeting SQLite's sleeping busy handler."""
        if self._write_lock_held or not self.get_autocommit() or self.in_atomic_block:
            return execute(sql, params, many, context)
        if not sql.lstrip()[:7].upper().startswith(_WRITES):
            return execute(sql, params, many, context)
        self._acquire_write_lock()
        try:
            return execute(sql, params, many, context)
        finally:
            self._release_write_lock()

    def _write_lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writelock"

    def _acquire_write_lock(self) -> None:
        if self._write_lock_held:
            return
        if self._write_lock_fd is None:
            path = self._write_lock_path()
            if path is None:
                return
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 20))
        waiting = False
        try:
            while True:
                try:
                    fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if not waiting:
                        waiting = self._announce_waiting()
                    if time.monotonic() > deadline:
                        return  # SQLite's busy timeout takes over
                    time.sleep(POLL_SECONDS)
                    continue
                self._write_lock_held = True
                return
        finally:
            if waiting:
                fcntl.flock(self._wait_fd, fcntl.LOCK_UN)

    def _wait_path(self) -> str:
        return f"{self.settings_dict['NAME']}.writewait"

    def _wait_file(self) -> int:
        if self._wait_fd is None:
            self._wait_fd = os.open(self._wait_path(), os.O_RDWR | os.O_CREAT, 0o600)
        return self._wait_fd

    def _announce_waiting(self) -> bool:
        """Hold a shared lock on the wait file while waiting (see writers_waiting)."""
        try:
            fcntl.flock(self._wait_file(), fcntl.LOCK_SH)
        except OSError:
            return False
        return True

    def writers_waiting(self) -> bool:
        """Is another connection (any process) waiting for the write lock this one holds?"""
        if self._write_lock_path() is None:
            return False
        fd = self._wait_file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True  # a waiter holds it shared
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False

    def _release_write_lock(self) -> None:
        if self._write_lock_held and self._write_lock_fd is not None:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
        self._write_lock_held = False

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
            if self._wait_fd is not None:
                os.close(self._wait_fd)
                self._wait_fd = None
