"""The partner report's figures (MG5, issue #9) read from the rollup equal the same figures
counted from the raw tables: each team's period figures (one grouped read of the by-team
level), the open tickets now (the `open_now` cells) and the overdue ones (the SLA-due index
range) — after folds, a change, an SLA breach and a rebuild. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from rapport.accounts.partners import partner_report, period
from rapport.reports.actions import do_rebuild, do_update_rollups
from rapport.reports.models import RollupState
from rapport.reports.queries import (
    AGENT_MEASURES,
    ALL,
    Filters,
    open_now_by_team,
    overdue_now_by_team,
    summary,
)
from rapport.reports.raw import raw_cells
from rapport.sla.actions import do_scan
from rapport.test import BaseTestCase
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import OPEN_STATUSES, SlaState, Status, Ticket

from .helpers import build_desk


def _raw_open_and_overdue() -> tuple[Counter, Counter]:
    """What the partner report counted before (every open ticket's row)."""
    open_now, overdue = Counter(), Counter()
    for team, state in Ticket.objects.filter(
        status__in=OPEN_STATUSES, merged_into=None
    ).values_list("team_id", "sla_state"):
        open_now[team] += 1
        overdue[team] += state == SlaState.BREACHED
    return +open_now, +overdue


class PartnerFiguresTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_desk(cls)
        # Billing is an outside contractor's team here: the report shows it beside Support.
        cls.billing.is_partner = True
        cls.billing.partner_company = "Callcenter Ltd"
        cls.billing.save()

    def assert_figures_equal_raw(self, days: int = 30):
        open_now, overdue = _raw_open_and_overdue()
        self.assertEqual(open_now_by_team(), dict(open_now))
        self.assertEqual(overdue_now_by_team(), dict(overdue))
        start, end = period(days)
        rows = partner_report(start, end)
        self.assertEqual([r.team for r in rows], [self.billing, None])
        partner, own = rows
        raw = raw_cells(Filters(start=start, end=end, team_id=self.billing.pk), ALL)
        self.assertEqual(partner.s, summary(raw))
        self.assertEqual(
            (partner.open_now, partner.overdue_now),
            (
                open_now.get(self.billing.pk, 0),
                overdue.get(self.billing.pk, 0),
            ),
        )
        by_agent = raw_cells(
            Filters(start=start, end=end, team_id=self.billing.pk), AGENT_MEASURES, ("agent_id",)
        )
        self.assertEqual(
            [(u, s) for u, s in partner.agents],
            [(self.charlie, summary({k[:2]: v for k, v in by_agent.items()}))],
        )
        own_teams = [t.pk for t in (self.support, *self._other_teams())]
        merged = Counter()
        for team in own_teams:
            merged.update(raw_cells(Filters(start=start, end=end, team_id=team), ALL))
        self.assertEqual(own.s, summary(dict(merged)))
        self.assertEqual(own.open_now, sum(open_now.get(t, 0) for t in own_teams))
        self.assertEqual(own.overdue_now, sum(overdue.get(t, 0) for t in own_teams))

    def _other_teams(self):
        from rapport.accounts.models import Team

        return Team.objects.exclude(pk__in=[self.support.pk, self.billing.pk])

    def test_the_report_equals_raw_after_folds_a_breach_and_a_rebuild(self):
        do_update_rollups()
        self.assertIsNotNone(RollupState.objects.get(pk=1).complete_at)
        self.assert_figures_equal_raw()
        self.assert_figures_equal_raw(days=7)
        # The SLA scan raises the breaches of the open tickets (their resolution targets
        # passed days ago): overdue now, counted from the SLA-due index range.
        with freeze_time(timezone.now() + timedelta(minutes=1)):
            self.assertGreater(do_scan(), 0)
        _, overdue = _raw_open_and_overdue()
        self.assertGreater(sum(overdue.values()), 0)
        self.assert_figures_equal_raw()
        # A ticket solved: no longer open nor overdue once folded.
        breached = Ticket.objects.filter(sla_state=SlaState.BREACHED).first()
        do_change_status(breached, Status.SOLVED, actor=self.sam)
        do_update_rollups()
        self.assert_figures_equal_raw()
        do_rebuild()
        self.assert_figures_equal_raw(days=90)

    def test_before_a_full_rebuild_the_open_tickets_are_counted(self):
        do_update_rollups()
        RollupState.objects.filter(pk=1).update(complete_at=None)
        self.assert_figures_equal_raw()

    def test_no_partner_team_no_report(self):
        self.billing.is_partner = False
        self.billing.save()
        do_update_rollups()
        self.assertEqual(partner_report(*period(30)), [])
        self.login(self.sam)
        page = self.client.get(reverse("partner-report"))
        self.assertContains(page, "No partner teams yet")
