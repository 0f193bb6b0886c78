"""The pages around reviews: an agent enters one by hand, opens it to answer, and a
supervisor sets the team's policy and the sources."""

from __future__ import annotations

from datetime import timedelta

from rapport.reviews.models import Review, ReviewPolicy, ReviewSource
from rapport.test import BaseTestCase

from .helpers import make_source, take_in


class PageTests(BaseTestCase):
    def test_an_agent_enters_a_review_read_on_the_site(self):
        source = make_source("Google", team=self.support)
        self.login(self.alice)
        response = self.client.post(
            "/reviews/add/",
            {
                "source": source.pk,
                "rating": "2",
                "text": "Waited a week for a refund.",
                "author": "Carol",
                "email": "Carol@Example.com",
                "url": "https://maps.google.com/r/1",
            },
        )
        review = Review.objects.get()
        self.assertRedirects(response, f"/reviews/{review.pk}/")
        self.assertEqual(review.customer, self.carol)  # matched by her e-mail identity
        self.assertTrue(review.negative)
        page = self.client.get(f"/reviews/{review.pk}/")
        self.assertContains(page, "Waited a week for a refund.")
        self.assertContains(page, 'id="review-reply-form"')
        self.assertContains(page, "reviews/reviews.js")
        # Charlie cannot enter reviews for a Support source.
        self.login(self.charlie)
        response = self.client.post("/reviews/add/", {"source": source.pk, "rating": "5"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("source", response.context["form"].errors)

    def test_review_text_is_escaped(self):
        source = make_source("Google", team=self.support)
        review = take_in(source, id="x", text="<script>alert(1)</script> плохо")
        self.login(self.alice)
        page = self.client.get(f"/reviews/{review.pk}/")
        self.assertNotContains(page, "<script>alert(1)</script>")
        self.assertContains(page, "&lt;script&gt;")

    def test_a_supervisor_sets_the_policy_and_adds_a_source(self):
        source = make_source("Yandex Maps", team=self.support)
        review = take_in(source, id="r", rating="2")
        self.login(self.alice)
        self.assertEqual(self.client.get("/reviews/settings/").status_code, 403)
        self.login(self.sam)
        prefix = f"team-{self.support.pk}"
        response = self.client.post(
            "/reviews/settings/",
            {
                "form": prefix,
                f"{prefix}-negative_max_rating": "2",
                f"{prefix}-response_target_hours": "8",
                f"{prefix}-invitation_url": "https://example.com/r?l={lang}",
            },
        )
        self.assertRedirects(response, "/reviews/settings/")
        policy = ReviewPolicy.objects.get(team=self.support)
        self.assertEqual(policy.response_target_hours, 8)
        review.refresh_from_db()
        self.assertEqual(review.due_at, review.received_at + timedelta(hours=8))
        response = self.client.post(
            "/reviews/settings/",
            {
                "form": "source-new",
                "source-new-name": "Dianping",
                "source-new-team": self.billing.pk,
                "source-new-is_active": "on",
            },
        )
        self.assertRedirects(response, "/reviews/settings/")
        self.assertEqual(ReviewSource.objects.get(name="Dianping").team, self.billing)
        self.assertContains(self.client.get("/reviews/settings/"), source.api_token)
        old_token = source.api_token
        self.client.post("/reviews/settings/", {"form": f"token-{source.pk}"})
        source.refresh_from_db()
        self.assertNotEqual(source.api_token, old_token)
