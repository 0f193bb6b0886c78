"""The review inbox (CH7, FB5): filters, the response-time target for negative reviews
(overdue highlighted and counted), the team's policy, and who may see what."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from freezegun import freeze_time

from rapport.reviews.actions import check_publish_reply, do_set_policy
from rapport.reviews.models import ReviewPolicy
from rapport.test import BaseTestCase

from .helpers import make_source, take_in


class InboxTests(BaseTestCase):
    def setUp(self):
        self.source = make_source("Yandex Maps", team=self.support)
        self.bad = take_in(self.source, id="bad", rating="1", text="Ужасно, курьер опоздал.")
        self.good = take_in(
            self.source, id="good", rating="5", text="Спасибо, всё отлично!", author="Мария"
        )

    def test_a_negative_review_gets_the_teams_answer_time(self):
        self.assertTrue(self.bad.negative)
        self.assertEqual(self.bad.due_at, self.bad.received_at + timedelta(hours=24))
        self.assertFalse(self.good.negative)
        self.assertIsNone(self.good.due_at)
        self.assertEqual(self.good.mood, "positive")

    def test_overdue_negative_reviews_are_counted_and_highlighted(self):
        self.login(self.alice)
        response = self.client.get("/reviews/")
        self.assertEqual(response.context["counts"]["overdue"], 0)
        with freeze_time(timezone.now() + timedelta(hours=25)):
            response = self.client.get("/reviews/")
            self.assertEqual(response.context["counts"]["overdue"], 1)
            self.assertContains(response, 'class="overdue"', count=1)
            self.assertContains(response, "1 negative review is past its answer time.")
            overdue = self.client.get("/reviews/", {"answered": "overdue"})
            self.assertEqual([r.pk for r in overdue.context["page"]], [self.bad.pk])

    def test_a_team_policy_moves_the_due_times_of_unanswered_reviews(self):
        changed = do_set_policy(
            ReviewPolicy(team=self.support, negative_max_rating=3, response_target_hours=4)
        )
        self.assertEqual(changed, 1)
        self.bad.refresh_from_db()
        self.assertEqual(self.bad.due_at, self.bad.received_at + timedelta(hours=4))
        three = take_in(self.source, id="three", rating="3", text="Так себе.")
        self.assertTrue(three.negative)
        self.assertEqual(three.due_at, three.received_at + timedelta(hours=4))

    def test_it_filters_by_source_rating_mood_and_answer(self):
        other = make_source("2GIS", team=self.support)
        third = take_in(other, id="x", rating="4", text="Обычный магазин.", author="Олег")
        self.login(self.alice)

        def ids(**params):
            return {r.pk for r in self.client.get("/reviews/", params).context["page"]}

        self.assertEqual(ids(), {self.bad.pk, self.good.pk, third.pk})
        self.assertEqual(ids(source=other.pk), {third.pk})
        self.assertEqual(ids(rating=5), {self.good.pk})
        self.assertEqual(ids(mood="positive"), {self.good.pk})
        self.assertEqual(ids(answered="yes"), set())
        self.assertEqual(ids(answered="no"), {self.bad.pk, self.good.pk, third.pk})

    def test_the_inbox_reads_a_constant_number_of_queries(self):
        self.login(self.alice)
        self.client.get("/reviews/")  # warm the session and caches
        with self.assertNumQueries(9):
            self.client.get("/reviews/")
        for n in range(5):
            take_in(self.source, id=f"more-{n}", rating="2", author=f"A{n}")
        with self.assertNumQueries(9):
            self.client.get("/reviews/")

    def test_charlie_sees_no_support_reviews_and_sam_sees_them_all(self):
        self.login(self.charlie)
        response = self.client.get("/reviews/")
        self.assertEqual(list(response.context["page"]), [])
        self.assertNotContains(response, "Yandex Maps")  # not even the source's name
        self.assertEqual(response.context["counts"]["unanswered"], 0)
        self.assertEqual(self.client.get(f"/reviews/{self.bad.pk}/").status_code, 404)
        self.assertEqual(
            self.client.post(f"/reviews/{self.bad.pk}/coach/", {"body": "x"}).status_code, 404
        )
        response = self.client.post(f"/reviews/{self.bad.pk}/", {"body": "Hello", "solve": ""})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get("/reviews/report/").context["report"]["total"][0].total, 0)
        self.login(self.sam)
        response = self.client.get("/reviews/")
        self.assertEqual({r.pk for r in response.context["page"]}, {self.bad.pk, self.good.pk})

    def test_unanswered_reviews_come_first_by_due_time(self):
        check = take_in(self.source, id="later", rating="1", text="Плохо.", author="Пётр")
        check_publish_reply(
            self.bad.pk, actor=self.alice, text="Здравствуйте! Спасибо, что написали; разберёмся."
        )
        self.login(self.alice)
        order = [r.pk for r in self.client.get("/reviews/").context["page"]]
        self.assertEqual(order, [check.pk, self.good.pk, self.bad.pk])
