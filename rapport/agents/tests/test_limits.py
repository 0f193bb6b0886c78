"""Agents' limits (ES2): past the hostility or the time limit the ticket page suggests
escalating; one click escalates and notifies the supervisors. After a hostile conversation a
short break from auto-assignment is offered (ES6). Only supervisors change limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from freezegun import freeze_time

from rapport.agents import actions
from rapport.agents.limits import hostile_count, limits_for
from rapport.agents.models import AgentSettings, Availability
from rapport.notify.models import Kind, Notification
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets import actions as ticket_actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Note, Ticket

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ANGRY = [
    "Вы идиоты! Сколько можно ждать?!",
    "This is ridiculous, third time I'm writing and NOBODY answers!",
    "到底怎么回事？三天了还没发货！",
]


class LimitsTest(BaseTestCase):
    def hostile(self, n: int) -> None:
        for i, text in enumerate(ANGRY[:n]):
            analyse(
                receive(
                    body_text=text,
                    external_id=f"<angry-{i}@example.com>",
                    ticket_id=self.carol_ticket.pk,
                )
            )

    def test_angry_customer_messages_count_towards_the_hostility_limit(self):
        self.hostile(2)
        analyse(
            receive(
                body_text="Thank you, all good now!",
                external_id="<calm@example.com>",
                ticket_id=self.carol_ticket.pk,
            )
        )
        self.assertEqual(hostile_count(self.carol_ticket), 2)
        limits = limits_for(self.carol_ticket, self.alice)
        self.assertFalse(limits.over_hostility)  # the default limit is 3
        self.hostile(3)
        self.assertTrue(limits_for(self.carol_ticket, self.alice).suggest_escalation)

    def test_the_ticket_page_suggests_escalation_past_the_agents_limit(self):
        AgentSettings.objects.create(user=self.alice, hostility_limit=1)
        self.hostile(1)
        self.login(self.alice)
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "Past your limit on this conversation")
        self.assertContains(page, "Escalate")
        self.login(self.bob)  # Bob's limit is the default 3: no suggestion for him
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertNotContains(page, "Past your limit on this conversation")
        self.assertContains(page, "Take a 10-minute break")  # but a hostile conversation

    def test_minutes_on_a_conversation_count_from_the_agents_first_action(self):
        AgentSettings.objects.create(user=self.alice, conversation_minutes=30)
        with freeze_time(T0):
            ticket_actions.check_reply(self.carol_ticket, author=self.alice, body_text="On it.")
        with freeze_time(T0 + timedelta(minutes=29)):
            self.assertFalse(limits_for(self.carol_ticket, self.alice).over_time)
            self.assertIsNone(limits_for(self.carol_ticket, self.bob).minutes)  # not involved
        with freeze_time(T0 + timedelta(minutes=31)):
            limits = limits_for(self.carol_ticket, self.alice)
            self.assertEqual(limits.minutes, 31)
            self.assertTrue(limits.suggest_escalation)

    def test_escalating_tags_notes_and_notifies_the_supervisors(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-escalate", args=[self.carol_ticket.pk]),
            {"reason": "Third angry message; she wants a manager."},
        )
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertIn("escalated", ticket.tags.values_list("name", flat=True))
        self.assertIn("she wants a manager", Note.objects.get(ticket=ticket).body)
        note = Notification.objects.get(user=self.sam)
        self.assertEqual((note.kind, note.ticket), (Kind.ESCALATION, ticket))
        self.assertFalse(Notification.objects.filter(user__in=[self.bob, self.charlie]).exists())

    def test_escalation_assigns_a_supervisor_who_is_in_the_team(self):
        lead = make_agent("lead", teams=[self.support], role="supervisor", first_name="Lena")
        actions.do_escalate(self.carol_ticket, actor=self.alice)
        self.assertEqual(Ticket.objects.get(pk=self.carol_ticket.pk).assignee, lead)

    def test_charlie_cannot_escalate_a_support_ticket(self):
        self.login(self.charlie)
        response = self.client.post(reverse("ticket-escalate", args=[self.carol_ticket.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Notification.objects.exists())


class BreakAndAvailabilityTest(BaseTestCase):
    def test_a_break_pauses_the_agent_for_its_length(self):
        self.login(self.alice)
        with freeze_time(T0):
            self.client.post(reverse("agent-break"), {"minutes": 10})
            row = AgentSettings.objects.get(user=self.alice)
            self.assertEqual(row.paused_until, T0 + timedelta(minutes=10))
            self.assertFalse(row.takes_tickets())
        with freeze_time(T0 + timedelta(minutes=11)):
            self.assertTrue(row.takes_tickets())

    def test_a_break_can_be_ended_early_and_availability_set(self):
        self.login(self.alice)
        self.client.post(reverse("agent-break"), {})
        self.client.post(reverse("agent-break"), {"end": "1"})
        self.assertIsNone(AgentSettings.objects.get(user=self.alice).paused_until)
        self.client.post(reverse("agent-availability"), {"availability": "away"})
        self.assertEqual(AgentSettings.objects.get(user=self.alice).availability, Availability.AWAY)
        page = self.client.get(reverse("agents"))
        self.assertContains(page, "Away")
        self.assertNotContains(page, "Hostility limit")  # the supervisors' part


class LimitsPermissionTest(BaseTestCase):
    def test_agents_cannot_edit_limits_their_own_or_others(self):
        self.login(self.alice)
        for user in (self.bob, self.alice):
            response = self.client.post(
                reverse("agent-limits", args=[user.pk]),
                {"hostility_limit": 99, "conversation_minutes": 999, "break_minutes": 60},
            )
            self.assertEqual(response.status_code, 403)
        self.assertFalse(AgentSettings.objects.filter(hostility_limit=99).exists())

    def test_a_supervisor_edits_an_agents_limits(self):
        self.login(self.sam)
        page = self.client.get(reverse("agents"))
        self.assertContains(page, "Hostility limit")
        response = self.client.post(
            reverse("agent-limits", args=[self.bob.pk]),
            {"hostility_limit": 2, "conversation_minutes": 20, "break_minutes": 15},
        )
        self.assertRedirects(response, reverse("agents"))
        row = AgentSettings.objects.get(user=self.bob)
        self.assertEqual(
            (row.hostility_limit, row.conversation_minutes, row.break_minutes), (2, 20, 15)
        )

    def test_a_break_longer_than_four_hours_is_refused(self):
        self.login(self.sam)
        response = self.client.post(
            reverse("agent-limits", args=[self.bob.pk]),
            {"hostility_limit": 2, "conversation_minutes": 20, "break_minutes": 600},
        )
        self.assertEqual(response.status_code, 400)
