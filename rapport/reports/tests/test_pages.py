"""The report pages: they render within a bounded number of queries, show each viewer only
what they may see (agents: their teams and their own; Charlie nothing of Support's), export
every table as CSV and XLSX, and goals show their progress on the agent's home page (MG1)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from rapport.reports.actions import do_update_rollups
from rapport.reports.goals import progress
from rapport.reports.models import Comparator, Goal, GoalPeriod, Metric
from rapport.test import BaseTestCase

from .helpers import build_desk


def _num(cell: str):
    try:
        return float(cell)
    except ValueError:
        return cell


class PagesTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_desk(cls)
        do_update_rollups()

    def test_every_page_renders_for_a_supervisor_within_a_bounded_number_of_queries(self):
        self.login(self.sam)
        for name, bound in (("reports", 40), ("reports-problems", 30), ("reports-baseline", 40)):
            with self.subTest(name), self.assertNumQueriesLessThan(bound):
                response = self.client.get(reverse(name), {"period": "30"})
            self.assertEqual(response.status_code, 200)
        response = self.client.get(reverse("reports"))
        self.assertContains(response, "<svg")
        self.assertContains(response, "<desc>")
        self.assertContains(response, 'id="table-channels"')

    def test_the_period_select_shows_the_period_the_figures_are_for(self):
        self.login(self.sam)
        for name, days in (("reports", "30"), ("reports-problems", "90")):
            with self.subTest(name):
                response = self.client.get(reverse(name))
                self.assertContains(response, f'<option value="{days}" selected>')
                self.assertNotContains(response, '<option value="7" selected>')
        response = self.client.get(reverse("reports-problems"), {"period": "7"})
        self.assertContains(response, '<option value="7" selected>')

    def assertNumQueriesLessThan(self, bound):  # noqa: N802 — unittest style
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        case = self

        class Ctx(CaptureQueriesContext):
            def __exit__(self, *exc):
                super().__exit__(*exc)
                case.assertLess(len(self.captured_queries), bound, "too many queries")

        return Ctx(connection)

    def summary_value(self, user, label, **params):
        self.login(user)
        response = self.client.get(
            reverse("reports-export", args=["dashboard", "summary", "csv"]), params
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return dict(rows[1:])[label]

    def test_charlie_sees_nothing_of_support_and_alice_nothing_of_billing(self):
        self.assertEqual(self.summary_value(self.sam, "Tickets created"), "8")
        # Charlie: his one Billing ticket. Alice: Support's seven, not Billing's.
        self.assertEqual(self.summary_value(self.charlie, "Tickets created"), "1")
        self.assertEqual(self.summary_value(self.alice, "Tickets created"), "7")
        # Asking for Support's team does not widen Charlie's scope (the form refuses it).
        self.assertEqual(
            self.summary_value(self.charlie, "Tickets created", team=self.support.pk), "1"
        )
        self.login(self.charlie)
        page = self.client.get(reverse("reports-problems"), {"period": "30"}).content.decode()
        self.assertNotIn("parcel", page)
        self.assertNotIn("manager", page)

    def test_tables_export_as_csv_and_xlsx_with_the_same_content(self):
        self.login(self.sam)
        url = reverse("reports-export", args=["dashboard", "channels", "csv"])
        text = self.client.get(url, {"period": "30"}).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[0][:3], ["Channel", "Created", "Solved"])
        by_channel = {r[0]: r[1] for r in rows[1:]}
        self.assertEqual(by_channel["E-mail"] if "E-mail" in by_channel else None, "4")
        url = reverse("reports-export", args=["dashboard", "channels", "xlsx"])
        response = self.client.get(url, {"period": "30"})
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        xrows = [
            [("" if c is None else str(c)) for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        self.assertEqual(
            [[_num(c) for c in r] for r in xrows], [[_num(c) for c in r] for r in rows]
        )
        for page, name in (("problems", "topics"), ("problems", "causes"), ("dashboard", "days")):
            for fmt in ("csv", "xlsx"):
                r = self.client.get(reverse("reports-export", args=[page, name, fmt]))
                self.assertEqual(r.status_code, 200, (page, name, fmt))
        self.assertEqual(
            self.client.get(
                reverse("reports-export", args=["dashboard", "nope", "csv"])
            ).status_code,
            404,
        )

    def test_a_spreadsheet_formula_in_a_topic_is_exported_as_text(self):
        from rapport.reports.export import _safe

        self.assertEqual(_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)")
        self.assertEqual(_safe(5), 5)

    def test_complaints_answer_where_the_system_needs_an_upgrade(self):
        self.login(self.sam)
        response = self.client.get(reverse("reports-problems"), {"period": "30"})
        self.assertContains(response, "Where does our system need an upgrade?")
        rows = response.context["found"]["topics"]
        self.assertTrue(rows)
        self.assertGreaterEqual(response.context["found"]["total"], 3)

    def test_goals_show_progress_on_the_agents_home_page(self):
        self.login(self.sam)
        response = self.client.post(
            reverse("reports-goals"),
            {
                "agent": self.alice.pk,
                "metric": Metric.SOLVED,
                "comparator": Comparator.AT_LEAST,
                "target": 1,
                "period": GoalPeriod.QUARTER,
            },
        )
        self.assertEqual(response.status_code, 302)
        team_goal = Goal.objects.create(
            team=self.support,
            metric=Metric.FRT_P90,
            comparator=Comparator.AT_MOST,
            target=1,
            period=GoalPeriod.MONTH,
        )
        goal = Goal.objects.get(agent=self.alice)
        p = progress(goal)
        solved_this_quarter = sum(
            1
            for t in self.tickets
            if t.assignee_id == self.alice.pk
            and t.solved_at
            and t.solved_at.date() >= p.start
            and t.status == "solved"
        )
        self.assertEqual(p.value, solved_this_quarter)
        self.assertEqual(p.met, solved_this_quarter >= 1)
        self.assertIsNotNone(progress(team_goal).value)
        self.login(self.alice)
        home = self.client.get(reverse("agents"))
        self.assertContains(home, 'id="my-goals"')
        self.assertContains(home, "Tickets solved")
        # Agents see goals but may not set them; Charlie sees no Support goal.
        self.assertEqual(self.client.post(reverse("reports-goals"), {}).status_code, 403)
        self.login(self.charlie)
        self.assertNotContains(self.client.get(reverse("reports-goals")), "Tickets solved")
