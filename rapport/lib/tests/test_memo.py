"""Lookups shared by one intake batch (rapport/lib/memo.py, TR1)."""

from rapport.lib.memo import batch_memo, memoised


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_outside_a_batch_every_call_computes():
    calls, compute = counter()
    assert [memoised("k", compute), memoised("k", compute)] == [1, 2]


def test_inside_a_batch_a_key_is_computed_once_and_forgotten_after():
    calls, compute = counter()
    with batch_memo():
        assert [memoised("k", compute), memoised("k", compute)] == [1, 1]
        with batch_memo():  # a nested block shares the outer batch's memo
            assert memoised("k", compute) == 1
    assert memoised("k", compute) == 2  # the next batch reads afresh
    assert len(calls) == 2


def test_keys_are_independent():
    _, first = counter()
    _, second = counter()
    with batch_memo():
        assert memoised("a", first) == 1
        assert memoised("b", second) == 1
