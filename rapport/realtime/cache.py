"""A cache several processes of one machine share, without Redis (issue #10; docs/scaling.md).

With several web processes (RAPPORT_WEB_PROCESSES > 1) the per-process local-memory cache
would keep presence ("also viewing", "typing") and the API's, the chat's and the portal's
rate limits per process. This backend keeps them in a small SQLite file of its own in the data
directory (`DATA_DIR/cache.sqlite3`), not in Rapport's database: its writes never wait for,
nor hold, the database's write lock (the chat's group commit, the intake worker), and they are
not made durable (`synchronous=OFF`: a cache may lose its last writes in a power cut).

Why not Django's own shared caches (measured, docs/scaling.md "Two web processes"):
- the database cache writes into Rapport's SQLite database: every presence ping and every rate
  count would queue for its one write lock;
- the file cache lists its whole directory on every write (to cull) and its `incr` and `add`
  are a read then a write (counts lost between processes).
Here `add` and `incr` are one statement each (atomic between processes), a read is one
indexed SELECT, and expired rows are deleted now and then by the writers.

Values: an `int` is stored as an SQLite integer (so `incr` is `value + 1` in SQL), anything
else pickled, as Django's caches do (the file is the server's own, in the data directory).
"""

from __future__ import annotations

import os
import pickle
import random
import sqlite3
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value, expires REAL) WITHOUT ROWID"
)
PURGE_EVERY = 1000  # writes, on average, between two deletions of the expired rows


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self.path = location
        self._local = threading.local()

    # --- the connection (one per thread, as sqlite3 wants) ------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=20, isolation_level=None)
            db.execute("PRAGMA busy_timeout=20000")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(SCHEMA)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _expiry(self, timeout) -> float | None:
        return self.get_backend_timeout(timeout)  # when it expires (time.time()), None: never

    @staticmethod
    def _encode(value):
        if type(value) is int and -(2**63) <= value < 2**63:
            return value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _decode(value):
        return pickle.loads(value) if isinstance(value, bytes) else value  # noqa: S301

    def _written(self, db: sqlite3.Connection) -> None:
        if random.random() * PURGE_EVERY < 1:  # noqa: S311 — not security
            db.execute("DELETE FROM cache WHERE expires <= ?", (time.time(),))

    # --- Django's cache API ---------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            )
            .fetchone()
        )
        return default if row is None else self._decode(row[0])

    def get_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not made:
            return {}
        marks = ",".join("?" * len(made))
        rows = (
            self._db()
            .execute(
                f"SELECT key, value FROM cache WHERE key IN ({marks})"  # noqa: S608 — only ?s
                " AND (expires IS NULL OR expires > ?)",
                (*made, time.time()),
            )
            .fetchall()
        )
        return {made[key]: self._decode(value) for key, value in rows}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        db.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key)"
            " DO UPDATE SET value = excluded.value, expires = excluded.expires",
            (key, self._encode(value), self._expiry(timeout)),
        )
        self._written(db)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Set unless a live value is there (one statement: atomic between processes)."""
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        cursor = db.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key)"
            " DO UPDATE SET value = excluded.value, expires = excluded.expires"
            " WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (key, self._encode(value), self._expiry(timeout), time.time()),
        )
        self._written(db)
        return cursor.rowcount == 1

    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        db = self._db()
        row = db.execute(
            "UPDATE cache SET value = value + ? WHERE key = ? AND typeof(value) = 'integer'"
            " AND (expires IS NULL OR expires > ?) RETURNING value",
            (delta, made, time.time()),
        ).fetchone()
        if row is not None:
            return row[0]
        value = self.get(key, version=version)  # missing, or not an integer
        if value is None:
            raise ValueError(f"Key '{key}' not found")
        return super().incr(key, delta, version=version)  # the base's read-then-write

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db().execute(
            "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self._expiry(timeout), key, time.time()),
        )
        return cursor.rowcount == 1

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount == 1

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            )
            .fetchone()
        )
        return row is not None

    def clear(self):
        self._db().execute("DELETE FROM cache")

    def close(self, **kwargs):
        """Kept open: Django calls this at the end of every request (one connection per
        thread, reused; a process's threads are few and fixed)."""
