"""The JSON API a review site's connector posts to: a bearer token per source (like the
raw-MIME endpoint's), bad input refused or reported per item, exactly once per id."""

from __future__ import annotations

import json

from django.test import override_settings

from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.reviews.models import Review
from rapport.test import BaseTestCase

from .helpers import make_source


class ApiTests(BaseTestCase):
    def setUp(self):
        self.source = make_source("2GIS", team=self.support)
        self.other = make_source("Google", team=self.support)

    def post(self, body, token=None, source=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            f"/reviews/api/{(source or self.source).pk}/",
            data=data,
            content_type="application/json",
            **headers,
        )

    def test_it_refuses_a_missing_or_wrong_token(self):
        item = {"id": "r1", "rating": 1, "text": "Bad"}
        self.assertEqual(self.post(item).status_code, 403)
        self.assertEqual(self.post(item, token="nope").status_code, 403)  # noqa: S106
        # Another source's token does not open this source.
        self.assertEqual(self.post(item, token=self.other.api_token).status_code, 403)
        self.assertEqual(InboundRaw.objects.filter(channel="review").count(), 0)

    def test_it_refuses_a_body_that_is_not_reviews(self):
        token = self.source.api_token
        self.assertEqual(self.post("{not json", token=token).status_code, 400)
        self.assertEqual(self.post([], token=token).status_code, 400)
        self.assertEqual(self.post("42", token=token).status_code, 400)

    def test_it_takes_reviews_in_and_reports_each_item(self):
        token = self.source.api_token
        body = {
            "reviews": [
                {"id": "2gis-1", "rating": 5, "text": "Отличный сервис!", "author": "Анна"},
                {"id": "2gis-2", "rating": "ten", "text": "?"},
                "not an object",
                {"id": "2gis-3", "rating": 1, "date": "2025-02-30", "text": "Плохо"},
            ]
        }
        response = self.post(body, token=token)
        self.assertEqual(response.status_code, 207)
        results = response.json()["results"]
        self.assertEqual([r["state"] for r in results], ["imported", "error", "error", "error"])
        self.assertIn("ten", results[1]["errors"][0])
        self.assertIn("2025-02-30", results[3]["errors"][0])
        review = Review.objects.get(pk=results[0]["review"])
        self.assertEqual((review.source, review.rating, review.author), (self.source, 5, "Анна"))
        self.assertEqual(review.mood, "positive")
        # Sent again: stored once; the bad ones stay in quarantine.
        again = self.post(body["reviews"][0], token=token)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["results"][0]["state"], "duplicate")
        self.assertEqual(Review.objects.count(), 1)
        self.assertEqual(
            InboundRaw.objects.filter(channel="review", state=RawState.QUARANTINED).count(), 2
        )

    def test_an_inactive_source_takes_nothing(self):
        self.source.is_active = False
        self.source.save()
        response = self.post({"id": "x", "rating": 3}, token=self.source.api_token)
        self.assertEqual(response.status_code, 403)

    def test_with_deferred_intake_it_answers_once_stored(self):
        with override_settings(RAPPORT_INTAKE_DEFERRED=True):
            response = self.post(
                [{"id": "d1", "rating": 2, "text": "Долго везли."}], token=self.source.api_token
            )
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json()["results"][0]["state"], "accepted")
        self.assertFalse(Review.objects.exists())
        self.assertEqual(do_drain(), 1)
        self.assertEqual(Review.objects.get().external_id, "d1")
