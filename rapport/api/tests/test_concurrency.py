"""Races that only PostgreSQL runs for real (row locks, a unique index waited on): two requests
with one Idempotency-Key create one note; two workers delivering one webhook send it once."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from rapport.test import Personas
from rapport.tickets.models import Note
from rapport.webhooks import actions
from rapport.webhooks.models import Delivery, Endpoint
from rapport.webhooks.tests.receiver import Receiver

from .helpers import token_client


def _race(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row-level races need PostgreSQL (run with DATABASE_URL=postgres://…)",
)
class RaceTest(Personas, TransactionTestCase):
    def setUp(self):
        self.create_personas()

    def test_two_requests_with_one_key_create_one_note_and_answer_alike(self):
        url = f"/api/v1/tickets/{self.carol_ticket.pk}/notes/"
        clients = [token_client(self.alice)[0] for _ in range(2)]
        responses = _race(
            2,
            lambda: clients[threading.get_ident() % 2].post(
                url, {"body": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
            ),
        )
        self.assertEqual([r.status_code for r in responses], [201, 201])
        self.assertEqual(responses[0].json(), responses[1].json())
        self.assertEqual(Note.objects.filter(ticket=self.carol_ticket).count(), 1)

    @override_settings(RAPPORT_WEBHOOKS_ALLOW_PRIVATE=True)
    def test_two_workers_delivering_one_webhook_send_it_once(self):
        with Receiver() as receiver:
            endpoint = actions.do_save_endpoint(
                Endpoint(url=receiver.url, event_types=["note.added"])
            )
            from rapport.tickets.actions import do_add_note

            do_add_note(self.carol_ticket, author=self.alice, body="hook")
            delivery = Delivery.objects.get(endpoint=endpoint)
            _race(3, lambda: actions.do_deliver(delivery.pk))
            self.assertEqual(len(receiver.requests), 1)
            delivery.refresh_from_db()
            self.assertEqual((delivery.state, delivery.attempts), ("delivered", 1))
