"""Bad input gets a clear answer, never a 500."""

from django.urls import reverse

from rapport.test import BaseTestCase

HUGE = "9" * 30


class BadInputTest(BaseTestCase):
    def setUp(self):
        self.login(self.alice)

    def test_out_of_range_ids_are_404(self):
        for url in (f"/tickets/{HUGE}/", f"/customers/{HUGE}/", f"/attachments/{HUGE}/"):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_the_jump_box_accepts_only_numbers(self):
        response = self.client.get(reverse("ticket-go"), {"n": "abc"})
        self.assertRedirects(response, reverse("inbox"))
        response = self.client.get(reverse("ticket-go"), {"n": f"#{self.carol_ticket.pk}"})
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))

    def test_malformed_filters_fall_back_to_the_default_view(self):
        for params in (
            {"priority": "abc"},
            {"team": HUGE},
            {"status": "nope"},
            {"sort": "; drop table"},
            {"view": "x" * 5000},
            {"tag": "т" * 500},
            {"after": "eyJ4Ijo"},
            {"after": "WyJub3QiLCJpbnQiXQ"},
        ):
            response = self.client.get(reverse("inbox"), params)
            self.assertEqual(response.status_code, 200, params)

    def test_a_merge_target_that_is_not_a_number_is_a_form_error(self):
        response = self.client.post(
            reverse("ticket-merge", args=[self.carol_ticket.pk]), {"target": "abc"}
        )
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            reverse("ticket-merge", args=[self.carol_ticket.pk]), {"target": HUGE}
        )
        self.assertEqual(response.status_code, 400)

    def test_an_unknown_team_in_the_properties_form_is_a_form_error(self):
        response = self.client.post(
            reverse("ticket-update", args=[self.carol_ticket.pk]),
            {"status": "open", "priority": "9", "team": HUGE, "assignee": "x"},
        )
        self.assertEqual(response.status_code, 400)

    def test_customer_search_with_odd_characters(self):
        for q in ("%", "_", "\\", "'", "😀", "+", "漢字"):
            self.assertEqual(self.client.get(reverse("customers"), {"q": q}).status_code, 200)
