"""Deferred intake on the visitor WebSocket (CH1, TR1 "store first"; issue #6's benchmark):
the ack comes once the raw message is committed, the intake worker processes it later, and
nothing is lost or stored twice in between. Real channel layer, real database, the real
intake drain (`do_drain`, what `manage.py intake_worker` runs)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Message, Ticket
from rapport.webchat import actions, store
from rapport.webchat.models import ChatTicket, Visitor, visitor_id

from .base import TOKEN, connect, until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def db(fn):
    return database_sync_to_async(fn)


@pytest.fixture
def deferred(desk, settings):
    settings.RAPPORT_INTAKE_DEFERRED = True
    return desk


async def messages(**filters) -> list[Message]:
    return await db(lambda: list(Message.objects.filter(channel="webchat", **filters)))()


async def test_the_ack_comes_once_the_raw_message_is_stored_before_any_processing(deferred):
    comm, _welcome = await connect(deferred.widget.key)
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Where is my parcel?"})
    ack = await until(comm, "ack")
    assert ack["id"] == "c-1" and ack["pending"] is True and ack["duplicate"] is False
    assert ack["message"] is None and ack["ticket"] is None
    raw = await db(InboundRaw.objects.get)(channel="webchat")
    assert raw.state == RawState.RECEIVED and raw.external_id == f"{visitor_id(TOKEN)}:c-1"
    assert await messages() == []  # nothing processed yet: the worker has not run
    # The first message counted the visitor as connected, in the same transaction.
    visitor = await db(Visitor.objects.get)(vid=visitor_id(TOKEN))
    assert visitor.connections == 1
    await comm.disconnect()


async def test_a_resend_of_a_message_not_processed_yet_is_stored_once(deferred):
    comm, _welcome = await connect(deferred.widget.key)
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Hello"})
    await until(comm, "ack")
    await comm.disconnect()
    # Reconnect (the widget lost the ack, say): the history has it, pending, and a resend
    # with the same client id is a duplicate of the stored raw row.
    comm, welcome = await connect(deferred.widget.key)
    assert [(m["client_id"], m["text"], m["id"], m["pending"]) for m in welcome["history"]] == [
        ("c-1", "Hello", None, True)
    ]
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Hello"})
    again = await until(comm, "ack")
    assert again["duplicate"] is True and again["pending"] is True
    assert await db(InboundRaw.objects.filter(channel="webchat").count)() == 1
    # Processed: one message; a resend now names it.
    assert await db(do_drain)() == 1
    processed = await until(comm, "message")
    await comm.send_json_to({"type": "message", "id": "c-1", "text": "Hello"})
    third = await until(comm, "ack")
    assert third["duplicate"] is True and third["message"] == processed["message"]["id"]
    assert [m.pk for m in await messages()] == [third["message"]]
    await comm.disconnect()


async def test_the_worker_processes_later_and_every_tab_gets_the_message_then_the_reply(
    deferred,
):
    comm, _welcome = await connect(deferred.widget.key)
    other_tab, _welcome = await connect(deferred.widget.key)
    for n in range(3):
        await comm.send_json_to({"type": "message", "id": f"m-{n}", "text": f"Line {n}"})
        assert (await until(comm, "ack"))["pending"] is True
    assert await db(do_drain)() == 3
    for socket in (comm, other_tab):
        seen = [(await until(socket, "message"))["message"] for _n in range(3)]
        assert [(m["client_id"], m["text"], m["from"]) for m in seen] == [
            (f"m-{n}", f"Line {n}", "visitor") for n in range(3)
        ]
        assert all(isinstance(m["id"], int) for m in seen)
    # Exactly once, in order, on one chat ticket linked to the visitor.
    stored = await messages()
    assert sorted(m.external_id for m in stored) == [f"{visitor_id(TOKEN)}:m-{n}" for n in range(3)]
    assert len({m.ticket_id for m in stored}) == 1
    ticket = await db(Ticket.objects.get)(pk=stored[0].ticket_id)
    assert ticket.team_id == deferred.support.pk
    assert await db(ChatTicket.objects.filter(ticket=ticket).exists)()
    # The widgets now follow the ticket: the agent's reply reaches both.
    await db(do_reply)(ticket, author=deferred.alice, body_text="Alice here.")
    for socket in (comm, other_tab):
        reply = await until(socket, "message")
        assert reply["message"]["from"] == "agent" and reply["message"]["text"] == "Alice here."
    await comm.disconnect()
    await other_tab.disconnect()


async def test_history_merges_pending_messages_in_order_once_each(deferred):
    comm, _welcome = await connect(deferred.widget.key)
    await comm.send_json_to({"type": "message", "id": "a", "text": "First"})
    await until(comm, "ack")
    await db(do_drain)()
    first = (await until(comm, "message"))["message"]
    ticket = await db(Ticket.objects.get)(pk=(await messages())[0].ticket_id)
    await db(do_reply)(ticket, author=deferred.alice, body_text="Reply")
    await until(comm, "message")
    await comm.send_json_to({"type": "message", "id": "b", "text": "Second, not processed"})
    await until(comm, "ack")
    await comm.disconnect()
    comm, welcome = await connect(deferred.widget.key)
    assert [(m["text"], m["from"], m["id"]) for m in welcome["history"]] == [
        ("First", "visitor", first["id"]),
        ("Reply", "agent", welcome["history"][1]["id"]),
        ("Second, not processed", "visitor", None),
    ]
    # A message both processed and still read as pending shows once (the processed copy).
    raw = await db(InboundRaw.objects.get)(external_id=f"{visitor_id(TOKEN)}:a")
    await db(InboundRaw.objects.filter(pk=raw.pk).update)(state=RawState.RECEIVED)
    _ticket, shown = await db(actions.history)(await db(Visitor.objects.get)(vid=visitor_id(TOKEN)))
    assert [m["text"] for m in shown] == ["First", "Reply", "Second, not processed"]
    await comm.disconnect()


async def test_messages_arriving_together_are_stored_in_one_transaction(deferred):
    items = [
        actions.check_visitor_message(
            deferred.widget, f"group-commit-token-{n:04d}", "x", f"Hello {n}"
        )
        for n in range(30)
    ]
    before = dict(store.stats)
    accepted = await asyncio.gather(*(store.submit(item) for item in items))
    assert store.stats["batches"] - before["batches"] == 1
    assert [a.client_id for a in accepted] == ["x"] * 30
    assert len({a.raw_id for a in accepted}) == 30 and not any(a.duplicate for a in accepted)
    assert await db(InboundRaw.objects.filter(channel="webchat").count)() == 30
    # Nothing is lost on the way to tickets: each becomes exactly one message.
    assert await db(do_drain)() == 30
    assert len(await messages()) == 30


async def test_a_drain_in_one_message_batches_pushes_each_message_once_in_order(deferred):
    """A busy chat makes the intake worker's batches yield after one message (issue #6); the
    rest of what it read is carried to the next batch, not read again, and the chat's link
    and push are written in each message's own transaction (no second write transaction)."""
    comm, _welcome = await connect(deferred.widget.key)
    for n in range(5):
        await comm.send_json_to({"type": "message", "id": f"y-{n}", "text": f"Yield {n}"})
        await until(comm, "ack")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def drain():
        with CaptureQueriesContext(connection) as queries:
            done = do_drain(max_seconds=0)  # every batch stops after its first message
        return done, [q["sql"] for q in queries.captured_queries]

    done, sql = await db(drain)()
    assert done == 5
    reads = [s for s in sql if s.startswith("SELECT") and '"state" = ' in s and "LIMIT" in s]
    assert len(reads) == 2  # the backlog read once, then the empty read that ends the drain
    # One write transaction per batch: none for the chat's link and push after it.
    begins = [s for s in sql if s.startswith("BEGIN")]
    assert len(begins) == 5
    seen = [(await until(comm, "message"))["message"] for _n in range(5)]
    assert [m["client_id"] for m in seen] == [f"y-{n}" for n in range(5)]
    stored = await messages()
    assert len(stored) == 5 and len({m.ticket_id for m in stored}) == 1
    assert await db(ChatTicket.objects.filter(ticket_id=stored[0].ticket_id).count)() == 1
    await comm.disconnect()


async def test_a_failing_chat_hook_never_costs_the_message(deferred, monkeypatch):
    """The chat's in-transaction hook fails (its own savepoint rolls back): the message is
    processed all the same, exactly once (TR1); only the widget's push is missing."""
    from rapport.webchat import transport

    def broken(*_args, **_kwargs):
        raise RuntimeError("the push broke")

    monkeypatch.setattr(transport, "serialise", broken, raising=False)
    monkeypatch.setattr(actions, "serialise", broken)
    comm, _welcome = await connect(deferred.widget.key)
    await comm.send_json_to({"type": "message", "id": "h-1", "text": "Still stored"})
    await until(comm, "ack")
    assert await db(do_drain)() == 1
    raw = await db(InboundRaw.objects.get)(external_id=f"{visitor_id(TOKEN)}:h-1")
    assert raw.state == RawState.PROCESSED and raw.message_id
    assert len(await messages()) == 1
    # The link was rolled back with the hook's savepoint, not the message.
    assert not await db(ChatTicket.objects.exists)()
    await comm.disconnect()
