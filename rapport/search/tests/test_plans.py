"""Query shapes chosen for speed give the same answers (issue #7, bench/README.md "Search").

The candidate query asked one range of document ids at a time (`backends._windowed`, the
default on PostgreSQL) must return exactly the rows of the single query, newest first, also
when the cap is reached inside a range and when a range finds nothing. Runs on SQLite and
PostgreSQL: the ranges are plain SQL conditions on both.
"""

from __future__ import annotations

from unittest import mock

from rapport.lib.channels import Channel
from rapport.search import backends, service
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


def candidate_rows(
    user, text: str, cap: int, window: int | None, *, from_documents: bool | None = None
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
    )
    return [(r[0], r[1], r[2], r[3], r[4], round(r[5], 6)) for r in rows]


class WindowedCandidatesTests(BaseTestCase):
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
