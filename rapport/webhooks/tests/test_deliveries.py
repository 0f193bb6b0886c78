"""Outgoing webhooks against a real HTTP receiver on loopback (docs/webhooks.md): signed
payloads, exactly one outbox row per event and endpoint with a stable id, retries with
back-off, auto-disable with a notice, manual redelivery, URL checks and the admin pages."""

import io
import json

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.notify.models import Notification
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Event
from rapport.webhooks import actions, signing
from rapport.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint
from rapport.webhooks.sender import Result, Sender, claim, deliver_batch, record
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


@override_settings(
    RAPPORT_WEBHOOKS_ALLOW_PRIVATE=True,
    RAPPORT_WEBHOOK_CONCURRENCY=4,
    RAPPORT_WEBHOOK_DISABLE_AFTER=50,
)
class BatchTest(BaseTestCase):
    """The batch path (rapport/webhooks/sender.py): claimed in bulk, sent concurrently over one
    keep-alive client per endpoint, recorded in one transaction."""

    def setUp(self):
        self.receiver = Receiver().__enter__()
        self.endpoint = actions.do_save_endpoint(
            Endpoint(url=self.receiver.url, event_types=["ticket.status_changed"])
        )

    def tearDown(self):
        self.receiver.__exit__()

    def _events(self, n):
        """n status changes: n deliveries, as on_event writes them."""
        for i in range(n):
            do_change_status(
                self.carol_ticket, "pending" if i % 2 == 0 else "open", actor=self.alice
            )
        return list(Delivery.objects.order_by("id"))

    def test_a_backlog_goes_out_in_rounds_each_event_once_signed_and_logged(self):
        deliveries = self._events(25)
        self.assertEqual(len(deliveries), 25)
        sender = Sender()
        try:
            self.assertEqual(deliver_batch(10, sender=sender), 10)  # the oldest ten
            self.assertEqual(len(self.receiver.requests), 10)
            self.assertEqual(deliver_batch(100, sender=sender), 15)
            self.assertEqual(deliver_batch(100, sender=sender), 0)  # nothing due: no request
        finally:
            sender.close()
        self.assertEqual(len(self.receiver.requests), 25)
        first_round = {h["X-Rapport-Event-Id"] for h, _ in self.receiver.requests[:10]}
        self.assertEqual(first_round, {d.event_id for d in deliveries[:10]})
        for headers, body in self.receiver.requests:
            self.assertTrue(signing.verify(self.endpoint.secret, headers[signing.HEADER], body))
            self.assertEqual(json.loads(body)["id"], headers["X-Rapport-Event-Id"])
        self.assertEqual(Delivery.objects.filter(state=DeliveryState.DELIVERED).count(), 25)
        self.assertEqual(
            sorted(Delivery.objects.values_list("log__status_code", flat=True)), [200] * 25
        )
        # Keep-alive: one endpoint's client opened far fewer connections than it sent requests
        # (at most RAPPORT_WEBHOOK_CONCURRENCY at a time).
        self.assertLessEqual(len(self.receiver.connections), 8)

    def test_a_receiver_that_is_down_is_not_hammered_and_the_rest_waits_uncounted(self):
        self._events(20)
        self.receiver.statuses = [503] * 4  # the first wave (4 at a time) fails
        self.assertEqual(deliver_batch(100), 20)
        self.assertEqual(len(self.receiver.requests), 4)  # the rest was not sent this round
        rows = Delivery.objects.order_by("id")
        failed = [d for d in rows if d.attempts == 1]
        waiting = [d for d in rows if d.attempts == 0]
        self.assertEqual((len(failed), len(waiting)), (4, 16))
        for delivery in rows:
            self.assertEqual(delivery.state, DeliveryState.PENDING)
            self.assertGreater(delivery.next_attempt_at, timezone.now())
        self.assertEqual(Attempt.objects.count(), 4)  # only real attempts are logged
        self.endpoint.refresh_from_db()
        self.assertEqual(self.endpoint.consecutive_failures, 4)
        # Back up: when due again, everything goes out, and the count of failures resets.
        Delivery.objects.update(next_attempt_at=timezone.now())
        self.assertEqual(actions.flush_due(), 20)
        self.assertEqual(Delivery.objects.filter(state=DeliveryState.DELIVERED).count(), 20)
        self.endpoint.refresh_from_db()
        self.assertEqual(self.endpoint.consecutive_failures, 0)

    def test_a_claim_left_by_a_killed_worker_is_sent_again_and_the_late_worker_writes_nothing(
        self,
    ):
        (delivery,) = self._events(1)
        # A worker claimed it and was killed before it recorded anything.
        claimed_at, picked = claim(10)
        self.assertEqual(picked, [delivery.pk])
        self.assertEqual(deliver_batch(10), 0)  # "sending": nobody else takes it meanwhile
        with override_settings(RAPPORT_WEBHOOK_STUCK_AFTER=0):
            self.assertEqual(actions.flush_due(), 1)  # released as stuck, sent again
        sent = Delivery.objects.get(pk=delivery.pk)
        self.assertEqual((sent.state, sent.attempts), (DeliveryState.DELIVERED, 2))
        # The first worker, had it been slow rather than dead, finds its claim gone: its
        # result (a failure here) changes nothing on the row.
        record([sent], {sent.pk: Result(500, "late", "", 5)}, claimed_at)
        self.assertEqual(Delivery.objects.get(pk=delivery.pk).state, DeliveryState.DELIVERED)
        self.assertEqual(len(self.receiver.requests), 1)

    def test_a_slow_receiver_times_out_as_a_whole_request(self):
        (delivery,) = self._events(1)
        self.receiver.delay = 3
        with override_settings(RAPPORT_WEBHOOK_TIMEOUT=1):
            after = actions.do_deliver(delivery.pk)
        self.assertEqual((after.state, after.attempts), (DeliveryState.PENDING, 1))
        self.assertIn("Timeout", after.log.get().error)

    def test_the_worker_command_sends_what_is_due(self):
        self._events(3)
        out = io.StringIO()
        call_command("webhook_worker", "--once", stdout=out)
        self.assertIn("sent 3 webhook(s)", out.getvalue())
        self.assertEqual(Delivery.objects.filter(state=DeliveryState.DELIVERED).count(), 3)
