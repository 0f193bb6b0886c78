"""The rollup's proof (MG3, issue #9): every figure read from the rollup equals the same
figure recomputed from the raw tables — after the worker's incremental folds, after a change,
after a rebuild, for every filter and every viewer's scope. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import io
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rapport.reports import facts
from rapport.reports.actions import do_rebuild, do_update_rollups
from rapport.reports.models import (
    LEVELS,
    TAG_LEVEL,
    Rollup,
    RollupMonth,
    RollupState,
    TicketFacts,
    project,
)
from rapport.reports.problems import (
    problem_clusters,
    problem_clusters_raw,
    problems_complete,
)
from rapport.reports.queries import (
    ALL,
    Filters,
    _month_end,
    level_for,
    plan,
    report,
    rollup_cells,
    scoped,
)
from rapport.reports.raw import raw_cells
from rapport.reports.tasks import update_rollups_task
from rapport.test import BaseTestCase
from rapport.tickets.actions import do_change_status, do_reply, do_set_tags
from rapport.tickets.models import Event, Status, Tag, Ticket

from .helpers import RETURN_QUESTIONS, ask_questions, build_desk


def _round(cells):
    return {k: round(v, 6) for k, v in cells.items() if abs(v) > 1e-9}


class RollupEqualsRawTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_desk(cls)

    def filters(self):
        today = timezone.localdate()
        base = {"start": today - timedelta(days=13), "end": today}
        tag = Tag.objects.get(name="delivery")
        plain = [
            Filters(**base),
            Filters(start=today - timedelta(days=6), end=today - timedelta(days=2)),
            # Whole months read the monthly cells; a range across months mixes both grains.
            Filters(start=today.replace(day=1), end=_month_end(today)),
            Filters(start=today - timedelta(days=70), end=_month_end(today) + timedelta(days=3)),
            # Ending today, the current month's days are read from its monthly cells (nothing
            # after today); ending yesterday, from the daily ones (today's cells are after it).
            Filters(start=today - timedelta(days=40), end=today),
            Filters(start=today - timedelta(days=40), end=today - timedelta(days=1)),
            Filters(**base, team_id=self.support.pk),
            Filters(**base, agent_id=self.alice.pk),
            Filters(**base, channel="webchat"),
            Filters(**base, kind="internal"),
            Filters(**base, tag_id=tag.pk),
            Filters(**base, team_id=self.support.pk, channel="email", kind="external"),
        ]
        # A tag with the other filters, over whole and partial months (its tag levels).
        tagged = [
            Filters(start=today - timedelta(days=70), end=today, tag_id=tag.pk),
            Filters(start=today.replace(day=1), end=_month_end(today), tag_id=tag.pk),
            Filters(**base, tag_id=tag.pk, team_id=self.support.pk),
            Filters(**base, tag_id=tag.pk, agent_id=self.alice.pk),
            Filters(**base, tag_id=tag.pk, channel="email", kind="external"),
        ]
        return [
            *plain,
            *tagged,
            *(scoped(f, self.alice) for f in [*plain[:6], plain[10], tagged[0]]),
            *(scoped(f, self.charlie) for f in [*plain[:6], plain[10], tagged[0]]),
        ]

    def assert_levels_sum_level_0(self):
        """Every coarser level holds exactly level 0's cells summed over what it drops, and
        so does every tag level its tag's level TAG_LEVEL + 0; that one holds exactly the
        cells of the tickets that have the tag now (their stored contributions, checked
        against raw data by the tag filters of assert_rollup_equals_raw)."""
        tagged: dict[int, set] = defaultdict(set)
        for tid, tag in Ticket.tags.through.objects.values_list("ticket_id", "tag_id"):
            tagged[tag].add(tid)
        for model in (Rollup, RollupMonth):
            rows = model.objects.values_list(
                "level",
                "tag_id",
                "day",
                "team_id",
                "agent_id",
                "channel",
                "kind",
                "measure",
                "key",
                "value",
            )
            stored: dict[tuple, dict] = defaultdict(dict)
            for level, tag, *cell, v in rows:
                self.assertEqual(tag != 0, level >= TAG_LEVEL)
                stored[(level, tag)][tuple(cell)] = round(v, 6)
            self.assertTrue(stored[(0, 0)])
            tags = {tag for _, tag in stored if tag}
            self.assertEqual(tags, {tag for tag, ids in tagged.items() if ids})
            for tag in (0, *tags):
                offset = TAG_LEVEL if tag else 0
                for level in LEVELS:
                    expected: dict[tuple, float] = defaultdict(float)
                    for (day, team, agent, channel, kind, measure, key), v in stored[
                        (offset, tag)
                    ].items():
                        dims = project(level, team, agent, channel, kind)
                        expected[(day, *dims, measure, key)] += v
                    with self.subTest(model=model.__name__, level=level, tag=tag):
                        self.assertEqual(stored[(offset + level, tag)], _round(expected))
            for tag in tags:
                # The tag's finest level is its tickets' contributions summed.
                expected = defaultdict(float)
                for rows in TicketFacts.objects.filter(ticket_id__in=tagged[tag]).values_list(
                    "rows", flat=True
                ):
                    for day, team, agent, channel, kind, measure, key, v in rows:
                        if model is RollupMonth:
                            day = day[:8] + "01"
                        expected[
                            (date.fromisoformat(day), team, agent, channel, kind, measure, key)
                        ] += v
                with self.subTest(model=model.__name__, tag=tag):
                    self.assertEqual(stored[(TAG_LEVEL, tag)], _round(expected))

    def assert_rollup_equals_raw(self):
        self.assert_levels_sum_level_0()
        for by in ((), ("day", "team_id", "agent_id", "channel", "kind")):
            f = self.filters()[0]
            # Every cell, on every dimension at once: the rollup is the raw data summed.
            every = (*ALL, facts.OPEN_NOW)
            self.assertEqual(_round(rollup_cells(f, every, by)), _round(raw_cells(f, every, by)))
        for f in self.filters():
            # report() reads by channel, day, kind, agent and team, and the backlog.
            with self.subTest(filters=f):
                self.assertEqual(report(f, rollup_cells), report(f, raw_cells))
        self.assert_problems_equal_raw()

    def assert_problems_equal_raw(self):
        """The problems page's recurring problems (KN2) from the rollup's faq_q / faq_t cells
        equal the FAQ questions counted, for every filter and each viewer's scope (the page's
        own: an agent's teams only)."""
        self.assertTrue(problems_complete())
        users = {None: self.sam, self.alice.pk: self.alice, self.charlie.pk: self.charlie}
        for f in self.filters():
            user = users[f.scope_agent_id]
            with self.subTest(filters=f, user=user.username):
                self.assertEqual(problem_clusters(f, user), problem_clusters_raw(f, user))

    def test_incremental_folds_equal_raw_and_are_idempotent(self):
        self.assertTrue(do_update_rollups() > 0)
        self.assertTrue(Rollup.objects.exists())
        self.assert_rollup_equals_raw()
        snapshot = sorted(
            Rollup.objects.values_list(
                "level",
                "tag_id",
                "measure",
                "day",
                "team_id",
                "agent_id",
                "channel",
                "kind",
                "key",
                "value",
            )
        )
        # Run again (the overlap re-reads the last events): nothing changes.
        do_update_rollups()
        again = sorted(
            Rollup.objects.values_list(
                "level",
                "tag_id",
                "measure",
                "day",
                "team_id",
                "agent_id",
                "channel",
                "kind",
                "key",
                "value",
            )
        )
        self.assertEqual(snapshot, again)

        # A change after the watermark: a reply and a solving today are folded in.
        reopened = self.tickets[0]
        do_reply(
            reopened, author=self.alice, body_text="Fixed now, sorry for the wait.", deliver=False
        )
        do_change_status(reopened, Status.SOLVED, actor=self.alice)
        do_update_rollups()
        self.assert_rollup_equals_raw()
        s = report(Filters(start=timezone.localdate(), end=timezone.localdate()))["summary"]
        self.assertEqual(s["solved"], 1)

    def test_a_change_of_tags_is_folded_into_the_tag_levels(self):
        do_update_rollups()
        delivery = Tag.objects.get(name="delivery")
        self.assertTrue(Rollup.objects.filter(level=TAG_LEVEL + 3, tag_id=delivery.pk).exists())
        # One ticket loses "delivery" and gains two tags; another gains "delivery".
        do_set_tags(self.tickets[4], ["refund", "urgent-ish"], actor=self.bob)
        do_set_tags(self.tickets[2], ["delivery"], actor=self.bob)
        do_update_rollups()
        self.assertEqual(
            sorted(TicketFacts.objects.get(ticket_id=self.tickets[4].pk).tags),
            sorted(self.tickets[4].tags.values_list("pk", flat=True)),
        )
        self.assert_rollup_equals_raw()
        for name in ("refund", "urgent-ish"):
            f = Filters(
                start=timezone.localdate() - timedelta(days=13),
                end=timezone.localdate(),
                tag_id=Tag.objects.get(name=name).pk,
            )
            self.assertEqual(report(f, rollup_cells), report(f, raw_cells))
            self.assertEqual(report(f)["summary"]["created"], 1)
        # Every tag taken away: its cells go too.
        do_set_tags(self.tickets[4], [], actor=self.bob)
        do_update_rollups()
        self.assertFalse(Rollup.objects.filter(tag_id=Tag.objects.get(name="refund").pk).exists())
        self.assert_rollup_equals_raw()

    def test_before_the_tag_levels_are_built_a_tag_reads_its_tickets_facts(self):
        """An upgraded desk (migration 0005 on a folded rollup) has no tag levels until its
        full rebuild: a tag filter reads the tagged tickets' stored contributions meanwhile."""
        do_update_rollups()
        RollupState.objects.filter(pk=1).update(complete_at=None)
        Rollup.objects.filter(level__gte=TAG_LEVEL).delete()
        RollupMonth.objects.filter(level__gte=TAG_LEVEL).delete()
        tag = Tag.objects.get(name="delivery")
        f = Filters(
            start=timezone.localdate() - timedelta(days=13), end=timezone.localdate(), tag_id=tag.pk
        )
        got, want = report(f), report(f, raw_cells)
        # The open backlog's ages are counted from the tickets meanwhile (the views).
        self.assertIsNone(got.pop("ages"))
        want.pop("ages")
        self.assertEqual(got, want)
        self.assertEqual(got["summary"]["created"], 2)
        do_rebuild()
        self.assertIsNotNone(RollupState.objects.get(pk=1).complete_at)
        self.assertTrue(Rollup.objects.filter(level=TAG_LEVEL + 3, tag_id=tag.pk).exists())
        self.assert_rollup_equals_raw()

    def test_rebuild_equals_raw_and_matches_the_folds(self):
        do_update_rollups()
        folded = sorted(
            Rollup.objects.values_list(
                "level",
                "tag_id",
                "measure",
                "day",
                "team_id",
                "agent_id",
                "channel",
                "kind",
                "key",
                "value",
            )
        )
        self.assertEqual(do_rebuild(), TicketFacts.objects.count())
        rebuilt = sorted(
            Rollup.objects.values_list(
                "level",
                "tag_id",
                "measure",
                "day",
                "team_id",
                "agent_id",
                "channel",
                "kind",
                "key",
                "value",
            )
        )
        self.assertEqual(folded, rebuilt)
        self.assert_rollup_equals_raw()
        # --since re-folds the recent tickets only, and changes nothing when all is current.
        do_rebuild(since=timezone.localdate() - timedelta(days=4))
        self.assertEqual(
            folded,
            sorted(
                Rollup.objects.values_list(
                    "level",
                    "tag_id",
                    "measure",
                    "day",
                    "team_id",
                    "agent_id",
                    "channel",
                    "kind",
                    "key",
                    "value",
                )
            ),
        )
        self.assertIsNotNone(RollupState.objects.get(pk=1).rebuilt_at)

    def test_the_figures_say_what_happened(self):
        do_update_rollups()
        f = Filters(start=timezone.localdate() - timedelta(days=13), end=timezone.localdate())
        s = report(f)["summary"]
        self.assertEqual(s["created"], 8)  # Carol's, the six of the desk and the review's
        self.assertEqual((s["promises_kept"], s["promises_late"], s["promises_broken"]), (1, 1, 1))
        self.assertEqual(s["survey_levels"], {1: 1, 2: 1, 3: 0, 4: 1, 5: 0})
        self.assertEqual((s["reviews"], s["reviews_answered"]), (1, 1))
        self.assertGreater(s["coach_n"], 0)
        # The open backlog's ages (from the open tickets' creation days) count every open
        # ticket once, as the tickets' own count does.
        ages = report(f)["ages"]
        self.assertEqual(sum(a["n"] for a in ages), Ticket.objects.open().count())
        self.assertEqual(ages, report(f, raw_cells)["ages"])
        self.assertIsNotNone(s["quality"])
        # The first reply of Alice's ticket came after 30 minutes: the median bucket holds it.
        frt = raw_cells(f, (facts.FRT,), ("agent_id",))
        self.assertTrue(any(k[2] == self.alice.pk for k in frt))

    def test_a_late_event_below_the_watermark_is_still_folded(self):
        do_update_rollups()
        do_change_status(self.tickets[1], Status.SOLVED, actor=self.bob)
        # As if a later event had been read before this one committed: the watermark is
        # already past it. The run re-reads EVENT_OVERLAP ids below the watermark.
        late = Event.objects.filter(ticket=self.tickets[1]).order_by("-pk").first().pk
        RollupState.objects.filter(pk=1).update(last_event_id=late + 5)
        do_update_rollups()
        self.assert_rollup_equals_raw()
        today = timezone.localdate()
        self.assertEqual(report(Filters(start=today, end=today))["summary"]["solved"], 1)

    def test_the_rebuild_command_reports_progress_and_the_task_folds(self):
        out = io.StringIO()
        call_command("reports_rebuild", stdout=out)
        self.assertIn(f"Rebuilt from {Ticket.objects.count()} tickets", out.getvalue())
        self.assert_rollup_equals_raw()
        do_reply(self.tickets[4], author=self.bob, body_text="On its way today.", deliver=False)
        # The periodic job's body (the scheduler enqueues it every minute).
        # (It re-folds the events of the overlap too: here, every ticket of this small desk.)
        self.assertGreaterEqual(update_rollups_task.func(), 1)
        self.assert_rollup_equals_raw()


class ProblemsEqualRawTest(RollupEqualsRawTest):
    """The same desk with the FAQ mining's questions (KN2): every test above runs again with
    them (folds, changes, tags, rebuilds), and these follow what only they do."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ask_questions(cls)

    def test_the_figures_say_what_happened(self):
        do_update_rollups()
        f = Filters(start=timezone.localdate() - timedelta(days=13), end=timezone.localdate())
        rows = problem_clusters(f, self.sam)["rows"]
        returns = next(r for r in rows if r["title"] == RETURN_QUESTIONS[0])
        # Four questions (Ann's twice) on three tickets; two questions on the e-mail channel.
        self.assertEqual((returns["questions"], returns["tickets"]), (4, 3))
        self.assertEqual(returns["channels"], "E-mail 3, Web chat 1")
        # Over the last week, Ann's ticket first asked before it: 3 questions, 2 tickets.
        week = replace(f, start=timezone.localdate() - timedelta(days=6))
        rows = problem_clusters(week, self.sam)["rows"]
        returns = next(r for r in rows if r["id"] == returns["id"])
        self.assertEqual((returns["questions"], returns["tickets"]), (3, 2))
        # Charlie (Billing) sees Billing's questions only; Alice (Support) Support's.
        for user, n in ((self.charlie, 1), (self.alice, 3)):
            got = problem_clusters(scoped(f, user), user)["rows"]
            self.assertEqual(
                next(r["questions"] for r in got if r["id"] == returns["id"]), n, user.username
            )
        self.assert_problems_equal_raw()

    def test_questions_mined_after_the_fold_are_folded_next_time(self):
        from rapport.suggest.actions import do_mine_faq
        from rapport.test import receive
        from rapport.tickets.coaching import analyse

        do_update_rollups()
        state = RollupState.objects.get(pk=1)
        self.assertGreater(state.last_faq_id, 0)
        msg = receive(channel="webchat", sender="fay@example.com", body_text=RETURN_QUESTIONS[1])
        analyse(msg)
        do_mine_faq()  # a question, no ticket event
        do_update_rollups()
        self.assertGreater(RollupState.objects.get(pk=1).last_faq_id, state.last_faq_id)
        self.assert_problems_equal_raw()
        # A tag on a ticket that asked: the tag's problems are its tickets' questions.
        do_set_tags(self.faq_tickets[1], ["delivery"], actor=self.bob)
        do_update_rollups()
        tag = Tag.objects.get(name="delivery")
        f = Filters(
            start=timezone.localdate() - timedelta(days=13), end=timezone.localdate(), tag_id=tag.pk
        )
        rows = problem_clusters(f, self.sam)["rows"]
        returns = next(r for r in rows if r["title"] == RETURN_QUESTIONS[0])
        self.assertEqual((returns["questions"], returns["tickets"]), (1, 1))  # Ben's
        self.assert_problems_equal_raw()

    def test_before_a_full_rebuild_the_questions_are_read(self):
        do_update_rollups()
        RollupState.objects.filter(pk=1).update(problems_at=None)
        f = Filters(start=timezone.localdate() - timedelta(days=13), end=timezone.localdate())
        self.assertEqual(problem_clusters(f, self.sam), problem_clusters_raw(f, self.sam))
        do_rebuild()
        self.assertIsNotNone(RollupState.objects.get(pk=1).problems_at)
        self.assert_rollup_equals_raw()


class RollupLevelsTest(BaseTestCase):
    """The coarser levels of the rollup (docs/reports.md, "Levels"): which one a read uses,
    and the migration that derives them from level 0 in SQL."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_desk(cls)
        do_update_rollups()

    def test_each_read_uses_the_smallest_level_that_keeps_its_dimensions(self):
        today = timezone.localdate()
        f = Filters(start=today - timedelta(days=30), end=today)
        self.assertEqual(level_for(f), 3)
        self.assertEqual(level_for(f, ("day",)), 3)
        self.assertEqual(level_for(f, ("agent_id",)), 1)
        self.assertEqual(level_for(Filters(start=f.start, end=today, team_id=1)), 4)
        self.assertEqual(level_for(f, ("team_id",)), 4)
        self.assertEqual(level_for(f, ("channel",)), 2)
        self.assertEqual(level_for(Filters(start=f.start, end=today, kind="internal")), 2)
        # An agent's scope is "their teams or their own": team and agent are both needed.
        self.assertEqual(level_for(scoped(f, self.alice)), 1)
        self.assertEqual(level_for(scoped(f, self.alice), ("channel",)), 0)
        self.assertEqual(level_for(scoped(f, self.sam)), 3)
        # … read as their teams' rows (without the agent) plus their own rows elsewhere.
        self.assertEqual([level for level, _ in plan(scoped(f, self.alice), ("channel",))], [2, 0])
        self.assertEqual([level for level, _ in plan(scoped(f, self.alice))], [4, 1])
        self.assertEqual([level for level, _ in plan(f, ("kind",))], [2])
        # With a tag, the same levels of that tag.
        tagged = replace(f, tag_id=1)
        self.assertEqual(level_for(tagged), 3)  # the level within the tag's levels
        self.assertEqual([level for level, _ in plan(tagged)], [TAG_LEVEL + 3])
        self.assertEqual(
            [level for level, _ in plan(scoped(tagged, self.alice), ("channel",))],
            [TAG_LEVEL + 2, TAG_LEVEL + 0],
        )

    def test_the_migration_derives_the_levels_from_level_0(self):
        fills = [
            importlib.import_module(f"rapport.reports.migrations.{name}").fill_levels
            for name in ("0003_rollup_levels", "0004_rollup_agent_index")
        ]
        cells = ("level", "measure", "day", "team_id", "agent_id", "channel", "kind", "key")
        before = {
            model: sorted(model.objects.values_list(*cells, "value"))
            for model in (Rollup, RollupMonth)
        }
        self.assertTrue(Rollup.objects.filter(level=3).exists())
        Rollup.objects.filter(level__gt=0, level__lt=TAG_LEVEL).delete()
        RollupMonth.objects.filter(level__gt=0, level__lt=TAG_LEVEL).delete()

        class Editor:  # the schema editor's part the migration uses (no DDL: inside a test)
            def __init__(self):
                self.connection = connection

            def execute(self, sql):
                with connection.cursor() as cursor:
                    cursor.execute(sql)

        for fill_levels in fills:
            fill_levels(None, Editor())
        for model in (Rollup, RollupMonth):
            self.assertEqual(sorted(model.objects.values_list(*cells, "value")), before[model])
