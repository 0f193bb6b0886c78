"""The intake's per-customer lock does not deadlock with an agent's action on the same
customer's ticket (PostgreSQL; on SQLite writers are serialised by IMMEDIATE transactions).

The chain bench/load.py found (a 500 on a reply, "deadlock detected" at COMMIT): the reply
locks the ticket's row and inserts rows pointing at the customer, whose foreign keys are
checked at commit (a key share of the customer's row); meanwhile the intake of the customer's
chat message holds the customer's row and waits to update the ticket. With FOR UPDATE on the
customer the key share waited for the intake, the intake for the reply: a deadlock. The test
plays that order step by step on two connections."""

import threading

from django.db import connection, transaction
from django.test import TransactionTestCase, skipUnlessDBFeature
from django.utils import timezone

from rapport.accounts.models import Team
from rapport.customers.models import Customer
from rapport.intake.actions import lock_customer
from rapport.tickets.models import Channel, Direction, Message, Ticket


@skipUnlessDBFeature("has_select_for_update")
class LockOrderTest(TransactionTestCase):
    def setUp(self):
        team = Team.objects.create(name="Support", is_default=True)
        self.customer = Customer.objects.create(name="Race")
        self.ticket = Ticket.objects.create(
            customer=self.customer, team=team, subject="Race", channel=Channel.WEBCHAT
        )

    def test_an_agents_commit_is_not_blocked_by_the_intakes_customer_lock(self):
        locked = threading.Event()
        intake_done = threading.Event()
        errors = []

        def intake():
            try:
                with transaction.atomic():
                    lock_customer(self.customer)
                    locked.set()
                    # Touching the ticket waits until the agent's transaction ends.
                    Ticket.objects.filter(pk=self.ticket.pk).update(updated_at=timezone.now())
            except Exception as exc:  # noqa: BLE001 — asserted on below
                errors.append(exc)
            finally:
                intake_done.set()
                connection.close()

        with transaction.atomic():
            # The agent's side: the ticket's row locked as the workspace locks it, then a new
            # row pointing at the customer (its foreign key is checked at commit).
            Ticket.objects.select_for_update(
                no_key=connection.features.has_select_for_no_key_update
            ).get(pk=self.ticket.pk)
            worker = threading.Thread(target=intake)
            worker.start()
            self.assertTrue(locked.wait(10))
            Message.objects.create(
                ticket=self.ticket,
                customer=self.customer,
                direction=Direction.OUT,
                channel=Channel.WEBCHAT,
                body_text="Reply",
            )
            self.assertFalse(intake_done.wait(0.5))  # the intake waits for the ticket's row
        # Committed without a deadlock; the intake then went on.
        worker.join(10)
        self.assertTrue(intake_done.is_set())
        self.assertEqual(errors, [])
        self.assertEqual(Message.objects.filter(ticket=self.ticket).count(), 1)
