"""Outgoing webhooks against a real HTTP receiver on loopback (docs/webhooks.md): signed
payloads, exactly one outbox row per event and endpoint with a stable id, retries with
back-off, auto-disable with a notice, manual redelivery, URL checks and the admin pages."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.notify.models import Notification
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Event
from rapport.webhooks import actions, signing
from rapport.webhooks.models import Delivery, DeliveryState, Endpoint
from rapport.webhooks.urlcheck import check_webhook_url

from .receiver import Receiver


def _due(delivery):
    """Let the back-off pass (as the clock would)."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@override_settings(RAPPORT_WEBHOOKS_ALLOW_PRIVATE=True, RAPPORT_WEBHOOK_DISABLE_AFTER=3)
class DeliveryTest(BaseTestCase):
    def setUp(self):
        self.receiver = Receiver().__enter__()
        self.endpoint = actions.do_save_endpoint(
            Endpoint(url=self.receiver.url, event_types=["message.received"])
        )

    def tearDown(self):
        self.receiver.__exit__()

    def _message_delivery(self):
        message = receive(sender="dan@example.com", external_id="<dan-1@example.com>")
        return message, Delivery.objects.get(event_type="message.received")

    def test_an_event_is_queued_once_in_its_transaction_and_arrives_signed(self):
        message, delivery = self._message_delivery()
        event = Event.objects.get(kind="message.received", ticket=message.ticket)
        self.assertEqual(delivery.event_id, f"evt_{event.pk}")
        # Only the subscribed type: the new ticket's ticket.created is not queued.
        self.assertEqual(Delivery.objects.count(), 1)
        actions.on_event(event)  # enqueued again (a replay): still one row
        self.assertEqual(Delivery.objects.filter(event_id=delivery.event_id).count(), 1)

        delivered = actions.do_deliver(delivery.pk)
        self.assertEqual(delivered.state, DeliveryState.DELIVERED)
        headers, body = self.receiver.requests[-1]
        self.assertTrue(signing.verify(self.endpoint.secret, headers[signing.HEADER], body))
        self.assertFalse(signing.verify("whsec_other", headers[signing.HEADER], body))
        self.assertFalse(signing.verify(self.endpoint.secret, headers[signing.HEADER], body + b" "))
        payload = json.loads(body)
        self.assertEqual(payload["id"], delivery.event_id)
        self.assertEqual(headers["X-Rapport-Event-Id"], delivery.event_id)
        self.assertEqual(payload["type"], "message.received")
        self.assertEqual(payload["data"]["ticket"]["id"], message.ticket_id)
        self.assertEqual(payload["data"]["message"]["body_text"], message.body_text)
        attempt = delivered.log.get()
        self.assertEqual((attempt.status_code, attempt.response_excerpt), (200, "ok"))
        # Delivered: the worker's task running again sends nothing more.
        actions.do_deliver(delivery.pk)
        self.assertEqual(len(self.receiver.requests), 1)
        # The log of delivered events is kept 30 days, then pruned by the sweep.
        Delivery.objects.update(delivered_at=timezone.now() - actions.KEEP_DELIVERED)
        actions.flush_due()
        self.assertFalse(Delivery.objects.exists())

    def test_a_rolled_back_change_queues_nothing(self):
        with transaction.atomic():
            receive(sender="eve@example.com", external_id="<eve-1@example.com>")
            transaction.set_rollback(True)
        self.assertFalse(Delivery.objects.exists())

    def test_a_failing_receiver_is_retried_with_growing_waits_then_delivered(self):
        _message, delivery = self._message_delivery()
        self.receiver.statuses = [500, 503]
        before = timezone.now()
        first = actions.do_deliver(delivery.pk)
        self.assertEqual((first.state, first.attempts, first.last_status), ("pending", 1, 500))
        wait1 = first.next_attempt_at - before
        self.assertGreaterEqual(wait1, actions.RETRY_BASE)
        # Not due yet: the sweep leaves it alone.
        self.assertEqual(actions.flush_due(), 0)
        self.assertEqual(len(self.receiver.requests), 1)
        _due(first)
        second_start = timezone.now()
        self.assertEqual(actions.flush_due(), 1)
        second = Delivery.objects.get(pk=delivery.pk)
        self.assertEqual((second.state, second.attempts, second.last_status), ("pending", 2, 503))
        self.assertGreaterEqual(second.next_attempt_at - second_start, 2 * actions.RETRY_BASE)
        _due(second)
        third = actions.do_deliver(delivery.pk)
        self.assertEqual((third.state, third.attempts), (DeliveryState.DELIVERED, 3))
        self.assertEqual(
            list(third.log.order_by("at", "id").values_list("status_code", flat=True)),
            [500, 503, 200],
        )
        self.assertIn("receiver is broken", third.log.order_by("id").first().response_excerpt)
        ids = {json.loads(body)["id"] for _h, body in self.receiver.requests}
        self.assertEqual(ids, {delivery.event_id})  # every retry carries the same event id
        self.endpoint.refresh_from_db()
        self.assertEqual(self.endpoint.consecutive_failures, 0)
        self.assertEqual(actions.backoff(20), actions.RETRY_CAP)

    def test_an_endpoint_failing_again_and_again_is_disabled_and_admins_are_told(self):
        ada = make_agent("ada", role=Role.ADMIN)
        _message, delivery = self._message_delivery()
        self.receiver.statuses = [500, 500, 500]
        for _ in range(3):
            _due(delivery)
            actions.do_deliver(delivery.pk)
        self.endpoint.refresh_from_db()
        self.assertFalse(self.endpoint.is_active)
        self.assertIn("3", self.endpoint.disabled_reason)
        notice = Notification.objects.get(user=ada)
        self.assertIn(self.receiver.url, notice.text)
        self.assertFalse(Notification.objects.filter(user=self.alice).exists())
        # Disabled: nothing is sent, new events are not queued, the waiting delivery is kept.
        _due(delivery)
        self.assertEqual(actions.flush_due(), 0)
        receive(sender="fay@example.com", external_id="<fay-1@example.com>")
        self.assertEqual(Delivery.objects.filter(endpoint=self.endpoint).count(), 1)
        self.assertEqual(len(self.receiver.requests), 3)
        # Enabled again after the fix: the waiting delivery goes out.
        actions.do_enable_endpoint(self.endpoint)
        self.assertEqual(actions.flush_due(), 1)
        self.assertEqual(Delivery.objects.get(pk=delivery.pk).state, DeliveryState.DELIVERED)

    def test_a_delivery_can_be_sent_again_by_hand_with_the_same_event_id(self):
        _message, delivery = self._message_delivery()
        actions.do_deliver(delivery.pk)
        ada = make_agent("ada", role=Role.ADMIN)
        self.client.force_login(ada)
        response = self.client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver/")
        self.assertEqual(response.status_code, 302)
        again = actions.do_deliver(delivery.pk)
        self.assertEqual((again.state, again.attempts), (DeliveryState.DELIVERED, 2))
        ids = [r[0]["X-Rapport-Event-Id"] for r in self.receiver.requests]
        self.assertEqual(ids, [delivery.event_id, delivery.event_id])
        page = self.client.get(f"/webhooks/{self.endpoint.pk}/")
        self.assertContains(page, delivery.event_id)
        self.assertContains(page, "HTTP 200")

    def test_status_changes_reach_subscribers_of_that_type_only(self):
        self.endpoint.event_types = ["ticket.status_changed"]
        self.endpoint.save()
        do_change_status(self.carol_ticket, "solved", actor=self.alice)
        delivery = Delivery.objects.get()
        self.assertEqual(delivery.event_type, "ticket.status_changed")
        self.assertEqual(delivery.payload["data"]["after"], "solved")
        # An endpoint for Billing's tickets only hears nothing of Support's.
        self.endpoint.teams.set([self.billing])
        do_change_status(self.carol_ticket, "open", actor=self.alice)
        self.assertEqual(Delivery.objects.count(), 1)


class UrlAndPageTest(BaseTestCase):
    def test_only_public_http_addresses_are_accepted_unless_allowed(self):
        for url in ("ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/"):
            with self.assertRaises(ValidationError, msg=url):
                check_webhook_url(url)
        for url in ("http://127.0.0.1:8000/x", "http://10.0.0.5/", "http://169.254.169.254/"):
            with self.assertRaises(ValidationError, msg=url):
                check_webhook_url(url)
        with override_settings(RAPPORT_WEBHOOKS_ALLOW_PRIVATE=True):
            check_webhook_url("http://127.0.0.1:8000/x")

    def test_only_administrators_manage_webhooks(self):
        self.login(self.sam)
        self.assertEqual(self.client.get("/webhooks/").status_code, 403)
        ada = make_agent("ada", role=Role.ADMIN)
        self.login(ada)
        self.assertEqual(self.client.get("/webhooks/").status_code, 200)
        refused = self.client.post(
            "/webhooks/", {"url": "http://127.0.0.1/x", "event_types": ["ticket.created"]}
        )
        self.assertContains(refused, "private or local address")
        self.assertFalse(Endpoint.objects.exists())
        with override_settings(RAPPORT_WEBHOOKS_ALLOW_PRIVATE=True):
            made = self.client.post(
                "/webhooks/", {"url": "http://127.0.0.1/x", "event_types": ["ticket.created"]}
            )
        endpoint = Endpoint.objects.get()
        self.assertRedirects(made, f"/webhooks/{endpoint.pk}/")
        self.assertContains(self.client.get(f"/webhooks/{endpoint.pk}/"), endpoint.secret)
        self.client.post(f"/webhooks/{endpoint.pk}/toggle/")
        endpoint.refresh_from_db()
        self.assertFalse(endpoint.is_active)
