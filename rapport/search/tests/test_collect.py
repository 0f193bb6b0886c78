"""Documents written together per unit of work (rapport/search/collect.py, issue #3's drain):
the intake worker's batches index exactly what one-by-one writing would, and a message that
fails takes its documents with it."""

from __future__ import annotations

import sys
from unittest import mock

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rapport.intake import actions as intake
from rapport.intake.models import RawState
from rapport.mail.models import Mailbox
from rapport.mail.transport import receive_mail
from rapport.search.collect import collected, pending
from rapport.search.models import Kind, SearchDocument
from rapport.search.service import search
from rapport.test import BaseTestCase
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Status, Ticket


def mime(n: int, sender: str, subject: str, body: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: help@shop.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <collect-{n}@example.com>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + body.encode()


def found(user, text: str) -> set[int]:
    results = search(user, text, limit=50)
    assert not results.errors, results.errors
    return {g.ticket.pk for g in results.groups if g.ticket} | {
        g.customer.pk for g in results.groups if g.customer and not g.ticket
    }


class CollectedTests(BaseTestCase):
    def setUp(self) -> None:
        self.box = Mailbox.objects.create(
            name="Support", address="help@shop.test", team=self.support, ack_enabled=False
        )

    def accept(self, n: int, sender: str, subject: str, body: str):
        return receive_mail(mime(n, sender, subject, body), self.box, source="http", defer=True)

    def test_a_drained_batch_is_found_like_messages_received_one_by_one(self):
        self.accept(1, "ivan@example.ru", "Заказ 77", "Где мои заказы? Ничего не пришло.")
        self.accept(2, "li@example.cn", "退款", "我要退款了，信用卡扣了两次")
        self.accept(3, "dave@example.com", "Double charge", "I was charged twice, refund me.")
        self.accept(4, "ivan@example.ru", "Заказ 78", "И второй заказ тоже потерялся.")
        assert intake.do_drain(batch_size=10) == 4
        ivan = Ticket.objects.filter(customer__identities__value="ivan@example.ru")
        li = Ticket.objects.get(customer__identities__value="li@example.cn")
        dave = Ticket.objects.get(customer__identities__value="dave@example.com")
        assert found(self.alice, "заказ") == set(ivan.values_list("pk", flat=True))
        assert found(self.alice, "退款") == {li.pk}
        assert found(self.alice, "refunded") == {dave.pk}
        # The customer's document was built after both saves (profile, then identity): the
        # address finds the profile.
        assert SearchDocument.objects.filter(kind=Kind.CUSTOMER, customer=li.customer).count() == 1
        assert li.customer_id in {
            g.customer.pk for g in search(self.alice, "li@example.cn").groups if g.customer
        }
        # One document per object, as one-by-one writing leaves them.
        for kind, objects in (
            (Kind.TICKET, Ticket.objects.all()),
            (Kind.MESSAGE, li.messages.all()),
        ):
            for obj in objects:
                assert SearchDocument.objects.filter(kind=kind, object_id=obj.pk).count() == 1

    def test_a_message_that_fails_takes_its_documents_with_it(self):
        self.accept(1, "ok@example.com", "Fine", "A parcel that arrived broken.")
        bad = self.accept(2, "boom@example.com", "Boom", "Parcel number two, also broken.")
        real = intake.do_add_inbound_message

        def add_then_fail(ticket, **kwargs):
            message = real(ticket, **kwargs)  # customer, ticket and message written, indexed…
            if kwargs["subject"] == "Boom":
                assert pending()  # … into the collection, not yet into the index
                raise RuntimeError("disk full")
            return message

        with mock.patch.object(intake, "do_add_inbound_message", add_then_fail):
            assert intake.do_drain() == 1
        bad.raw.refresh_from_db()
        assert bad.raw.state == RawState.QUARANTINED
        assert found(self.sam, "parcel") == {Ticket.objects.get(subject="Fine").pk}
        assert not SearchDocument.objects.filter(customer__identities__value="boom@example.com")
        assert pending() is None

    def test_a_change_that_relabels_documents_sees_those_being_collected(self):
        """sync_ticket updates rows in SQL: what is collected is written first."""
        ticket = self.carol_ticket
        with transaction.atomic(), collected():
            ticket.subject = "Коробка пришла мятой"
            ticket.save()  # the ticket's document: collected
            do_change_status(ticket, Status.PENDING, actor=self.alice)  # sync_ticket
        doc = SearchDocument.objects.get(kind=Kind.TICKET, object_id=ticket.pk)
        assert doc.status == Status.PENDING
        assert found(self.alice, "коробки") == {ticket.pk}

    def test_a_message_s_documents_cost_one_delete_and_one_insert(self):
        self.accept(1, "new@example.com", "Hello", "My order has not arrived.")
        with CaptureQueriesContext(connection) as queries:
            intake.do_drain()
        writes = [q["sql"] for q in queries if "search_searchdocument" in q["sql"]]
        assert len(writes) == 2, writes
        assert writes[0].startswith("DELETE") and writes[1].startswith("INSERT")


class WarmedAnalysisTests(BaseTestCase):
    """The intake worker analyses a message's text while parsing, before its write
    transaction (normalise.warm_index_strings): the document is the same either way."""

    def setUp(self) -> None:
        self.box = Mailbox.objects.create(
            name="Support", address="help@shop.test", team=self.support, ack_enabled=False
        )

    def test_the_drain_uses_the_analysis_made_before_the_transaction(self):
        from rapport.search import normalise

        body = "Подскажите, где мои заказы?\r\n我要退款 — refunds\u0007 please"
        receive_mail(
            mime(1, "ivan@example.ru", "Заказы  ", body), self.box, source="http", defer=True
        )
        normalise._WARM.clear()  # what earlier tests warmed and never stored
        analysed = []
        real = normalise._analyse

        def spy(text):
            analysed.append((text, sys._getframe(1).f_code.co_name))
            return real(text)

        with mock.patch.object(normalise, "_analyse", spy):
            assert intake.do_drain() == 1
        message = Ticket.objects.get(customer__identities__value="ivan@example.ru").messages.get()
        texts = [text for text, _ in analysed]
        document = SearchDocument.objects.get(kind=Kind.MESSAGE, object_id=message.pk)
        expected = real(f"{message.subject}\n{message.body_text}")
        assert (document.tokens, document.alternatives) == expected
        # analysed once, while parsing (before the transaction); not again when indexing
        assert texts.count(f"{message.subject}\n{message.body_text}") == 1
        assert (f"{message.subject}\n{message.body_text}", "warm_index_strings") in analysed
        assert f"{message.subject}\n{message.body_text}" not in normalise._WARM  # used up
        assert found(self.alice, "заказ") == {message.ticket_id}
