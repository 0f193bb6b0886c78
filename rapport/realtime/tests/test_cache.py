"""The cache several web processes share without Redis (rapport/realtime/cache.py; issue #10):
Django's cache API on a SQLite file of its own, `add` and `incr` atomic between processes."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from rapport.realtime.cache import SQLiteCache


@pytest.fixture
def cache(tmp_path):
    return SQLiteCache(str(tmp_path / "cache.sqlite3"), {"KEY_PREFIX": "t"})


def test_the_cache_api(cache):
    assert cache.get("a") is None
    assert cache.get("a", "default") == "default"
    cache.set("a", {"name": "Alice", "at": 1.5})
    assert cache.get("a") == {"name": "Alice", "at": 1.5}
    cache.set("a", 7)
    assert cache.get("a") == 7
    assert cache.add("a", 8) is False  # a live value stays
    assert cache.add("b", "x") is True
    assert cache.incr("a") == 8
    assert cache.incr("a", 5) == 13
    assert cache.decr("a") == 12
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("f", 1.5)
    assert cache.incr("f") == 2.5  # not an SQL integer: read, then written
    assert cache.get_many(["a", "b", "missing"]) == {"a": 12, "b": "x"}
    assert cache.has_key("b") and not cache.has_key("missing")
    assert cache.delete("b") is True and cache.delete("b") is False
    cache.set("big", 2**70)
    assert cache.get("big") == 2**70
    cache.set("flag", True)
    assert cache.get("flag") is True
    cache.clear()
    assert cache.get("a") is None


def test_values_expire_and_add_takes_an_expired_key(cache):
    cache.set("gone", 1, 0.05)
    cache.set("kept", 1, None)  # never expires
    assert cache.get("gone") == 1
    time.sleep(0.1)
    assert cache.get("gone") is None
    assert not cache.has_key("gone")
    with pytest.raises(ValueError):
        cache.incr("gone")
    assert cache.add("gone", 5, 60) is True
    assert cache.get("gone") == 5
    assert cache.touch("kept", 0.05) is True
    time.sleep(0.1)
    assert cache.get("kept") is None


def test_keys_are_made_with_the_prefix_and_version(tmp_path):
    path = str(tmp_path / "cache.sqlite3")
    one, other = SQLiteCache(path, {"KEY_PREFIX": "one"}), SQLiteCache(path, {"KEY_PREFIX": "two"})
    one.set("k", 1)
    assert other.get("k") is None
    one.set("k", 2, version=2)
    assert one.get("k") == 1 and one.get("k", version=2) == 2


def _count(path: str, rounds: int, out) -> None:
    cache = SQLiteCache(path, {})
    allowed = 0
    for _n in range(rounds):
        # As the rate limits count (rapport/webchat/limits.py ip_allows).
        if cache.add("count", 1, 120) or cache.incr("count") <= 150:
            allowed += 1
    out.put(allowed)


def test_two_processes_count_together_without_losing_one(tmp_path):
    """Two real processes count 200 each on the same key: 400 counted, and exactly the
    limit's 150 were let through (add and incr are single statements)."""
    path = str(tmp_path / "cache.sqlite3")
    SQLiteCache(path, {}).get("warm")  # the file and its table exist before the race
    spawn = multiprocessing.get_context("spawn")
    out = spawn.Queue()
    procs = [spawn.Process(target=_count, args=(path, 200, out)) for _n in range(2)]
    for proc in procs:
        proc.start()
    allowed = out.get(timeout=60) + out.get(timeout=60)
    for proc in procs:
        proc.join(30)
    assert SQLiteCache(path, {}).get("count") == 400
    assert allowed == 150
