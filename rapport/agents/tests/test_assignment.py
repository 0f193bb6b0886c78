"""Automatic assignment (issue 5, item 8): round-robin or least-loaded within a team, skipping
agents who are away or on a break; applied to a new ticket after its creation commits."""

from __future__ import annotations

import threading
import unittest
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import TransactionTestCase, override_settings
from freezegun import freeze_time

from rapport.agents import actions
from rapport.agents.assignment import do_auto_assign, do_set_team_mode
from rapport.agents.models import AssignmentMode, TeamAssignment
from rapport.notify.models import Kind, Notification
from rapport.test import BaseTestCase, Personas, make_agent, receive
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import Ticket

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def new_ticket(n: int) -> Ticket:
    return receive(
        sender=f"customer{n}@example.com",
        external_id=f"<new-{n}@example.com>",
        subject=f"Question {n}",
    ).ticket


class RoundRobinTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dave = make_agent("dave", teams=[cls.support], first_name="Dave")

    def setUp(self):
        do_set_team_mode(self.support, AssignmentMode.ROUND_ROBIN)

    def test_round_robin_takes_turns_fairly(self):
        assignees = [do_auto_assign(new_ticket(i)) for i in range(9)]
        self.assertEqual(assignees[:3], [self.alice, self.bob, self.dave])
        self.assertEqual(Counter(a.username for a in assignees), {"alice": 3, "bob": 3, "dave": 3})
        self.assertEqual(TeamAssignment.objects.get(team=self.support).last_assignee, self.dave)

    def test_agents_on_a_break_or_away_are_skipped(self):
        with freeze_time(T0):
            actions.do_take_break(self.bob, 10)
            actions.do_set_availability(self.dave, "away")
            self.assertEqual([do_auto_assign(new_ticket(i)) for i in range(3)], [self.alice] * 3)
        with freeze_time(T0 + timedelta(minutes=11)):  # Bob's break is over
            self.assertEqual(do_auto_assign(new_ticket(9)), self.bob)

    def test_nobody_available_leaves_the_ticket_unassigned(self):
        for agent in (self.alice, self.bob, self.dave):
            actions.do_set_availability(agent, "away")
        ticket = new_ticket(1)
        self.assertIsNone(do_auto_assign(ticket))
        self.assertIsNone(Ticket.objects.get(pk=ticket.pk).assignee)

    def test_the_assignee_is_notified_once(self):
        ticket = new_ticket(1)
        agent = do_auto_assign(ticket)
        self.assertIsNone(do_auto_assign(ticket))  # a second run leaves it alone
        note = Notification.objects.get(user=agent)
        self.assertEqual((note.kind, note.ticket), (Kind.ASSIGNED, ticket))
        self.assertEqual(Ticket.objects.get(pk=ticket.pk).assignee, agent)

    def test_an_assigned_ticket_is_left_alone(self):
        ticket = new_ticket(1)
        ticket_actions.do_assign(ticket, team=None, assignee=self.bob, actor=self.sam)
        self.assertIsNone(do_auto_assign(ticket))
        self.assertEqual(Ticket.objects.get(pk=ticket.pk).assignee, self.bob)

    def test_a_team_without_a_mode_assigns_by_hand(self):
        do_set_team_mode(self.support, AssignmentMode.NONE)
        self.assertIsNone(do_auto_assign(new_ticket(1)))

    @override_settings(TASKS=IMMEDIATE)
    def test_a_new_ticket_from_intake_is_assigned_after_commit(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = new_ticket(1)
        self.assertEqual(Ticket.objects.get(pk=ticket.pk).assignee, self.alice)

    @override_settings(TASKS=IMMEDIATE)
    def test_a_ticket_in_another_team_follows_that_teams_mode(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = receive(
                sender="x@example.com", external_id="<b@example.com>", team_id=self.billing.pk
            ).ticket
        self.assertIsNone(Ticket.objects.get(pk=ticket.pk).assignee)  # Billing: by hand


class LeastLoadedTest(BaseTestCase):
    def test_the_least_loaded_agent_gets_the_ticket_ties_in_turn(self):
        do_set_team_mode(self.support, AssignmentMode.LEAST_LOADED)
        for i in range(2):
            ticket_actions.do_assign(
                new_ticket(100 + i), team=None, assignee=self.alice, actor=self.sam
            )
        got = [do_auto_assign(new_ticket(i)).username for i in range(4)]
        # Bob catches up first (0 → 2), then they alternate.
        self.assertEqual(got, ["bob", "bob", "alice", "bob"])

    def test_solved_tickets_do_not_count_as_load(self):
        do_set_team_mode(self.support, AssignmentMode.LEAST_LOADED)
        for i in range(3):
            ticket = new_ticket(100 + i)
            ticket_actions.do_assign(ticket, team=None, assignee=self.alice, actor=self.sam)
            ticket_actions.do_change_status(ticket, "solved", actor=self.alice)
        ticket_actions.do_assign(new_ticket(200), team=None, assignee=self.bob, actor=self.sam)
        self.assertEqual(do_auto_assign(new_ticket(1)), self.alice)


class TeamModePageTest(BaseTestCase):
    def test_a_supervisor_sets_a_teams_mode_and_an_agent_cannot(self):
        from django.urls import reverse

        url = reverse("team-assignment", args=[self.support.pk])
        self.login(self.alice)
        self.assertEqual(
            self.client.post(url, {f"t{self.support.pk}-mode": "round_robin"}).status_code, 403
        )
        self.assertFalse(TeamAssignment.objects.exists())
        self.login(self.sam)
        self.client.post(url, {f"t{self.support.pk}-mode": "least_loaded"})
        self.assertEqual(TeamAssignment.objects.get(team=self.support).mode, "least_loaded")


@unittest.skipUnless(connection.vendor == "postgresql", "real concurrency needs PostgreSQL")
class AssignmentRaceTest(TransactionTestCase):
    def test_concurrent_assignments_take_turns_under_the_team_lock(self):
        Personas.create_personas()
        support = Personas.support
        for name in ("dave", "erin"):
            make_agent(name, teams=[support])
        do_set_team_mode(support, AssignmentMode.ROUND_ROBIN)
        tickets = [new_ticket(i) for i in range(8)]
        barrier = threading.Barrier(len(tickets))
        results, errors = [], []

        def run(ticket):
            try:
                barrier.wait()
                agent = do_auto_assign(ticket)
                results.append(agent.username if agent else None)
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(t,)) for t in tickets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        # Four agents, eight tickets: each agent exactly twice, whatever the interleaving.
        self.assertEqual(sorted(Counter(results).values()), [2, 2, 2, 2])
        self.assertEqual(
            Ticket.objects.filter(assignee=None, pk__in=[t.pk for t in tickets]).count(), 0
        )
