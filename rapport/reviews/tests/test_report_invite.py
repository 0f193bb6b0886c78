"""The response report (rate, median and p90 time, by source and rating, for a period) and
the invitation link for satisfied customers (FB5)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from freezegun import freeze_time

from rapport.reviews.actions import check_publish_reply
from rapport.reviews.invite import review_invitation_url
from rapport.reviews.models import ReviewPolicy
from rapport.reviews.report import percentile
from rapport.test import BaseTestCase

from .helpers import make_source, take_in

REPLY = "Здравствуйте! Спасибо за отзыв. Понимаю, как это неприятно; напишите нам, разберёмся."


class ReportTests(BaseTestCase):
    def test_it_reports_rate_median_and_p90_by_source_and_rating(self):
        t0 = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
        yandex = make_source("Yandex Maps", team=self.support)
        google = make_source("Google", team=self.support)
        with freeze_time(t0):
            reviews = [
                take_in(yandex, id="y1", rating="1"),
                take_in(yandex, id="y2", rating="1"),
                take_in(yandex, id="y3", rating="5", text="Отлично!"),
                take_in(google, id="g1", rating="1"),
                take_in(google, id="g2", rating="2"),  # never answered: overdue by now
            ]
        for review, hours in zip(reviews, (1, 2, 3, 10), strict=False):
            with freeze_time(t0 + timedelta(hours=hours)):
                check_publish_reply(review.pk, actor=self.alice, text=REPLY)
        self.login(self.alice)
        report = self.client.get("/reviews/report/").context["report"]
        total = report["total"][0]
        self.assertEqual((total.total, total.answered, total.overdue), (5, 4, 1))
        self.assertEqual(total.rate, 0.8)
        self.assertEqual((total.median_hours, total.p90_hours), (2.0, 10.0))
        by_source = {line.label: line for line in report["source"]}
        self.assertEqual(by_source["Yandex Maps"].answered, 3)
        self.assertEqual(by_source["Yandex Maps"].median_hours, 2.0)
        self.assertEqual((by_source["Google"].total, by_source["Google"].rate), (2, 0.5))
        by_rating = {line.label: line for line in report["rating"]}
        self.assertEqual(by_rating["★"].total, 3)
        self.assertEqual(by_rating["★★"].answered, 0)
        # A period before the reviews came shows none.
        old = (t0 - timedelta(days=10)).date()
        response = self.client.get("/reviews/report/", {"start": old, "end": old})
        self.assertEqual(response.context["report"]["total"][0].total, 0)
        self.assertContains(response, "review-report")

    def test_percentile_is_nearest_rank(self):
        self.assertIsNone(percentile([], 50))
        self.assertEqual(percentile([1.0], 90), 1.0)
        self.assertEqual(percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90), 9.0)


class InvitationTests(BaseTestCase):
    def test_it_gives_the_teams_link_in_the_customers_language(self):
        self.assertIsNone(review_invitation_url(self.support, "ru"))
        ReviewPolicy.objects.create(
            team=self.support, invitation_url="https://example.com/review?lang={lang}"
        )
        self.assertEqual(
            review_invitation_url(self.support, "ru"), "https://example.com/review?lang=ru"
        )
        self.assertEqual(
            review_invitation_url(self.support.pk, "zh-hans"),
            "https://example.com/review?lang=zh",
        )
        self.assertEqual(
            review_invitation_url(self.support, ""), "https://example.com/review?lang=en"
        )
        self.assertIsNone(review_invitation_url(self.billing, "en"))
        self.assertIsNone(review_invitation_url(None, "en"))
