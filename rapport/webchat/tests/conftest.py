import pytest

from .base import desk  # noqa: F401 — the shared fixture


@pytest.fixture(autouse=True)
def _fresh_hours():
    """Each test computes the widget's hours afresh (the WebSocket keeps them 15 s)."""
    from rapport.webchat import actions

    actions._hours_memo.clear()
    yield
    actions._hours_memo.clear()


@pytest.fixture(autouse=True)
def _close_kept_connections():
    """The web process's threads keep their database connections (rapport/realtime/threads.py):
    closed after each test, so none is left on the test database (PostgreSQL counts them, and
    refuses to drop a database with sessions)."""
    from rapport.realtime import threads

    yield
    threads.close_all()
