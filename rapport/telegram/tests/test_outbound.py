"""Agent replies to Telegram through the one outbox (CH6, RS1): text (split at 4096), photos
and documents; flood control and server errors retried, a blocked bot a permanent failure
with its reason on the delivery; the full round trip customer → agent → customer."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.outbox.actions import do_deliver
from rapport.outbox.models import Delivery, DeliveryState
from rapport.telegram.models import Contact
from rapport.telegram.transport import split_text
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Message, Status, Ticket

from .base import TelegramTestCase
from .fakebot import update, user

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 500


class OutboundTests(TelegramTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.post(update(100, text="Где мой заказ?"))
        self.ticket = Ticket.objects.get(channel="telegram")

    def reply(self, text="Ирина, заказ будет завтра.", **kwargs) -> Delivery:
        message = do_reply(self.ticket, author=self.alice, body_text=text, **kwargs)
        return do_deliver(Delivery.objects.get(message=message).pk)

    def retry(self, delivery: Delivery) -> Delivery:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        return do_deliver(delivery.pk)

    def test_a_reply_goes_to_the_customers_chat_by_sendmessage(self):
        delivery = self.reply()
        self.assertEqual(delivery.state, DeliveryState.SENT)
        (call,) = self.fake.calls_to("sendMessage")
        self.assertEqual(call["params"], {"chat_id": 5550001, "text": "Ирина, заказ будет завтра."})

    def test_a_long_reply_is_split_into_parts_telegram_accepts(self):
        paragraph = "Шаг за шагом объясняем, что произошло с заказом. " * 40  # ~2,000 chars
        text = "\n\n".join([paragraph.strip()] * 5)  # ~10,000 chars
        self.assertEqual(self.reply(text).state, DeliveryState.SENT)
        parts = [c["params"]["text"] for c in self.fake.calls_to("sendMessage")]
        self.assertEqual(len(parts), 3)
        self.assertTrue(all(len(p) <= 4096 for p in parts))
        self.assertEqual("\n\n".join(parts), text)  # cut between paragraphs, nothing lost

    def test_split_counts_utf16_units_as_telegram_does(self):
        emoji = "😀" * 3000  # 6,000 UTF-16 units in 3,000 characters
        parts = split_text(emoji)
        self.assertEqual([len(p) for p in parts], [2048, 952])
        self.assertEqual(split_text("  short  "), ["short"])
        self.assertEqual(split_text(""), [])

    def test_a_photo_goes_by_sendphoto_and_a_pdf_by_senddocument(self):
        files = [
            SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
            SimpleUploadedFile("договор.pdf", b"%PDF-1.7 x", content_type="application/pdf"),
        ]
        self.assertEqual(self.reply("See attached.", attachments=files).state, DeliveryState.SENT)
        self.assertEqual(
            [c["method"] for c in self.fake.calls],
            ["sendMessage", "sendPhoto", "sendDocument"],
        )
        photo = self.fake.calls_to("sendPhoto")[0]
        self.assertEqual(str(photo["params"]["chat_id"]), "5550001")
        self.assertEqual(photo["files"]["photo"], ("shot.png", PNG, "image/png"))
        document = self.fake.calls_to("sendDocument")[0]
        self.assertEqual(document["files"]["document"][:2], ("договор.pdf", b"%PDF-1.7 x"))

    def test_an_image_telegram_refuses_as_a_photo_goes_as_a_document(self):
        self.fake.fail("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        strip = SimpleUploadedFile("panorama.png", PNG, content_type="image/png")
        delivery = self.reply("Panorama attached.", attachments=[strip])
        self.assertEqual(delivery.state, DeliveryState.SENT)
        methods = [c["method"] for c in self.fake.calls]
        self.assertEqual(methods, ["sendMessage", "sendPhoto", "sendDocument"])

    def test_flood_control_is_retried_no_sooner_than_telegram_says(self):
        self.fake.fail("sendMessage", 429, "Too Many Requests: retry after 90", retry_after=90)
        before = timezone.now()
        delivery = self.reply()
        self.assertEqual(delivery.state, DeliveryState.QUEUED)
        self.assertIn("429 Too Many Requests", delivery.last_error)
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=90))
        self.assertEqual(self.retry(delivery).state, DeliveryState.SENT)
        self.assertEqual(len(self.fake.calls_to("sendMessage")), 2)

    def test_a_retry_after_a_partial_send_does_not_send_a_part_twice(self):
        self.fake.fail("sendPhoto", 502, "Bad Gateway")
        photo = SimpleUploadedFile("shot.png", PNG, content_type="image/png")
        delivery = self.reply("Here is the photo.", attachments=[photo])
        self.assertEqual(delivery.state, DeliveryState.QUEUED)  # 5xx: temporary
        self.assertEqual(self.retry(delivery).state, DeliveryState.SENT)
        self.assertEqual(
            [c["method"] for c in self.fake.calls], ["sendMessage", "sendPhoto", "sendPhoto"]
        )

    def test_a_blocked_bot_fails_at_once_with_the_reason_on_the_delivery(self):
        self.fake.blocked.add(5550001)
        delivery = self.reply()
        self.assertEqual(delivery.state, DeliveryState.FAILED)
        self.assertEqual(delivery.attempts, 1)
        self.assertIn("403 Forbidden: bot was blocked by the user", delivery.last_error)
        self.assertIsNotNone(Contact.objects.get(user_id=5550001).blocked_at)
        # The agent sees the reason on the ticket page.
        self.login(self.alice)
        page = self.client.get(f"/tickets/{self.ticket.pk}/")
        self.assertContains(page, "bot was blocked by the user")

    def test_a_bad_request_is_permanent_too(self):
        self.fake.fail("sendMessage", 400, "Bad Request: chat not found")
        self.assertEqual(self.reply().state, DeliveryState.FAILED)

    def test_a_customer_without_a_telegram_chat_gets_a_clear_failure(self):
        ticket = self.carol_ticket  # an e-mail customer
        Ticket.objects.filter(pk=ticket.pk).update(channel="telegram")
        ticket.refresh_from_db()
        message = do_reply(ticket, author=self.alice, body_text="Hi")
        delivery = do_deliver(Delivery.objects.get(message=message).pk)
        self.assertEqual(delivery.state, DeliveryState.FAILED)
        self.assertIn("no Telegram chat", delivery.last_error)
        self.assertEqual(self.fake.calls, [])

    def test_the_token_never_appears_in_a_delivery_error(self):
        self.fake.fail("sendMessage", 500, "Internal Server Error")
        delivery = self.reply()
        self.assertNotIn(self.fake.token, delivery.last_error)
        self.bot.api_base_url = "http://127.0.0.1:9"  # nothing listens: a network error
        self.bot.save()
        delivery = self.retry(delivery)
        self.assertEqual(delivery.state, DeliveryState.QUEUED)
        self.assertIn("Telegram unreachable", delivery.last_error)
        self.assertNotIn(self.fake.token, delivery.last_error)


class RoundTripTests(TelegramTestCase):
    def test_customer_writes_agent_replies_customer_answers_on_the_same_ticket(self):
        self.post(update(200, text="Здравствуйте, заказ LH-1001 не пришёл."))
        ticket = Ticket.objects.get(channel="telegram")
        self.assertEqual(ticket.status, Status.NEW)

        reply = do_reply(
            ticket,
            author=self.alice,
            body_text="Ирина, проверила: заказ будет завтра до 18:00.",
            status_after=Status.PENDING,
        )
        delivery = do_deliver(Delivery.objects.get(message=reply).pk)
        self.assertEqual(delivery.state, DeliveryState.SENT)
        (sent,) = self.fake.calls_to("sendMessage")
        self.assertEqual(sent["params"]["chat_id"], 5550001)
        self.assertEqual(sent["params"]["text"], "Ирина, проверила: заказ будет завтра до 18:00.")

        self.post(update(201, message_id=3, text="Спасибо!"))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.OPEN)  # the customer answered: open again
        bodies = list(ticket.messages.values_list("direction", "body_text"))
        self.assertEqual(
            bodies,
            [
                ("in", "Здравствуйте, заказ LH-1001 не пришёл."),
                ("out", "Ирина, проверила: заказ будет завтра до 18:00."),
                ("in", "Спасибо!"),
            ],
        )
        self.assertEqual(Ticket.objects.filter(channel="telegram").count(), 1)

    def test_another_user_of_the_bot_gets_their_own_ticket_and_chat(self):
        self.post(update(210, text="Hello"))
        other = user(6660002, first="Li", last="Wei", username="liwei", lang="zh-hans")
        self.post(update(211, sender=other, text="你好，我的包裹在哪里？"))
        tickets = Ticket.objects.filter(channel="telegram").order_by("id")
        self.assertEqual(tickets.count(), 2)
        self.assertEqual(tickets[1].customer.language, "zh-hans")
        message = do_reply(tickets[1], author=self.alice, body_text="您好！")
        do_deliver(Delivery.objects.get(message=message).pk)
        self.assertEqual(self.fake.calls_to("sendMessage")[0]["params"]["chat_id"], 6660002)
        self.assertEqual(Message.objects.filter(direction="out").count(), 1)
