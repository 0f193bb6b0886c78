"""Two real web processes on one database, no Redis (issue #10; docs/scaling.md "Two web
processes on one machine"; CH1, CH3).

Two uvicorn processes (RAPPORT_WEB_PROCESSES=2) on the test database: a chat visitor on one
(A), an agent on the other (B). The visitor's messages reach the agent's live view, the
agent's replies (through B's API, delivered by B: the immediate task backend) reach the
visitor on A — each once, in order — and typing crosses both ways; presence set through A is
read through B, and a per-address rate limit is counted across both (the shared cache,
rapport/realtime/cache.py). Each process relays its own events (rapport/realtime/relay.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from asgiref.sync import async_to_sync
from django.conf import settings

from rapport.api.actions import do_create_token
from rapport.api.models import Scope
from rapport.webchat.models import Widget

from .base import session_cookie
from .test_relay import _database_url

pytestmark = pytest.mark.django_db(transaction=True)

UVICORN = str(Path(sys.executable).with_name("uvicorn"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two web processes, A and B: their base URLs. One data directory (heartbeats, the
    shared cache), the test database."""
    data = tmp_path_factory.mktemp("two-web")
    (data / "static").mkdir()
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEB_CONCURRENCY")}
    env.update(
        DATABASE_URL=database_url,
        RAPPORT_DATA_DIR=str(data),
        SECRET_KEY=settings.SECRET_KEY,  # the test's sessions are valid there
        RAPPORT_WEB_PROCESSES="2",
        RAPPORT_INTAKE_DEFERRED="0",  # a chat message is a ticket message at once
        # The outbox delivers a reply in the process that took it (B), not in a worker.
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        DB_POOL_MAX_SIZE="8",
        DJANGO_SETTINGS_MODULE="rapport.settings",
    )
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(  # noqa: S603 — our own server
            [UVICORN, "rapport.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
            + ["--no-access-log", "--log-level", "warning", "--ws-per-message-deflate", "false"],
            env=env,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert all(p.poll() is None for p in procs), "a server died"
                    assert time.monotonic() < deadline, "a server did not start"
                    time.sleep(0.1)
        # Both heartbeats (with their wake-up ports) are there before anything is sent.
        deadline = time.monotonic() + 20
        while len(list((data / "realtime-web").glob("*.alive"))) < 2:
            assert time.monotonic() < deadline, "no heartbeats"
            time.sleep(0.05)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def desk(transactional_db):
    from rapport.test import Personas

    class Desk(Personas):
        """The personas as class attributes of a class of this test's own (create_personas
        sets them on the class it is called on)."""

    Desk.create_personas()
    Desk.widget = Widget.objects.create(name="Shop", team=Desk.support, ip_limit_per_minute=0)
    return Desk


def _ws(base: str) -> str:
    return base.replace("http://", "ws://")


async def _frames_until(socket_, predicate, timeout: float = 10) -> dict:
    """The next frame for which `predicate` is true (others skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "not received in time"
        frame = json.loads(await asyncio.wait_for(socket_.recv(), left))
        if predicate(frame):
            return frame


async def _quiet(socket_, seconds: float) -> list[dict]:
    """Every frame received in the next `seconds`."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(json.loads(await asyncio.wait_for(socket_.recv(), left)))
        except TimeoutError:
            break
    return got


def test_a_chat_visitor_on_one_process_and_an_agent_on_the_other(servers, desk):
    a, b = servers
    cookie = session_cookie(desk.alice)
    _token, api_key = do_create_token(desk.alice, name="test", scope=Scope.WRITE)
    visitor_token = "visitor-" + secrets.token_hex(12)

    async def scenario():
        agent = await websockets.connect(
            f"{_ws(b)}/ws/agent/", additional_headers={"Cookie": cookie, "Origin": b}
        )
        visitor = await websockets.connect(
            f"{_ws(a)}/ws/chat/{desk.widget.key}/", additional_headers={"Origin": a}
        )
        async with agent, visitor:
            await _frames_until(agent, lambda f: f["event"] == "hello")
            await visitor.send(json.dumps({"type": "hello", "token": visitor_token}))
            await _frames_until(visitor, lambda f: f["type"] == "welcome")

            # The visitor's first message (A) opens a ticket: the agent's inbox (B) hears it.
            await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "Hi there"}))
            ack = await _frames_until(visitor, lambda f: f["type"] == "ack")
            ticket = ack["ticket"]
            changed = await _frames_until(
                agent, lambda f: f["event"] == "ticket.changed" and f["data"]["ticket"] == ticket
            )
            assert changed["data"]["team"] == desk.support.pk

            # The agent opens it (B) and types: the visitor (A) sees "typing".
            await agent.send(json.dumps({"type": "watch", "ticket": ticket}))
            await _frames_until(agent, lambda f: f["event"] == "watching")
            await agent.send(json.dumps({"type": "typing", "ticket": ticket}))
            typing = await _frames_until(visitor, lambda f: f["type"] == "typing")
            assert typing["who"] == "agent" and typing["name"] == "Alice"

            # The visitor types and writes again (A): the agent's open ticket (B) hears both.
            await visitor.send(json.dumps({"type": "typing", "typing": True}))
            await _frames_until(agent, lambda f: f["event"] == "chat.typing")
            await visitor.send(json.dumps({"type": "message", "id": "m2", "text": "Still here"}))
            await _frames_until(
                agent, lambda f: f["event"] == "ticket.changed" and f["data"]["ticket"] == ticket
            )

            # Three replies through B's API: the visitor (A) gets each once, in order.
            async with httpx.AsyncClient(
                base_url=b, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
            ) as client:
                for n in range(3):
                    answer = await client.post(
                        f"/api/v1/tickets/{ticket}/messages/", json={"body_text": f"Reply {n}"}
                    )
                    assert answer.status_code == 201, answer.text
            got = []
            while sum(m["from"] == "agent" for m in got) < 3:
                frame = await _frames_until(visitor, lambda f: f["type"] == "message")
                got.append(frame["message"])
            got += [f["message"] for f in await _quiet(visitor, 1.0) if f["type"] == "message"]
            # (The visitor's own second message comes back once too: for their other tabs.)
            assert [(m["from"], m["text"]) for m in got] == [
                ("visitor", "Still here"),
                ("agent", "Reply 0"),
                ("agent", "Reply 1"),
                ("agent", "Reply 2"),
            ]

    async_to_sync(scenario)()


def test_presence_set_through_one_process_is_seen_through_the_other(servers, desk):
    a, b = servers
    ticket = desk.carol_ticket.pk
    alice_cookie, bob_cookie = session_cookie(desk.alice), session_cookie(desk.bob)

    async def scenario():
        alice = await websockets.connect(
            f"{_ws(a)}/ws/agent/", additional_headers={"Cookie": alice_cookie, "Origin": a}
        )
        async with alice:
            await _frames_until(alice, lambda f: f["event"] == "hello")
            await alice.send(json.dumps({"type": "watch", "ticket": ticket}))
            await _frames_until(alice, lambda f: f["event"] == "watching")
            await alice.send(json.dumps({"type": "typing", "ticket": ticket}))
            await _frames_until(alice, lambda f: f["event"] == "presence")
            # Bob's ticket page, served by B, asks who else is there (its presence ping).
            csrf = secrets.token_hex(16)
            async with httpx.AsyncClient(base_url=b, timeout=30) as client:
                page = await client.post(
                    f"/tickets/{ticket}/presence/",
                    headers={
                        "Cookie": f"{bob_cookie}; csrftoken={csrf}",
                        "X-CSRFToken": csrf,
                        "Origin": b,
                    },
                )
            assert page.status_code == 200, page.text
            return page.text

    html = async_to_sync(scenario)()
    assert "Alice" in html
    assert "typing" in html


def test_a_rate_limit_is_counted_across_both_processes(servers, desk):
    Widget.objects.filter(pk=desk.widget.pk).update(ip_limit_per_minute=4)
    a, b = servers
    token = "visitor-" + secrets.token_hex(12)
    if time.time() % 60 > 50:  # the counter is per minute: not across a minute's end
        time.sleep(61 - time.time() % 60)
    codes = []
    for n in range(6):
        base = (a, b)[n % 2]
        answer = httpx.post(
            f"{base}/chat/{desk.widget.key}/messages/",
            json={"token": token, "id": f"r{n}", "text": f"Message {n}"},
            headers={"Origin": base},
            timeout=30,
        )
        codes.append(answer.status_code)
    # Four through A and B together, then refused by both (one process alone counted 3).
    assert codes == [201, 201, 201, 201, 429, 429]
