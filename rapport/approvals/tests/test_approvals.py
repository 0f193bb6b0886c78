"""Empowerment limits (issue 11 part 5, RS7): within the limit at once, above it an approval
request to the team's supervisors, decided in one click; who may see and decide."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from rapport.accounts.models import Role
from rapport.approvals.actions import EVENT_DECIDED, EVENT_GRANTED, EVENT_REQUESTED
from rapport.approvals.models import EmpowermentLimit, Grant, GrantStatus
from rapport.notify.models import Notification
from rapport.test import BaseTestCase, make_agent
from rapport.tickets.models import Event, Note


class ApprovalTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        EmpowermentLimit.objects.create(role="agent", kind="gift", max_amount=20, currency="EUR")
        EmpowermentLimit.objects.create(role="agent", kind="refund", max_amount=50, currency="EUR")
        # a supervisor of Billing only: not one of Support's deciders
        cls.billing_boss = make_agent("bea", teams=[cls.billing], role=Role.SUPERVISOR)

    def grant(self, user, **data):
        self.login(user)
        data = {"kind": "gift", "amount": "15", "currency": "eur", "reason": "late parcel", **data}
        return self.client.post(reverse("ticket-grant", args=[self.carol_ticket.pk]), data)

    def decide(self, user, grant, decision="approve", note="ok"):
        self.login(user)
        return self.client.post(
            reverse("approval-decide", args=[grant.pk]), {"decision": decision, "note": note}
        )


class TestLimits(ApprovalTestCase):
    def test_within_the_limit_it_is_granted_at_once_and_recorded_on_the_ticket(self):
        response = self.grant(self.alice)
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))
        grant = Grant.objects.get()
        self.assertEqual(
            (grant.status, grant.amount, grant.currency),
            (GrantStatus.GRANTED, Decimal("15"), "EUR"),
        )
        self.assertTrue(Event.objects.filter(ticket=self.carol_ticket, kind=EVENT_GRANTED).exists())
        self.assertTrue(
            Note.objects.filter(ticket=self.carol_ticket, body__contains="RS7").exists()
        )
        self.assertFalse(Notification.objects.filter(user=self.sam).exists())
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "Granted within the limit")

    def test_above_the_limit_the_teams_supervisors_are_asked(self):
        self.grant(self.alice, amount="80", kind="refund")
        grant = Grant.objects.get()
        self.assertEqual(grant.status, GrantStatus.PENDING)
        self.assertEqual(grant.limit, Decimal("50"))
        self.assertTrue(
            Event.objects.filter(ticket=self.carol_ticket, kind=EVENT_REQUESTED).exists()
        )
        self.assertTrue(
            Notification.objects.filter(user=self.sam, ticket=self.carol_ticket).exists()
        )
        self.assertFalse(Notification.objects.filter(user=self.billing_boss).exists())
        self.assertFalse(Notification.objects.filter(user=self.alice).exists())

    def test_without_a_limit_for_the_currency_it_is_asked_for(self):
        self.grant(self.alice, amount="1", currency="USD")
        self.assertEqual(Grant.objects.get().status, GrantStatus.PENDING)


class TestDecisions(ApprovalTestCase):
    def test_a_supervisor_approves_in_one_click_and_the_agent_is_told(self):
        self.grant(self.alice, amount="80", kind="refund")
        grant = Grant.objects.get()
        self.login(self.sam)
        self.assertContains(self.client.get(reverse("approvals")), "late parcel")
        self.decide(self.sam, grant, note="fine this time")
        grant.refresh_from_db()
        self.assertEqual((grant.status, grant.decided_by), (GrantStatus.APPROVED, self.sam))
        event = Event.objects.get(ticket=self.carol_ticket, kind=EVENT_DECIDED)
        self.assertEqual(event.after["note"], "fine this time")
        self.assertTrue(
            Notification.objects.filter(user=self.alice, ticket=self.carol_ticket).exists()
        )
        # decided once: a second click changes nothing
        self.decide(self.sam, grant, decision="deny")
        grant.refresh_from_db()
        self.assertEqual(grant.status, GrantStatus.APPROVED)

    def test_a_denial_is_recorded_with_its_note(self):
        self.grant(self.alice, amount="30")
        grant = Grant.objects.get()
        self.decide(self.sam, grant, decision="deny", note="not for this case")
        grant.refresh_from_db()
        self.assertEqual(grant.status, GrantStatus.DENIED)
        self.assertTrue(
            Note.objects.filter(
                ticket=self.carol_ticket, body__contains="not for this case"
            ).exists()
        )

    def test_agents_and_other_teams_supervisors_cannot_decide(self):
        self.grant(self.alice, amount="80", kind="refund")
        grant = Grant.objects.get()
        self.assertEqual(self.decide(self.bob, grant).status_code, 403)
        self.assertEqual(self.decide(self.alice, grant).status_code, 403)
        self.assertEqual(self.decide(self.billing_boss, grant).status_code, 403)
        # Charlie learns nothing of Support's requests
        self.assertEqual(self.decide(self.charlie, grant).status_code, 404)
        self.assertNotContains(self.client.get(reverse("approvals")), "late parcel")
        grant.refresh_from_db()
        self.assertEqual(grant.status, GrantStatus.PENDING)

    def test_only_supervisors_edit_the_limits(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("approval-limits")).status_code, 403)
        self.login(self.sam)
        self.assertEqual(self.client.get(reverse("approval-limits")).status_code, 200)
