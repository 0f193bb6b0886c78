"""Deferred intake (RAPPORT_INTAKE_DEFERRED, what `make run` sets; docs/intake.md): the webhook
only stores the update and answers at once — no download holds Telegram's request — and the
intake worker parses, downloads and threads it in a batch."""

from __future__ import annotations

from django.test import override_settings

from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.telegram.models import Contact
from rapport.tickets.models import Message

from .base import TelegramTestCase
from .fakebot import document, update

PDF = b"%PDF-1.7\n" + b"1" * 2000


@override_settings(RAPPORT_INTAKE_DEFERRED=True)
class DeferredTests(TelegramTestCase):
    def test_the_webhook_stores_and_the_worker_downloads_and_threads(self):
        self.fake.add_file("doc-9", PDF)
        body = update(300, text="Счёт во вложении", document=document("doc-9", "s.pdf", len(PDF)))
        self.assertEqual(self.post(body).status_code, 200)
        raw = InboundRaw.objects.get(channel="telegram")
        self.assertEqual(raw.state, RawState.RECEIVED)
        self.assertEqual(self.fake.calls, [])  # nothing fetched while Telegram waited
        self.assertIsNone(Contact.objects.get().customer)  # known, not yet linked

        self.post(body)  # Telegram's redelivery
        self.post(update(301, message_id=2, text="Жду ответа"))
        self.assertEqual(do_drain(), 2)
        raw.refresh_from_db()
        self.assertEqual(raw.state, RawState.PROCESSED)
        messages = Message.objects.filter(channel="telegram").order_by("created_at", "id")
        self.assertEqual([m.body_text for m in messages], ["Счёт во вложении", "Жду ответа"])
        self.assertEqual(messages[0].attachments.get().size, len(PDF))
        self.assertEqual(messages[0].ticket, messages[1].ticket)
        self.assertEqual(Contact.objects.get().customer, messages[0].customer)

    def test_start_is_still_greeted_at_once(self):
        response = self.post(update(310, text="/start"))
        self.assertEqual(response.json()["method"], "sendMessage")
        self.assertEqual(do_drain(), 1)
        self.assertEqual(InboundRaw.objects.get(channel="telegram").state, RawState.IGNORED)
