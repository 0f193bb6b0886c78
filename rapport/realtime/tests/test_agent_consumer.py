"""The agent's WebSocket (ws/agent/): who may connect, what they are told, what they may watch,
and what happens to bad or flooding clients (CH1, CH3; docs/realtime.md)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from rapport.notify.actions import do_notify
from rapport.realtime import consumers
from rapport.realtime.publish import INBOX_GROUP, push_now, team_group, user_group
from rapport.tickets import presence
from rapport.tickets.actions import do_add_note

from .base import agent_socket, connected, until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_an_anonymous_visitor_is_refused(desk):
    comm = await agent_socket(None)
    ok, code = await comm.connect(timeout=10)
    assert not ok
    assert code == consumers.CLOSE_UNAUTHENTICATED


async def test_a_page_on_another_origin_cannot_ride_the_agents_cookie(desk):
    comm = await agent_socket(desk.alice, origin="https://evil.example.net")
    ok, _code = await comm.connect(timeout=10)
    assert not ok


async def test_an_agent_hears_their_own_and_their_teams_events_only(desk):
    alice = await connected(desk.alice)
    charlie = await connected(desk.charlie)
    await sync_to_async(push_now)(team_group(desk.support.pk), "ticket.changed", ticket=1)
    await sync_to_async(push_now)(user_group(desk.alice.pk), "cti.ringing", number="+7900")
    assert await alice.receive_json_from(timeout=5) == {
        "event": "ticket.changed",
        "data": {"ticket": 1},
    }
    assert (await alice.receive_json_from(timeout=5))["data"] == {"number": "+7900"}
    assert await charlie.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await charlie.disconnect()


async def test_a_supervisor_hears_every_team(desk):
    sam = await connected(desk.sam)
    await sync_to_async(push_now)(INBOX_GROUP, "ticket.changed", ticket=7)
    assert (await until(sam, "ticket.changed"))["data"] == {"ticket": 7}
    await sam.disconnect()


async def test_a_note_on_a_ticket_reaches_the_team_and_the_supervisor_after_commit(desk):
    alice = await connected(desk.alice)
    sam = await connected(desk.sam)
    charlie = await connected(desk.charlie)
    note = await sync_to_async(do_add_note)(desk.carol_ticket, author=desk.bob, body="Checking")
    for comm in (alice, sam):
        frame = await until(comm, "ticket.changed")
        assert frame["data"]["ticket"] == desk.carol_ticket.pk
        assert frame["data"]["kind"] == "note.added"
    assert note.pk
    assert await charlie.receive_nothing(timeout=0.3)
    for comm in (alice, sam, charlie):
        await comm.disconnect()


async def test_a_notification_is_pushed_to_its_agent(desk):
    alice = await connected(desk.alice)
    bob = await connected(desk.bob)
    await sync_to_async(do_notify)([desk.alice], "Ticket assigned to you", ticket=desk.carol_ticket)
    frame = await until(alice, "notification")
    assert frame["data"]["text"] == "Ticket assigned to you"
    assert frame["data"]["ticket"] == desk.carol_ticket.pk
    assert await bob.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await bob.disconnect()


async def test_charlie_may_not_watch_a_support_ticket(desk):
    charlie = await connected(desk.charlie)
    await charlie.send_json_to({"type": "watch", "ticket": desk.carol_ticket.pk})
    frame = await charlie.receive_json_from(timeout=5)
    assert frame == {"event": "error", "data": {"code": "forbidden", "type": "watch"}}
    # Nor type on it, nor hear what happens on it.
    await charlie.send_json_to({"type": "typing", "ticket": desk.carol_ticket.pk})
    assert (await charlie.receive_json_from(timeout=5))["data"]["code"] == "not_watching"
    alice = await connected(desk.alice)
    await alice.send_json_to({"type": "watch", "ticket": desk.carol_ticket.pk})
    await until(alice, "watching")
    assert await charlie.receive_nothing(timeout=0.3)
    # A ticket that does not exist gets the same answer as one that is not yours.
    await charlie.send_json_to({"type": "watch", "ticket": 999_999})
    assert (await charlie.receive_json_from(timeout=5))["data"]["code"] == "forbidden"
    await alice.disconnect()
    await charlie.disconnect()


async def test_watchers_see_who_is_viewing_and_typing_and_who_left(desk):
    ticket = desk.carol_ticket.pk
    alice = await connected(desk.alice)
    await alice.send_json_to({"type": "watch", "ticket": ticket})
    await until(alice, "watching")
    assert (await until(alice, "presence"))["data"]["user"] == desk.alice.pk  # her own
    bob = await connected(desk.bob)
    await bob.send_json_to({"type": "watch", "ticket": ticket})
    assert (await until(alice, "presence"))["data"] == {"ticket": ticket, "user": desk.bob.pk}
    others = await sync_to_async(presence.ping)(ticket, desk.alice)
    assert [(v["name"], v["typing"]) for v in others] == [("Bob", False)]

    await bob.send_json_to({"type": "typing", "ticket": ticket})
    assert (await until(alice, "presence"))["data"]["user"] == desk.bob.pk
    others = await sync_to_async(presence.ping)(ticket, desk.alice)
    assert [(v["name"], v["typing"]) for v in others] == [("Bob", True)]

    await bob.disconnect()  # the page closed
    assert (await until(alice, "presence"))["data"]["user"] == desk.bob.pk
    assert await sync_to_async(presence.ping)(ticket, desk.alice) == []
    await alice.disconnect()


async def test_bad_frames_get_an_error_and_the_connection_survives(desk):
    alice = await connected(desk.alice)
    bad = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"type": "launch_missiles"}),
        json.dumps({"type": 5}),
        json.dumps({"type": "watch", "ticket": "abc"}),
        json.dumps({"type": "watch", "ticket": True}),
        json.dumps({"type": "watch", "ticket": 10**30}),
        json.dumps({"type": "watch", "ticket": None}),
        json.dumps({"type": "typing", "ticket": {"$gt": 0}}),
        "x" * (consumers.MAX_FRAME + 1),
    ]
    for text in bad:
        await alice.send_to(text_data=text)
        frame = await alice.receive_json_from(timeout=5)
        assert frame["event"] == "error", (text, frame)
    codes = []
    await alice.send_to(bytes_data=b"\xff\xfe")
    codes.append((await alice.receive_json_from(timeout=5))["data"]["code"])
    assert codes == ["bad_json"]
    await alice.send_json_to({"type": "ping"})
    assert await alice.receive_json_from(timeout=5) == {"event": "pong", "data": {}}
    await alice.disconnect()


async def test_a_flooding_client_is_dropped_counted_and_closed(desk):
    alice = await connected(desk.alice)
    bob = await connected(desk.bob)
    before = consumers.stats["dropped"]
    for _ in range(consumers.BURST + consumers.MAX_DROPS + 10):
        await alice.send_json_to({"type": "ping"})
    pongs = 0
    while True:
        out = await alice.receive_output(timeout=5)
        if out["type"] == "websocket.close":
            assert out["code"] == consumers.CLOSE_FLOODING
            break
        pongs += 1
    assert consumers.BURST <= pongs < consumers.BURST + 10
    assert consumers.stats["dropped"] - before >= consumers.MAX_DROPS
    # Another agent's connection is untouched.
    await bob.send_json_to({"type": "ping"})
    assert (await bob.receive_json_from(timeout=5))["event"] == "pong"
    await bob.disconnect()


async def test_a_layer_message_with_unexpected_content_is_still_forwarded_as_json(desk):
    alice = await connected(desk.alice)
    layer = get_channel_layer()
    await layer.group_send(
        user_group(desk.alice.pk), {"type": "agent.event", "event": "x", "data": {"h": "<b>"}}
    )
    assert (await alice.receive_json_from(timeout=5))["data"] == {"h": "<b>"}
    await alice.disconnect()
