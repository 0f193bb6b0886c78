"""Complaints (KN3) with a tag filter walk the period's tickets once (issue #9): the same
figures and the same cap as the path without a tag. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest import mock

from django.utils import timezone

from rapport.reports import problems
from rapport.reports.queries import Filters, scoped
from rapport.test import BaseTestCase
from rapport.tickets.actions import do_set_tags
from rapport.tickets.models import Tag, Ticket

from .helpers import build_desk


class ComplaintsTagPathTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_desk(cls)
        # Every ticket gets the tag: the tag filter then selects what no filter selects.
        for ticket in Ticket.objects.all():
            do_set_tags(
                ticket, ["everything", *ticket.tags.values_list("name", flat=True)], actor=cls.sam
            )

    def test_a_tag_gives_what_the_untagged_path_gives_for_the_same_tickets(self):
        tag = Tag.objects.get(name="everything")
        today = timezone.localdate()
        f = Filters(start=today - timedelta(days=13), end=today)
        for user in (self.sam, self.alice, self.charlie):
            plain = problems.complaints(scoped(f, user), user)
            tagged = problems.complaints(scoped(replace(f, tag_id=tag.pk), user), user)
            with self.subTest(user=user.username):
                self.assertEqual(tagged, plain)
        self.assertGreaterEqual(problems.complaints(f, self.sam)["total"], 3)
        self.assertFalse(problems.complaints(f, self.sam)["capped"])
        # The cap: both paths say when the period holds more tickets than they read.
        with (
            mock.patch.object(problems, "TICKET_CAP", 2),
            mock.patch.object(problems, "ID_CHUNK", 1),
        ):
            plain = problems.complaints(f, self.sam)
            tagged = problems.complaints(replace(f, tag_id=tag.pk), self.sam)
        self.assertTrue(plain["capped"])
        self.assertEqual(tagged, plain)
