"""Query shapes chosen for speed give the same answers (issue #7, bench/README.md "Search").

The candidate query asked one range of document ids at a time (`backends._windowed`, the
default on PostgreSQL) must return exactly the rows of the single query, newest first, also
when the cap is reached inside a range and when a range finds nothing. Runs on SQLite and
PostgreSQL: the ranges are plain SQL conditions on both.
"""

from __future__ import annotations

import io
from unittest import mock

from rapport.lib.channels import Channel
from rapport.search import backends, service
from rapport.search.backends import _mixed_scripts
from rapport.search.query import parse
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import do_add_note, do_assign, do_change_status, do_set_tags

QUERIES = [
    "parcel",
    "parcel status:open",
    "parcel -lost",
    "parcel OR посылка",
    '"parcel lost"',
    "parcel tag:fragile",
    "parcel team:billing",
    "посылка after:2000-01-01",
    "parcel customer:p3@example.com",
    "xylophone",
]


def _rounded(rows: list[tuple]) -> list[tuple]:
    return [(r[0], r[1], r[2], r[3], r[4], round(r[5], 6)) for r in rows]


def planned_rows(user, text: str, cap: int, estimate: float | None) -> list[tuple]:
    """`backends.planned` (PostgreSQL's default shape) with the planner's estimate replaced."""
    q = parse(text, valid_channels=tuple(Channel.values))
    built = service._where(user, q, [])
    assert built is not None
    where, args = built
    if not q.must:
        return []
    return _rounded(backends.planned(q.must, q.must_not, where, args, cap, estimate=estimate))


def candidate_rows(
    user,
    text: str,
    cap: int,
    window: int | None,
    *,
    from_documents: bool | None = None,
    dates: bool = False,
) -> list[tuple]:
    q = parse(text, valid_channels=tuple(Channel.values))
    built = service._where(user, q, [])
    assert built is not None
    where, args = built
    rows = backends.candidates(
        q.must,
        q.must_not,
        where,
        args,
        cap,
        newest_first=not q.filters.customers,
        from_documents=bool(q.filters.customers) if from_documents is None else from_documents,
        window=window,
        ids=service._date_ids(q) if dates else None,
    )
    return [(r[0], r[1], r[2], r[3], r[4], round(r[5], 6)) for r in rows]


class Desk(BaseTestCase):
    """Thirteen tickets: some notes, statuses, a tag, another team."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i in range(12):
            text = "parcel lost again" if i % 3 == 0 else f"parcel number {i} посылка"
            ticket = receive(sender=f"p{i}@example.com", body_text=text).ticket
            if i % 2:
                do_add_note(ticket, author=cls.alice, body="parcel re-sent by courier")
            if i % 4 == 1:
                do_change_status(ticket, "open", actor=cls.alice)
            if i % 5 == 2:
                do_set_tags(ticket, ["fragile"], actor=cls.alice)
            if i % 3 == 2:
                do_assign(ticket, team=cls.billing, assignee=None, actor=cls.sam)
        receive(sender="other@example.com", body_text="Nothing to do with it")


class WindowedCandidatesTests(Desk):
    def test_ranges_of_ids_give_exactly_the_single_querys_rows(self):
        for user in (self.alice, self.sam, self.charlie):
            for text in QUERIES:
                for cap in (3, 1000):
                    expected = candidate_rows(user, text, cap, window=0)
                    for window in (1, 3, 10_000):
                        with self.subTest(user=user.username, q=text, cap=cap, window=window):
                            self.assertEqual(candidate_rows(user, text, cap, window), expected)

    def test_the_cap_is_reached_inside_a_range_newest_first(self):
        rows = candidate_rows(self.sam, "parcel", 5, window=3)
        self.assertEqual(len(rows), 5)
        ids = [r[0] for r in rows]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(rows, candidate_rows(self.sam, "parcel", 5, window=0))

    def test_the_default_shape_of_each_backend_gives_the_same_rows(self):
        # PostgreSQL: ranges of WINDOW ids; SQLite: one query (FTS5 walks newest first).
        for text in QUERIES:
            with self.subTest(q=text):
                self.assertEqual(
                    candidate_rows(self.alice, text, 4, window=None),
                    candidate_rows(self.alice, text, 4, window=0),
                )

    def test_a_rare_tag_starts_from_its_tickets_documents_with_the_same_rows(self):
        self.assertTrue(service._few_tagged(["fragile"]))
        self.assertFalse(service._few_tagged([]))
        with mock.patch.object(service, "FEW_TAGGED", 1):
            self.assertFalse(service._few_tagged(["fragile"]))  # on 2 tickets
        for text in ("parcel tag:fragile", "parcel -lost tag:fragile", "tag:fragile"):
            for cap in (2, 1000):
                with self.subTest(q=text, cap=cap):
                    walk = candidate_rows(self.sam, text, cap, window=0, from_documents=False)
                    self.assertTrue(walk)
                    self.assertEqual(
                        candidate_rows(self.sam, text, cap, window=0, from_documents=True), walk
                    )


class PlannedCandidatesTests(Desk):
    """PostgreSQL chooses per query between walking the primary key (a bounded walk) and
    ranges of ids over the GIN bitmap (backends.planned), from the planner's estimate. Every
    path it can take — a walk that finds the cap, a walk that stops short and continues by
    ranges, a walk that finds nothing and asks the rest at once, ranges from the start — must
    give the single query's rows. The estimate is forced here (the planner's on a test
    database says little); the SQL of each shape is the one PostgreSQL runs."""

    # estimate (rows expected in the whole table) → with cap 3 and ~40 documents: walks of
    # every length, and no walk at all (a small estimate).
    ESTIMATES = (0.5, 2, 10, 40, 10_000, 1e9)

    def test_every_path_gives_the_single_querys_rows(self):
        for user in (self.alice, self.sam, self.charlie):
            for text in QUERIES:
                q = parse(text, valid_channels=tuple(Channel.values))
                if not q.must or q.filters.customers:
                    continue  # planned is for word queries walked newest first
                for cap in (1, 3, 1000):
                    expected = candidate_rows(user, text, cap, window=0)
                    for estimate in self.ESTIMATES:
                        for slack, walk in ((0.01, True), (2.0, True), (2.0, False)):
                            cost = 10**12 if walk else -(10**12)  # walk first, or never
                            with (
                                self.subTest(
                                    user=user.username,
                                    q=text,
                                    cap=cap,
                                    estimate=estimate,
                                    slack=slack,
                                    walk=walk,
                                ),
                                mock.patch.object(backends, "WALK_SLACK", slack),
                                mock.patch.object(backends, "RANGE_ROWS_COST", cost),
                                mock.patch.object(backends, "FIRST_RANGE", 3),
                                mock.patch.object(backends, "PROBE", 2),
                            ):
                                self.assertEqual(planned_rows(user, text, cap, estimate), expected)

    def test_the_default_uses_the_planners_estimate(self):
        # No estimate given: on PostgreSQL EXPLAIN's, on SQLite the same function works too.
        for text in ("parcel", '"parcel lost"', "parcel посылка", "xylophone"):
            with self.subTest(q=text):
                if backends.vendor() == "postgresql":
                    expected = candidate_rows(self.sam, text, 5, window=0)
                    self.assertEqual(candidate_rows(self.sam, text, 5, window=None), expected)
                    self.assertEqual(planned_rows(self.sam, text, 5, None), expected)

    def test_words_in_different_scripts_are_not_walked(self):
        def must(text):
            return parse(text).must

        self.assertTrue(_mixed_scripts(must("заказ 订单")))
        self.assertTrue(_mixed_scripts(must("refund возврат")))
        self.assertFalse(_mixed_scripts(must("refund card")))
        self.assertFalse(_mixed_scripts(must("refund OR 退款 OR возврат")))  # one OR
        self.assertFalse(_mixed_scripts(must("заказ 12345")))  # a number has no script
        self.assertFalse(_mixed_scripts(must("订单")))


class DateIdsTests(Desk):
    """SQLite: `before:`/`after:` also bound FTS5's rowid by the days' ids (migration 0004,
    backends.date_ids), so a common word with an old date seeks instead of walking every
    newer match. The rows must be the same as without the bound."""

    DATED = [
        "parcel before:2100-01-01",
        "parcel before:2000-01-01",
        "parcel after:2000-01-01",
        "parcel after:2100-01-01",
        "parcel -lost after:2000-01-01 before:2100-01-01",
        '"parcel lost" before:2100-01-01',
        "before:2100-01-01 status:open",
        "after:2100-01-01",
        "parcel customer:p3@example.com before:2100-01-01",
    ]

    def test_the_bound_gives_the_same_rows(self):
        for user in (self.alice, self.sam):
            for text in self.DATED:
                for cap in (2, 1000):
                    with self.subTest(user=user.username, q=text, cap=cap):
                        self.assertEqual(
                            candidate_rows(user, text, cap, window=0, dates=True),
                            candidate_rows(user, text, cap, window=0),
                        )
                        self.assertEqual(
                            candidate_rows(user, text, cap, window=3, dates=True),
                            candidate_rows(user, text, cap, window=0),
                        )

    def test_the_bounds_hold_every_document_of_their_dates(self):
        import datetime as dt

        from django.utils import timezone

        from rapport.search.models import SearchDocument

        if backends.vendor() != "sqlite":
            self.assertIsNone(backends.date_ids(timezone.now(), None))
            return
        ids = list(SearchDocument.objects.values_list("id", flat=True))
        now = timezone.now()
        tomorrow, yesterday = now + dt.timedelta(days=1), now - dt.timedelta(days=1)
        low, high = backends.date_ids(None, tomorrow)
        self.assertLessEqual(max(ids), high)
        low, high = backends.date_ids(yesterday, None)
        self.assertLessEqual(low, min(ids))
        self.assertEqual(backends.date_ids(None, yesterday), (1, 0))  # nothing before
        self.assertEqual(backends.date_ids(tomorrow, None)[0] > max(ids), True)
        # A rebuild (triggers set aside, the days filled per batch) keeps them whole.
        from django.core.management import call_command

        call_command("search_rebuild", "--clear", "--quiet", stdout=io.StringIO())
        ids = list(SearchDocument.objects.values_list("id", flat=True))
        low, high = backends.date_ids(yesterday, tomorrow)
        self.assertLessEqual(low, min(ids))
        self.assertLessEqual(max(ids), high)
        self.assertEqual(
            candidate_rows(self.sam, "parcel before:2100-01-01", 1000, window=0, dates=True),
            candidate_rows(self.sam, "parcel before:2100-01-01", 1000, window=0),
        )


class RankedHereTests(Desk):
    """SQLite: rows FTS5 checks one rowid at a time (customer:, a rare tag) are ranked by
    bm25.py, not by FTS5's bm25() (which re-counts every phrase's doclist per row): the same
    scores, for every query shape."""

    SHAPES = [
        "parcel customer:p3@example.com",
        "parcel lost customer:p3@example.com",
        '"parcel lost" customer:p0@example.com',
        "parcel -lost customer:p4@example.com",
        "parcel OR посылка customer:p4@example.com",
        "посылка customer:p4@example.com",
        "parcel tag:fragile",
        "parcel -lost tag:fragile",
        "courier OR parcel tag:fragile",
        "xylophone customer:p3@example.com",
    ]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Chinese: a word of three characters is also asked as its bigrams (an AND inside
        # an OR); some rows have the word, some only one of its bigrams.
        receive(sender="p3@example.com", body_text="信用卡扣了两次 parcel parcel parcel")
        receive(sender="p3@example.com", body_text="信用 parcel 用卡")
        receive(sender="p3@example.com", body_text="用卡 only and parcel")

    def test_the_same_scores_as_fts5(self):
        if backends.vendor() != "sqlite":
            return  # PostgreSQL ranks with ts_rank in the query
        shapes = [
            *self.SHAPES,
            "信用卡 customer:p3@example.com",
            "信用卡 OR parcel customer:p3@example.com",
        ]
        for user in (self.alice, self.sam):
            for text in shapes:
                with self.subTest(user=user.username, q=text):
                    with mock.patch.object(backends, "RANK_HERE", False):
                        fts5 = candidate_rows(user, text, 1000, window=0)
                    here = candidate_rows(user, text, 1000, window=0)
                    self.assertEqual(here, fts5)
        self.assertTrue(
            candidate_rows(self.sam, "信用卡 OR parcel customer:p3@example.com", 1000, 0)
        )
