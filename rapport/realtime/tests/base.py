"""Shared helpers for the realtime tests: personas and an agent's WebSocket communicator."""

from __future__ import annotations

import sys
import types

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing's __init__ imports its live-server test case, which needs daphne (not a
    # dependency: uvicorn serves Rapport). The communicator itself does not: stand in for it.
    _stub = types.ModuleType("daphne.testing")
    _stub.DaphneProcess = object
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules.setdefault("daphne.testing", _stub)

from channels.testing import WebsocketCommunicator  # noqa: E402

HOST = "127.0.0.1"


def session_cookie(user) -> str:
    """A logged-in session for `user`, as the login view would make it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


async def agent_socket(user=None, *, origin: str | None = f"http://{HOST}:8000"):
    """A communicator on ws/agent/ with `user`'s session cookie (none: anonymous)."""
    from rapport.asgi import application

    headers = [(b"host", f"{HOST}:8000".encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/agent/", headers=headers)


async def connected(user):
    """A connected agent past the hello frame."""
    comm = await agent_socket(user)
    ok, code = await comm.connect(timeout=10)
    assert ok, code
    hello = await comm.receive_json_from(timeout=5)
    assert hello == {"event": "hello", "data": {"user": user.pk}}
    return comm


async def until(comm, event: str, timeout: float = 5) -> dict:
    """The next frame of `event` (frames of other events before it are skipped)."""
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["event"] == event:
            return frame
