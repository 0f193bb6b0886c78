"""The supervisors' pages read stored rows in a fixed number of queries (no N+1), and the demo
data includes surveys (issue #8: "demo data includes surveys")."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.demo.feedback import build_demo_feedback
from rapport.feedback.models import ChurnRisk, Survey
from rapport.test import BaseTestCase, receive

from .base import solve


class PageTests(BaseTestCase):
    def queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(ctx.captured_queries)

    def test_the_churn_list_and_the_index_cost_the_same_with_more_rows(self):
        self.login(self.sam)
        signal = [{"code": "complaints", "weight": 20, "count": 3, "days": 30}]
        ChurnRisk.objects.create(customer=self.carol, score=20, signals=signal)
        one = self.queries("/feedback/churn/")
        index_one = self.queries("/feedback/")
        for n in range(3):
            other = receive(sender=f"p{n}@example.com", external_id=f"<p{n}@example.com>")
            ChurnRisk.objects.create(customer=other.customer, score=30, signals=signal)
            Survey.objects.create(
                ticket=other.ticket,
                customer=other.customer,
                channel="email",
                team=self.support,
                state="answered",
                level=n + 1,
                answered_at=timezone.now(),
            )
        self.assertEqual(self.queries("/feedback/churn/"), one)
        self.assertEqual(self.queries("/feedback/"), index_one)

    def test_the_demo_builds_surveys_for_solved_tickets(self):
        solve(self.carol_ticket, self.alice)
        made = build_demo_feedback(timezone.now())
        self.assertEqual(made["surveys"], 1)
        self.assertEqual(Survey.objects.get().ticket, self.carol_ticket)
        self.assertEqual(self.carol_ticket.messages.filter(auto="survey").count(), 0)


class SettingsTests(BaseTestCase):
    def test_a_supervisor_sets_a_teams_period_and_an_agent_cannot(self):
        from rapport.feedback.models import FeedbackSettings

        self.login(self.alice)
        self.assertEqual(self.client.get("/feedback/settings/").status_code, 403)
        self.login(self.sam)
        page = self.client.get("/feedback/settings/")
        self.assertContains(page, "Billing")
        data = {"team": self.support.pk, f"t{self.support.pk}-surveys_enabled": "on"}
        bad = self.client.post(
            "/feedback/settings/",
            {**data, f"t{self.support.pk}-period_days": 999, f"t{self.support.pk}-bad_level": 1},
        )
        self.assertContains(bad, "At most 365 days.", status_code=400)
        self.client.post(
            "/feedback/settings/",
            {**data, f"t{self.support.pk}-period_days": 30, f"t{self.support.pk}-bad_level": 2},
        )
        saved = FeedbackSettings.objects.get(team=self.support)
        self.assertEqual((saved.surveys_enabled, saved.period_days, saved.bad_level), (True, 30, 2))
