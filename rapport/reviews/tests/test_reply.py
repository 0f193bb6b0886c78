"""Drafting a public reply (FB5: no blame, no silence, no lies): the coach's reply checks plus
the review-specific ones, then the reply marked published — who, when, on the ticket — and
POSTed to the source's webhook through the outbox when one is configured."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from rapport.outbox.actions import do_deliver
from rapport.outbox.models import Delivery, DeliveryState
from rapport.reviews.actions import check_publish_reply
from rapport.reviews.checks import fb5_summary, review_findings
from rapport.test import BaseTestCase
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Direction, Message

from .helpers import make_source, take_in

GOOD_REPLY = (
    "Здравствуйте, Иван! Понимаю, как неприятно ждать курьера три часа, и прошу прощения за "
    "опоздание. Мы уже выясняем, что случилось с доставкой в вашем районе.\n\n"
    "Напишите нам в личные сообщения, и мы вернём стоимость доставки. Хорошего дня!"
)


def checks(text: str, negative: bool = True) -> set[str]:
    return {f["check"] for f in review_findings(text, negative=negative)}


class ReviewChecksTests(SimpleTestCase):
    def test_it_finds_blame_in_three_languages(self):
        self.assertIn("review_blame", checks("Вы сами виноваты: надо было читать условия."))
        self.assertIn("review_blame", checks("You should have read the terms before ordering."))
        self.assertIn("review_blame", checks("这是您自己的问题，请仔细阅读说明。"))

    def test_it_finds_silence_claims_nobody_can_check_and_private_details(self):
        self.assertIn("review_silence", checks("Спасибо."))
        self.assertIn("review_unverifiable", checks("All our customers are happy with us, so."))
        self.assertIn(
            "review_unverifiable", checks("Такого у нас никогда не бывает, все довольны.")
        )
        found = checks(
            "Позвоните Ивану по номеру +7 912 345-67-89 или ivan@example.com, заказ 123456."
        )
        self.assertIn("review_private", found)

    def test_a_good_public_reply_passes(self):
        self.assertEqual(checks(GOOD_REPLY), set())

    def test_the_summary_reuses_the_coachs_denial_and_promise_findings(self):
        findings = [
            {"check": "denial", "severity": "high"},
            {"check": "absolute_promise", "severity": "medium"},
        ]
        self.assertEqual([ok for _label, ok in fb5_summary(findings)], [False, True, False])


class PublishTests(BaseTestCase):
    def setUp(self):
        self.source = make_source("Yandex Maps", team=self.support)
        self.review = take_in(
            self.source, id="r1", rating="1", author="Иван", text="Курьер опоздал на три часа!"
        )

    def test_the_reply_box_runs_the_coach_and_the_review_checks(self):
        self.login(self.alice)
        response = self.client.post(
            f"/reviews/{self.review.pk}/coach/",
            {"body": "Вы сами виноваты. Гарантируем, что такое больше никогда не повторится."},
        )
        self.assertContains(response, "✗ No blame")
        self.assertContains(response, "✗ No lies")
        self.assertContains(response, "CQ15")  # the coach's absolute promise
        self.assertContains(response, "FB5")
        response = self.client.post(f"/reviews/{self.review.pk}/coach/", {"body": GOOD_REPLY})
        self.assertContains(response, "✓ No blame")
        self.assertContains(response, "✓ No lies")
        self.assertContains(response, "✓ No silence")

    def test_marking_published_stores_who_and_when_on_the_review_and_the_ticket(self):
        self.login(self.alice)
        response = self.client.post(f"/reviews/{self.review.pk}/", {"body": GOOD_REPLY})
        self.assertRedirects(response, f"/reviews/{self.review.pk}/")
        self.review.refresh_from_db()
        self.assertEqual(self.review.replied_by, self.alice)
        self.assertIsNotNone(self.review.replied_at)
        self.assertEqual(self.review.reply_text, GOOD_REPLY)
        reply = self.review.reply_message
        self.assertEqual((reply.direction, reply.ticket), (Direction.OUT, self.review.ticket))
        self.assertIsNotNone(reply.analysis)  # the coach's review of a sent reply
        # No webhook on this source: nothing to deliver; the agent posts it on the site.
        self.assertFalse(Delivery.objects.filter(message=reply).exists())
        page = self.client.get(f"/reviews/{self.review.pk}/")
        self.assertContains(page, "review-reply")
        with self.assertRaises(ValidationError):
            check_publish_reply(self.review.pk, actor=self.bob, text="Another answer")
        self.assertEqual(
            Message.objects.filter(ticket=self.review.ticket, direction=Direction.OUT).count(), 1
        )

    def test_an_empty_reply_is_refused(self):
        with self.assertRaises(ValidationError):
            check_publish_reply(self.review.pk, actor=self.alice, text="   ")

    def test_a_published_reply_is_posted_to_the_sources_webhook(self):
        received = []

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's name
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Hook)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            self.source.webhook_url = f"http://127.0.0.1:{server.server_port}/reply"
            self.source.save()
            with self.captureOnCommitCallbacks(execute=False):
                review = check_publish_reply(self.review.pk, actor=self.alice, text=GOOD_REPLY)
            delivery = Delivery.objects.get(message=review.reply_message)
            self.assertEqual(do_deliver(delivery.pk).state, DeliveryState.SENT)
        finally:
            server.shutdown()
            server.server_close()
        self.assertEqual(received[0]["reply"], GOOD_REPLY)
        self.assertEqual(len(received), 1)
        # A reply typed on the review's ticket page is never posted to the review site.
        note = do_reply(self.review.ticket, author=self.bob, body_text="Internal follow-up.")
        self.assertFalse(Delivery.objects.filter(message=note).exists())
        self.assertEqual(received[0]["review"]["id"], "r1")
        self.assertEqual(received[0]["replied_by"], "Alice")
