"""Events raised outside the web process — the task worker, the scheduler, the mail worker —
reach the agents' browsers: through the relay table on one machine without Redis, through
Redis with REDIS_URL (CH1, CH3; docs/realtime.md, rapport/realtime/relay.py)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from rapport.realtime import relay
from rapport.realtime.models import RelayedEvent
from rapport.realtime.publish import push_now, team_group, user_group

from .base import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
local_layer = pytest.mark.skipif(
    bool(settings.REDIS_URL), reason="the relay serves the in-process layer (no REDIS_URL)"
)


def _database_url() -> str:
    """The test database, as a URL another process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run_as_worker(code: str) -> None:
    """Run `code` in a separate Django process on the same database, as a worker would."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "rapport.settings",
    }
    script = "import django; django.setup()\n" + code
    done = subprocess.run(  # noqa: S603 — our own interpreter, our own code
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


async def _next_event(url: str, cookie: str, event: str, trigger) -> dict:
    headers = {"Cookie": cookie, "Origin": url.replace("ws://", "http://").split("/ws/")[0]}
    async with websockets.connect(url, additional_headers=headers) as socket:
        hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert hello["event"] == "hello"
        await asyncio.to_thread(trigger)
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 20))
            if frame["event"] == event:
                return frame["data"]


def test_a_notification_from_a_worker_process_reaches_the_agents_browser(asgi_live_server, desk):
    """The rule engine / SLA scheduler notify from another process (do_notify, after commit)."""
    cookie = session_cookie(desk.alice)
    code = (
        "from rapport.accounts.models import User\n"
        "from rapport.notify.actions import do_notify\n"
        f"do_notify([User.objects.get(pk={desk.alice.pk})], 'SLA warning: reply due soon')\n"
    )
    data = async_to_sync(_next_event)(
        f"{asgi_live_server.ws_url}/ws/agent/", cookie, "notification", lambda: run_as_worker(code)
    )
    assert data["text"] == "SLA warning: reply due soon"


def test_a_new_ticket_taken_in_by_a_worker_reaches_the_teams_inbox(asgi_live_server, desk):
    cookie = session_cookie(desk.bob)
    code = (
        "from rapport.test import receive\n"
        "receive(external_id='<w1@x>', sender='dave@example.com', subject='From the worker')\n"
    )
    data = async_to_sync(_next_event)(
        f"{asgi_live_server.ws_url}/ws/agent/",
        cookie,
        "ticket.changed",
        lambda: run_as_worker(code),
    )
    assert data["team"] == desk.support.pk


@local_layer
def test_outside_the_web_process_an_event_is_one_row_for_all_its_groups(desk):
    relay.heartbeat_path().touch()
    relay._alive_memo[:] = [0.0, False]
    RelayedEvent.objects.all().delete()
    push_now([team_group(1), user_group(2)], "ticket.changed", ticket=3)
    row = RelayedEvent.objects.get()
    assert row.groups == ["team.1", "user.2"]
    assert row.message == {
        "type": "agent.event",
        "event": "ticket.changed",
        "data": {"ticket": 3},
    }


@local_layer
def test_with_no_web_process_alive_nothing_is_written(desk):
    relay.heartbeat_path().unlink(missing_ok=True)
    relay._alive_memo[:] = [0.0, False]
    RelayedEvent.objects.all().delete()
    push_now(team_group(1), "ticket.changed", ticket=3)
    assert not RelayedEvent.objects.exists()


@local_layer
def test_the_web_process_fans_out_each_row_once_and_forgets_old_rows(desk):
    from datetime import timedelta

    from django.utils import timezone

    old = RelayedEvent.objects.create(groups=["team.9"], message={"type": "agent.event"})
    RelayedEvent.objects.filter(pk=old.pk).update(
        created=timezone.now() - timedelta(seconds=relay.KEEP + 5)
    )

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("team.9", channel)
        await relay.start()
        try:
            await asyncio.sleep(relay.POLL * 2)
            from channels.db import database_sync_to_async

            await database_sync_to_async(RelayedEvent.objects.create)(
                groups=["team.9"], message={"type": "agent.event", "event": "e", "data": {"n": 1}}
            )
            got = await asyncio.wait_for(layer.receive(channel), 10)
            await asyncio.sleep(relay.POLL * 3)  # polled again: not sent a second time
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), relay.POLL * 2)
            return got
        finally:
            await relay.stop()

    assert async_to_sync(scenario)()["data"] == {"n": 1}
    stale = relay.Cursor().fetch(prune=True)
    assert all(pk != old.pk for pk, *_ in stale)
    assert not RelayedEvent.objects.filter(pk=old.pk).exists()


def test_the_cursor_reads_only_new_rows_and_a_smaller_id_that_commits_late(desk):
    """Each poll asks for the rows above the highest id sent and for the gaps below it (on
    PostgreSQL a smaller id can commit after a larger one): each row is sent once, and the rows
    already sent are not read again."""
    from datetime import timedelta

    from django.utils import timezone

    RelayedEvent.objects.create(groups=["team.1"], message={"type": "before the start"})
    cursor = relay.Cursor()
    cursor.start()  # (not replayed)
    assert cursor.fetch() == []
    a, b, c = (
        RelayedEvent.objects.create(groups=["team.1"], message={"type": "t", "n": n})
        for n in range(3)
    )
    # b is not visible yet (as an uncommitted row would not be): outside the window for now.
    RelayedEvent.objects.filter(pk=b.pk).update(created=timezone.now() - timedelta(hours=1))
    assert [pk for pk, *_ in cursor.fetch()] == [a.pk, c.pk]
    assert set(cursor.gaps) == {b.pk}
    assert cursor.fetch() == []  # a and c are not sent again
    RelayedEvent.objects.filter(pk=b.pk).update(created=timezone.now())  # "committed"
    assert cursor.fetch() == [(b.pk, ["team.1"], {"type": "t", "n": 1})]
    assert not cursor.gaps
    d = RelayedEvent.objects.create(groups=["team.1"], message={"type": "t", "n": 3})
    assert [pk for pk, *_ in cursor.fetch()] == [d.pk]
    # A gap older than the window is given up (a rolled-back transaction's id).
    cursor.gaps[d.pk - 1000] = time.monotonic() - relay.WINDOW - 1
    assert cursor.fetch() == []
    assert not cursor.gaps
    # A restarted server starts after the rows already there (not replayed).
    fresh = relay.Cursor()
    fresh.start()
    assert fresh.high == d.pk
    assert fresh.fetch() == []


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI's second pass)")
def test_on_redis_two_servers_share_groups_and_nothing_is_relayed(desk):
    """Two app servers are two layer instances on the same Redis: a message sent through one
    reaches a browser connected to the other, and the relay table stays empty."""
    from channels_redis.core import RedisChannelLayer

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]

    async def scenario():
        server_a, server_b = RedisChannelLayer(**config), RedisChannelLayer(**config)
        channel = await server_a.new_channel()
        group = f"team.redis-test-{time.time_ns()}"
        await server_a.group_add(group, channel)
        await server_b.group_send(group, {"type": "agent.event", "event": "e", "data": {}})
        got = await asyncio.wait_for(server_a.receive(channel), 10)
        await server_a.group_discard(group, channel)
        await server_a.flush()
        return got

    assert async_to_sync(scenario)()["event"] == "e"
    assert not relay.is_local(get_channel_layer())
    RelayedEvent.objects.all().delete()
    push_now(team_group(1), "ticket.changed", ticket=1)
    assert not RelayedEvent.objects.exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI's second pass)")
def test_on_redis_many_connections_join_their_groups_at_once(db):
    """300 consumers' group_add at the same moment (1,000 chat visitors saying hello): redis-py's
    asyncio pool refused the 101st connection in use (MaxConnectionsError) before the layer's
    pool was configured larger (issue #6)."""
    from channels_redis.core import RedisChannelLayer

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]

    async def scenario():
        layer = RedisChannelLayer(**config)
        stamp = time.time_ns()
        channels = [await layer.new_channel() for _n in range(300)]
        # The connections are held while the calls wait: many in use at the same moment.
        await asyncio.gather(
            *(layer.group_add(f"visitor.many-{stamp}-{n}", c) for n, c in enumerate(channels))
        )
        await asyncio.gather(
            *(layer.group_discard(f"visitor.many-{stamp}-{n}", c) for n, c in enumerate(channels))
        )
        await layer.flush()
        return len(channels)

    assert async_to_sync(scenario)() == 300


@local_layer
def test_each_web_process_has_its_own_heartbeat(desk, settings, tmp_path):
    """Two web processes: one stopping leaves the other alive for the workers (issue #10)."""
    settings.DATA_DIR = tmp_path
    folder = relay.heartbeat_dir()
    folder.mkdir()
    (folder / "11.alive").write_text("40001")
    (folder / "22.alive").write_text("40002")
    relay._alive_memo[0] = 0.0
    assert relay.web_alive()
    assert sorted(relay.peers()) == [(11, 40001), (22, 40002)]
    (folder / "11.alive").unlink()  # its lifespan shutdown
    relay._alive_memo[0] = 0.0
    assert relay.web_alive() and relay.peers() == [(22, 40002)]
    stale = time.time() - 4 * relay.HEARTBEAT  # killed without a shutdown: not alive
    os.utime(folder / "22.alive", (stale, stale))
    relay._alive_memo[0] = 0.0
    assert not relay.web_alive() and relay.peers() == []
    relay._alive_memo[0] = 0.0


@local_layer
def test_with_several_web_processes_each_relays_its_own_events(desk, settings):
    """RAPPORT_WEB_PROCESSES=2: a group message sent in this web process reaches its own
    members at once and is written for the others with this process's origin; the tail fans
    out the other processes' rows and never its own (each event once)."""
    from channels.db import database_sync_to_async

    settings.RAPPORT_WEB_PROCESSES = 2
    other = relay.heartbeat_dir()
    other.mkdir(exist_ok=True)
    (other / "7.alive").write_text("9")  # another web process (its wake-up port: 9, discard)
    relay._alive_memo[0] = 0.0
    RelayedEvent.objects.all().delete()

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("team.5", channel)
        await relay.start()
        try:
            await layer.group_send("team.5", {"type": "agent.event", "event": "mine"})
            mine = await asyncio.wait_for(layer.receive(channel), 5)  # at once, here
            for _n in range(100):  # written by the outbox's thread
                rows = await database_sync_to_async(
                    lambda: list(RelayedEvent.objects.values_list("origin", "groups"))
                )()
                if rows:
                    break
                await asyncio.sleep(0.05)
            # Sync code (a request thread) too: sent here and forwarded, one row for both.
            await asyncio.to_thread(push_now, ["team.5", "user.1"], "from.sync")
            sync = await asyncio.wait_for(layer.receive(channel), 5)
            await database_sync_to_async(RelayedEvent.objects.create)(
                groups=["team.5"], message={"type": "agent.event", "event": "theirs"}, origin=7
            )
            theirs = await asyncio.wait_for(layer.receive(channel), 5)
            await asyncio.sleep(relay.POLL * 3)  # polled again: nothing more
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), relay.POLL * 2)
            return mine, rows, sync, theirs, relay.origin()
        finally:
            await relay.stop()
            (other / "7.alive").unlink()

    mine, rows, sync, theirs, origin = async_to_sync(scenario)()
    assert mine["event"] == "mine" and theirs["event"] == "theirs"
    assert sync["event"] == "from.sync"
    assert rows == [(origin, ["team.5"])]
    assert list(RelayedEvent.objects.filter(origin=origin).values_list("groups", flat=True)) == [
        ["team.5"],
        ["team.5", "user.1"],
    ]
    assert get_channel_layer().forward is None  # stopped: one process again


@local_layer
def test_with_one_web_process_nothing_is_written(desk):
    """The default (RAPPORT_WEB_PROCESSES=1): the web process's own events cost no row."""
    RelayedEvent.objects.all().delete()

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("team.5", channel)
        await relay.start()
        try:
            assert layer.forward is None
            await layer.group_send("team.5", {"type": "agent.event", "event": "mine"})
            return await asyncio.wait_for(layer.receive(channel), 5)
        finally:
            await relay.stop()

    assert async_to_sync(scenario)()["event"] == "mine"
    assert not RelayedEvent.objects.exists()
