"""Exactly once under real concurrency (TR1): threads with their own database connections.

On PostgreSQL (CI's second run) this exercises row locks and unique-constraint races for real;
on SQLite it checks that IMMEDIATE transactions queue writers instead of failing.
"""

import threading

from django.db import connection
from django.test import TransactionTestCase

from rapport.accounts.models import Team
from rapport.customers.actions import do_resolve_customer
from rapport.customers.models import Customer, Identity
from rapport.intake.actions import InboundMessage, do_receive
from rapport.intake.models import InboundRaw, RawState
from rapport.tickets.models import Message, Ticket

THREADS = 8


def run_concurrently(target, n=THREADS):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 — collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


class ConcurrentIntakeTest(TransactionTestCase):
    def setUp(self):
        Team.objects.create(name="Support", is_default=True)

    def test_the_same_message_delivered_by_many_workers_at_once_is_stored_once(self):
        def deliver(i):
            return do_receive(
                InboundMessage(
                    channel="email",
                    sender="race@example.com",
                    external_id="<race@x>",
                    subject="Race",
                    body_text=f"delivery attempt {i}",
                )
            )

        results, errors = run_concurrently(deliver)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), THREADS)
        self.assertEqual(sum(1 for r in results if not r.duplicate), 1)
        self.assertEqual(InboundRaw.objects.count(), 1)
        self.assertEqual(InboundRaw.objects.get().state, RawState.PROCESSED)
        self.assertEqual(Message.objects.count(), 1)
        self.assertEqual(Ticket.objects.count(), 1)
        self.assertEqual(Customer.objects.count(), 1)

    def test_a_new_sender_writing_many_messages_at_once_gets_one_profile(self):
        def deliver(i):
            return do_receive(
                InboundMessage(
                    channel="email",
                    sender="new@example.com",
                    external_id=f"<n{i}@x>",
                    subject=f"Problem {i}",
                    body_text="text",
                )
            )

        results, errors = run_concurrently(deliver)
        self.assertEqual(errors, [])
        self.assertTrue(all(r.raw.state == RawState.PROCESSED for r in results))
        self.assertEqual(Customer.objects.count(), 1)
        self.assertEqual(Identity.objects.count(), 1)
        self.assertEqual(Message.objects.count(), THREADS)
        self.assertEqual(
            set(Message.objects.values_list("customer_id", flat=True)), {Customer.objects.get().pk}
        )

    def test_a_chat_burst_from_a_known_customer_lands_on_one_conversation(self):
        do_resolve_customer("webchat", "visitor-9")

        def deliver(i):
            return do_receive(
                InboundMessage(
                    channel="webchat",
                    sender="visitor-9",
                    external_id=f"chat-{i}",
                    body_text=f"line {i}",
                )
            )

        results, errors = run_concurrently(deliver)
        self.assertEqual(errors, [])
        self.assertEqual(Message.objects.count(), THREADS)
        # Intake locks the customer's row while threading, so racing messages cannot each
        # find "no open conversation" and open one apiece.
        self.assertEqual(Ticket.objects.count(), 1)
