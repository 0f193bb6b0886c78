"""Shared setup for the web chat tests: personas, a widget, a communicator factory."""

from __future__ import annotations

import sys
import types

import pytest

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

from rapport.test import Personas
from rapport.webchat.models import Widget

ORIGIN = "https://shop.example.com"
TOKEN = "visitor-token-aaaaaaaaaaaaaaaa"


@pytest.fixture
def desk(transactional_db, settings):
    """The personas and a widget for Support that allows https://shop.example.com."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    class Desk(Personas):
        pass

    Desk.create_personas()
    Desk.widget = Widget.objects.create(
        name="Shop",
        team=Desk.support,
        allowed_origins=f"{ORIGIN}\nhttps://*.example.org",
        greetings={"en": "Hello!", "ru": "Здравствуйте!", "zh": "您好！"},
    )
    return Desk


def communicator(key: str, origin: str = ORIGIN, client=("203.0.113.7", 5000)):
    from rapport.asgi import application

    headers = [(b"host", b"desk.example.com")]
    if origin:
        headers.append((b"origin", origin.encode()))
    comm = WebsocketCommunicator(application, f"/ws/chat/{key}/", headers=headers)
    comm.scope["client"] = client
    return comm


async def connect(key: str, token: str = TOKEN, lang: str = "en", **kwargs):
    """A connected visitor past hello: (communicator, welcome frame)."""
    comm = communicator(key, **kwargs)
    connected, _code = await comm.connect()
    assert connected
    await comm.send_json_to({"type": "hello", "token": token, "lang": lang})
    welcome = await comm.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome", welcome
    return comm, welcome


async def until(comm, kind: str, timeout: float = 5) -> dict:
    """The next frame of `kind` (frames of other kinds before it are skipped)."""
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
