"""The visitor WebSocket (CH1, CH3): acknowledgements, exactly once, history, origins, limits,
typing. Real channel layer (in-process), real database (transactions commit)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from rapport.customers.models import Identity
from rapport.intake.models import InboundRaw
from rapport.realtime.publish import AGENT_EVENT, ticket_group
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Message, Ticket
from rapport.webchat.models import Visitor, visitor_id

from .base import TOKEN, communicator, connect, until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def db(fn):
    return database_sync_to_async(fn)


async def test_it_acknowledges_a_message_with_its_client_id_once_stored(desk):
    comm, welcome = await connect(desk.widget.key)
    assert welcome["token"] == TOKEN and welcome["greeting"] == "Hello!"
    assert welcome["history"] == [] and welcome["chat"]["ticket"] is None
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Where is my parcel?"})
    ack = await until(comm, "ack")
    assert ack["id"] == "c-1" and ack["duplicate"] is False
    message = await db(Message.objects.select_related("ticket", "customer").get)(pk=ack["message"])
    assert message.body_text == "Where is my parcel?"
    assert message.channel == "webchat"
    assert message.external_id == f"{visitor_id(TOKEN)}:c-1"
    assert message.ticket.team_id == desk.support.pk
    identity = await db(Identity.objects.get)(kind="webchat", value=visitor_id(TOKEN))
    assert identity.customer_id == message.customer_id
    await comm.disconnect()


async def test_a_resend_after_reconnecting_is_stored_once_and_acknowledged_again(desk):
    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Hello"})
    first = await until(comm, "ack")
    await comm.disconnect()
    comm, welcome = await connect(desk.widget.key)
    # The history came back, with the message and its client id.
    assert [(m["client_id"], m["text"], m["from"]) for m in welcome["history"]] == [
        ("c-1", "Hello", "visitor")
    ]
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Hello"})
    again = await until(comm, "ack")
    assert again["duplicate"] is True and again["message"] == first["message"]
    assert await db(Message.objects.filter(channel="webchat").count)() == 1
    assert await db(InboundRaw.objects.filter(channel="webchat").count)() == 1
    await comm.disconnect()


async def test_messages_continue_one_chat_ticket_and_history_has_both_directions(desk):
    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "message", "id": "a", "text": "One"})
    ack = await until(comm, "ack")
    await comm.send_json_to({"type": "message", "id": "b", "text": "Two"})
    second = await until(comm, "ack")
    assert second["ticket"] == ack["ticket"]
    ticket = await db(Ticket.objects.get)(pk=ack["ticket"])
    await db(do_reply)(ticket, author=desk.alice, body_text="Alice here, looking now.")
    reply = await until(comm, "message")
    while reply["message"]["from"] != "agent":
        reply = await until(comm, "message")
    assert reply["message"]["text"] == "Alice here, looking now."
    assert reply["message"]["name"] == "Alice"
    await comm.disconnect()
    comm, welcome = await connect(desk.widget.key)
    assert [m["text"] for m in welcome["history"]] == ["One", "Two", "Alice here, looking now."]
    assert [m["from"] for m in welcome["history"]] == ["visitor", "visitor", "agent"]
    await comm.disconnect()


async def test_another_visitor_never_sees_this_chat(desk):
    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "message", "id": "a", "text": "Private"})
    await until(comm, "ack")
    other, welcome = await connect(desk.widget.key, token="someone-else-bbbbbbbbbbbb")
    assert welcome["history"] == []
    await comm.disconnect()
    await other.disconnect()


async def test_an_origin_not_on_the_list_is_refused(desk):
    comm = communicator(desk.widget.key, origin="https://evil.example.net")
    connected, code = await comm.connect()
    assert not connected and code == 4403
    comm = communicator(desk.widget.key, origin="")
    connected, code = await comm.connect()
    assert not connected and code == 4403
    # A wildcard entry allows subdomains, not the bare domain.
    comm = communicator(desk.widget.key, origin="https://www.example.org")
    connected, _code = await comm.connect()
    assert connected
    await comm.disconnect()
    comm = communicator(desk.widget.key, origin="https://example.org")
    connected, code = await comm.connect()
    assert not connected


async def test_an_unknown_widget_is_refused(desk):
    comm = communicator("no-such-key")
    connected, code = await comm.connect()
    assert not connected and code == 4404


async def test_bad_frames_get_error_frames_and_the_connection_goes_on(desk):
    comm = communicator(desk.widget.key)
    await comm.connect()
    await comm.send_json_to({"type": "message", "id": "x", "text": "before hello"})
    assert (await comm.receive_json_from())["code"] == "no_hello"
    await comm.send_json_to({"type": "hello", "token": TOKEN})
    await until(comm, "welcome")
    await comm.send_to(text_data="{not json")
    assert (await comm.receive_json_from())["code"] == "bad_json"
    await comm.send_json_to({"type": "teleport"})
    assert (await comm.receive_json_from())["code"] == "unknown_type"
    await comm.send_json_to(["a", "list"])
    assert (await comm.receive_json_from())["code"] == "bad_frame"
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from())["code"] == "bad_frame"
    await comm.send_to(text_data="x" * 70_000)
    assert (await comm.receive_json_from())["code"] == "too_big"
    await comm.send_json_to({"type": "message", "id": "long", "text": "я" * 5001})
    error = await comm.receive_json_from()
    assert error["code"] == "too_long" and error["id"] == "long"
    await comm.send_json_to({"type": "message", "id": "bad id!", "text": "hi"})
    assert (await comm.receive_json_from())["code"] == "bad_id"
    await comm.send_json_to({"type": "message", "id": "empty", "text": "   "})
    assert (await comm.receive_json_from())["code"] == "empty"
    # Still alive: a good message is stored and acknowledged.
    await comm.send_json_to({"type": "message", "id": "ok", "text": "fine"})
    assert (await until(comm, "ack"))["id"] == "ok"
    assert await db(Message.objects.filter(channel="webchat").count)() == 1
    await comm.disconnect()


async def test_flooding_is_dropped_counted_and_finally_closed(desk):
    comm, _welcome = await connect(desk.widget.key)
    for n in range(100):
        await comm.send_json_to({"type": "ping", "n": n})
    frames = []
    while True:
        try:
            frames.append(await comm.receive_output(timeout=2))
        except Exception:  # noqa: BLE001 — the output queue is drained
            break
    texts = [f for f in frames if f["type"] == "websocket.send"]
    closes = [f for f in frames if f["type"] == "websocket.close"]
    assert any('"rate_limited"' in f["text"] for f in texts)
    assert closes and closes[0]["code"] == 4008
    from rapport.webchat.limits import dropped

    assert dropped()["rate"] >= 50


async def test_the_per_address_limit_refuses_connections_and_messages(desk):
    desk.widget.ip_limit_per_minute = 3
    await db(desk.widget.save)()
    comm, _welcome = await connect(desk.widget.key)  # 1
    await comm.send_json_to({"type": "message", "id": "a", "text": "one"})  # 2
    await until(comm, "ack")
    await comm.send_json_to({"type": "message", "id": "b", "text": "two"})  # 3
    await until(comm, "ack")
    await comm.send_json_to({"type": "message", "id": "c", "text": "three"})  # 4: over
    error = await until(comm, "error")
    assert error["code"] == "rate_limited" and error["id"] == "c"
    refused = communicator(desk.widget.key)
    connected, code = await refused.connect()
    assert not connected and code == 4429
    # Another address is not affected.
    other, _welcome = await connect(desk.widget.key, client=("198.51.100.9", 1))
    await other.disconnect()
    await comm.disconnect()


async def test_visitor_typing_reaches_agents_watching_the_ticket(desk):
    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "typing", "typing": True})  # no chat yet: nobody to tell
    await comm.send_json_to({"type": "message", "id": "a", "text": "hi"})
    ack = await until(comm, "ack")
    layer = get_channel_layer()
    agent = await layer.new_channel()
    await layer.group_add(ticket_group(ack["ticket"]), agent)
    await comm.send_json_to({"type": "typing", "typing": True})
    event = await asyncio.wait_for(layer.receive(agent), 5)
    assert event["type"] == AGENT_EVENT
    assert event["event"] == "chat.typing"
    assert event["data"] == {"ticket": ack["ticket"], "who": "visitor", "typing": True}
    await comm.disconnect()


async def test_agent_typing_reaches_the_visitor(desk):
    from rapport.webchat.transport import agent_typing

    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "message", "id": "a", "text": "hi"})
    ack = await until(comm, "ack")
    await db(agent_typing)(ack["ticket"], "Alice", True)
    frame = await until(comm, "typing")
    assert frame == {"type": "typing", "who": "agent", "typing": True, "name": "Alice"}
    await comm.disconnect()


async def test_the_visitor_counts_as_connected_while_a_socket_is_open(desk):
    comm, _welcome = await connect(desk.widget.key)
    await comm.send_json_to({"type": "message", "id": "a", "text": "hi"})
    await until(comm, "ack")
    visitor = await db(Visitor.objects.get)(vid=visitor_id(TOKEN))
    assert visitor.connections == 1 and visitor.is_online()
    await comm.disconnect()
    visitor = await db(Visitor.objects.get)(vid=visitor_id(TOKEN))
    assert visitor.connections == 0 and not visitor.is_online()
