"""The one intake path (CH1, TR1): store first, one customer per identity, thread, never lose."""

from django.core.files.storage import default_storage

from rapport.customers.models import Customer, Identity
from rapport.intake.actions import InboundAttachment, InboundMessage, do_receive, do_retry
from rapport.intake.models import InboundRaw, RawState
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Event, EventKind, Message, Status, Ticket


class ReceiveTest(BaseTestCase):
    def test_it_opens_a_ticket_for_a_new_customer_in_the_default_team(self):
        self.assertEqual(self.carol.name, "Carol")
        self.assertEqual(self.carol_ticket.subject, "Where is my order?")
        self.assertEqual(self.carol_ticket.team, self.support)
        self.assertEqual(self.carol_ticket.status, Status.NEW)
        kinds = list(Event.objects.filter(ticket=self.carol_ticket).values_list("kind", flat=True))
        self.assertEqual(kinds, [EventKind.TICKET_CREATED, EventKind.MESSAGE_RECEIVED])

    def test_it_stores_the_raw_source_before_processing(self):
        message = receive(
            external_id="<raw@x>", raw=b"From: carol@example.com\r\n\r\nHi", subject="Raw"
        )
        raw = InboundRaw.objects.get(external_id="<raw@x>")
        self.assertEqual(bytes(raw.raw), b"From: carol@example.com\r\n\r\nHi")
        self.assertEqual(raw.state, RawState.PROCESSED)
        self.assertEqual(raw.message, message)

    def test_a_second_delivery_of_the_same_message_is_stored_once(self):
        receipt = do_receive(
            InboundMessage(
                channel="email",
                sender="carol@example.com",
                external_id="<carol-1@example.com>",
                body_text="x",
            )
        )
        self.assertTrue(receipt.duplicate)
        self.assertEqual(Message.objects.filter(external_id="<carol-1@example.com>").count(), 1)
        self.assertEqual(InboundRaw.objects.count(), 1)

    def test_the_same_external_id_on_another_channel_is_another_message(self):
        receive(channel="telegram", sender="42", external_id="<carol-1@example.com>")
        self.assertEqual(Message.objects.filter(external_id="<carol-1@example.com>").count(), 2)

    def test_a_message_without_an_id_is_deduplicated_by_its_content(self):
        first = do_receive(
            InboundMessage(channel="webform", sender="d@example.com", body_text="Same words")
        )
        second = do_receive(
            InboundMessage(channel="webform", sender="d@example.com", body_text="Same words")
        )
        self.assertTrue(second.duplicate)
        self.assertEqual(first.raw.pk, second.raw.pk)

    def test_one_customer_per_identity_whatever_the_case_of_the_address(self):
        message = receive(sender="  CAROL@Example.COM ", external_id="<2@x>", subject="Another")
        self.assertEqual(message.customer, self.carol)
        self.assertEqual(Identity.objects.filter(customer=self.carol).count(), 1)

    def test_a_reply_threads_onto_the_ticket_by_the_message_it_answers(self):
        message = receive(
            external_id="<2@x>",
            subject="Re: Where is my order?",
            in_reply_to=["<carol-1@example.com>"],
        )
        self.assertEqual(message.ticket, self.carol_ticket)

    def test_a_ticket_reference_from_the_transport_threads_the_message(self):
        message = receive(
            external_id="<3@x>",
            subject=f"[#{self.carol_ticket.pk}]",
            ticket_id=self.carol_ticket.pk,
        )
        self.assertEqual(message.ticket, self.carol_ticket)

    def test_a_ticket_reference_to_someone_elses_ticket_is_ignored(self):
        message = receive(
            sender="mallory@example.com",
            external_id="<m@x>",
            ticket_id=self.carol_ticket.pk,
            subject="Let me in",
        )
        self.assertNotEqual(message.ticket, self.carol_ticket)

    def test_an_email_without_reference_is_a_new_problem(self):
        message = receive(external_id="<4@x>", subject="A different problem")
        self.assertNotEqual(message.ticket, self.carol_ticket)
        self.assertEqual(message.customer, self.carol)

    def test_a_chat_message_continues_the_open_conversation(self):
        first = receive(channel="webchat", sender="visitor-7", external_id="c1", body_text="Hi")
        second = receive(
            channel="webchat", sender="visitor-7", external_id="c2", body_text="Are you there?"
        )
        self.assertEqual(first.ticket, second.ticket)
        self.assertEqual(first.ticket.subject, "Hi")

    def test_a_reply_to_a_solved_ticket_reopens_it(self):
        do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        message = receive(external_id="<5@x>", in_reply_to=["<carol-1@example.com>"])
        self.assertEqual(message.ticket, self.carol_ticket)
        self.carol_ticket.refresh_from_db()
        self.assertEqual(self.carol_ticket.status, Status.OPEN)
        self.assertIsNone(self.carol_ticket.solved_at)

    def test_a_reply_to_a_closed_ticket_opens_a_new_one(self):
        do_change_status(self.carol_ticket, Status.CLOSED, actor=self.alice)
        message = receive(external_id="<6@x>", in_reply_to=["<carol-1@example.com>"])
        self.assertNotEqual(message.ticket, self.carol_ticket)

    def test_customer_html_is_sanitised_and_a_text_version_kept(self):
        message = receive(
            external_id="<7@x>",
            body_text="",
            body_html='<p onclick="evil()">Привет, <b>мир</b></p><script>alert(1)</script>'
            '<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>',
        )
        self.assertNotIn("script", message.body_html)
        self.assertNotIn("onclick", message.body_html)
        self.assertNotIn("javascript", message.body_html)
        self.assertNotIn("onerror", message.body_html)
        self.assertIn("<b>мир</b>", message.body_html)
        self.assertEqual(message.body_text, "Привет, мир\nx")

    def test_chinese_and_russian_text_survive_intact(self):
        message = receive(
            external_id="<8@x>", subject="订单没有到", body_text="我的订单还没有到。谢谢！"
        )
        self.assertEqual(message.ticket.subject, "订单没有到")
        self.assertEqual(message.body_text, "我的订单还没有到。谢谢！")

    def test_attachments_are_stored_and_linked(self):
        message = receive(
            external_id="<9@x>",
            attachments=[InboundAttachment("счёт.pdf", b"%PDF-1.4 test", "application/pdf")],
        )
        attachment = message.attachments.get()
        self.assertEqual(attachment.filename, "счёт.pdf")
        self.assertEqual(attachment.size, 13)
        with default_storage.open(attachment.file.name, "rb") as fh:
            self.assertEqual(fh.read(), b"%PDF-1.4 test")

    def test_nul_characters_are_dropped_not_fatal(self):
        """PostgreSQL refuses NUL in text and JSON, file storage in names: a message full of
        them is stored and processed without them (the raw bytes keep the original)."""
        receipt = do_receive(
            InboundMessage(
                channel="email",
                sender="nul\x00@example.com",
                sender_name="Nu\x00ll",
                external_id="<nul\x00@example.com>",
                subject="Sub\x00ject",
                body_text="Тело\x00 письма 正文\x00",
                in_reply_to=["<a\x00@x>"],
                participants=[("cc\x00@example.com", "C\x00c")],
                attachments=[InboundAttachment("a\x00.txt", b"x\x00y", "text/pl\x00ain")],
                raw=b"raw\x00bytes",
            )
        )
        raw = InboundRaw.objects.get(pk=receipt.raw.pk)
        self.assertEqual(raw.state, RawState.PROCESSED, raw.error)
        self.assertEqual(raw.external_id, "<nul@example.com>")
        self.assertEqual(bytes(raw.raw), b"raw\x00bytes")
        message = receipt.message
        self.assertEqual((message.subject, message.body_text), ("Subject", "Тело письма 正文"))
        self.assertEqual(message.customer.identities.get().value, "nul@example.com")
        attachment = message.attachments.get()
        self.assertEqual((attachment.filename, attachment.content_type), ("a.txt", "text/plain"))
        with default_storage.open(attachment.file.name) as stored:
            self.assertEqual(stored.read(), b"x\x00y")

    def test_an_overlong_subject_is_shortened_not_rejected(self):
        message = receive(external_id="<10@x>", subject="Я" * 1000)
        self.assertEqual(len(message.ticket.subject), 255)


class QuarantineTest(BaseTestCase):
    def test_a_message_without_a_valid_sender_is_quarantined_with_its_reason(self):
        receipt = do_receive(
            InboundMessage(
                channel="email", sender="not an address", external_id="<bad@x>", body_text="Help"
            )
        )
        self.assertTrue(receipt.quarantined)
        self.assertIn("valid email", receipt.raw.error)
        self.assertEqual(receipt.raw.attempts, 1)
        self.assertFalse(Message.objects.filter(external_id="<bad@x>").exists())

    def test_an_empty_message_is_quarantined(self):
        receipt = do_receive(InboundMessage(channel="webchat", sender="v1", external_id="e"))
        self.assertTrue(receipt.quarantined)
        self.assertIn("no text", receipt.raw.error)

    def test_an_unknown_channel_is_stored_and_quarantined(self):
        receipt = do_receive(
            InboundMessage(channel="carrier-pigeon", sender="x", external_id="p1", body_text="coo")
        )
        self.assertTrue(receipt.quarantined)
        self.assertIn("carrier-pigeon", receipt.raw.error)

    def test_a_quarantined_message_can_be_retried_once_fixed(self):
        receipt = do_receive(
            InboundMessage(
                channel="email", sender="bad address", external_id="<fix@x>", body_text="Help me"
            )
        )
        raw = receipt.raw
        raw.payload["sender"] = "dave@example.com"
        raw.save()
        raw = do_retry(raw.pk)
        self.assertEqual(raw.state, RawState.PROCESSED)
        self.assertEqual(raw.error, "")
        self.assertEqual(raw.attempts, 2)
        self.assertEqual(raw.message.body_text, "Help me")
        self.assertTrue(Customer.objects.filter(identities__value="dave@example.com").exists())

    def test_processing_twice_does_not_duplicate(self):
        raw = InboundRaw.objects.get(external_id="<carol-1@example.com>")
        do_retry(raw.pk)
        self.assertEqual(Ticket.objects.count(), 1)
        self.assertEqual(Message.objects.count(), 1)


class InterruptedTest(BaseTestCase):
    def test_a_message_stored_but_not_processed_before_a_crash_is_processed_on_redelivery(self):
        from unittest import mock

        from rapport.intake import actions

        parser = {
            "api": lambda raw, hints: InboundMessage(
                channel="api", sender="ext-1", body_text=raw.decode()
            )
        }
        InboundRaw.objects.create(
            channel="api",
            external_id="crash-1",
            raw=b"Where is it?",
            payload={"hints": {}, "parsed": False},
        )  # the crash
        with mock.patch.dict(actions.PARSERS, parser):
            receipt = actions.do_receive_raw("api", b"Where is it?", external_id="crash-1")
        self.assertTrue(receipt.duplicate)
        self.assertEqual(receipt.raw.state, RawState.PROCESSED)
        self.assertEqual(receipt.raw.message.body_text, "Where is it?")

    def test_the_sweep_processes_stalled_messages(self):
        from datetime import timedelta

        from django.utils import timezone

        from rapport.intake.actions import do_process_stalled

        raw = InboundRaw.objects.create(
            channel="webchat",
            external_id="stalled",
            received_at=timezone.now() - timedelta(minutes=10),
            payload={"channel": "webchat", "sender": "v9", "body_text": "hello?"},
        )
        self.assertEqual(do_process_stalled(), 1)
        raw.refresh_from_db()
        self.assertEqual(raw.state, RawState.PROCESSED)
        self.assertEqual(do_process_stalled(), 0)
