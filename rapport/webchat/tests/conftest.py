import pytest

from .base import desk  # noqa: F401 — the shared fixture


@pytest.fixture(autouse=True)
def _fresh_hours():
    """Each test computes the widget's hours afresh (the WebSocket keeps them 15 s)."""
    from rapport.webchat import actions

    actions._hours_memo.clear()
    yield
    actions._hours_memo.clear()
