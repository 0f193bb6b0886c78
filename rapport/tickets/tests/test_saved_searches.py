"""Saved searches as inbox views (#7.5): listed with counts, opened like any view, private or
shared, and never a way around the permission rule (Charlie, IDOR)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.test import BaseTestCase, receive
from rapport.tickets import actions
from rapport.tickets.models import SavedSearch, Status
from rapport.tickets.saved_searches import do_save_search


class SavedSearchTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.refund = receive(
            sender="dan@example.com",
            external_id="<r1@x>",
            subject="Refund please",
            body_text="I want a refund for the broken lamp.",
        ).ticket
        actions.do_set_tags(cls.refund, ["vip"], actor=cls.alice)
        cls.plain = receive(
            sender="eve@example.com",
            external_id="<r2@x>",
            subject="Refund too",
            body_text="Refund for my chair, please.",
        ).ticket
        cls.billing_ticket = receive(
            sender="fay@example.com",
            external_id="<b1@x>",
            subject="Invoice refund",
            body_text="Refund my invoice.",
        ).ticket
        actions.check_assign(cls.billing_ticket, team=cls.billing, assignee=None, actor=cls.sam)

    def test_an_agent_saves_a_search_and_opens_it_as_a_view(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("saved-search-create"), {"name": "VIP refunds", "query": "tag:vip refund"}
        )
        saved = SavedSearch.objects.get(owner=self.alice)
        self.assertRedirects(response, f"{reverse('inbox')}?view={saved.view_key}")
        response = self.client.get(reverse("inbox"), {"view": saved.view_key})
        rows = response.context["page"].rows
        self.assertEqual([t.pk for t in rows], [self.refund.pk])
        self.assertContains(response, "VIP refunds")

    def test_it_is_listed_among_the_views_with_its_count(self):
        saved = do_save_search(self.alice, name="Refunds", query="refund", team=None)
        self.login(self.alice)
        response = self.client.get(reverse("inbox-counts"))
        # Both Support refund tickets; the Billing one is not Alice's to see.
        self.assertEqual(response.context["counts"][saved.view_key], (2, False))
        self.assertContains(response, "Refunds")

    def test_it_shows_solved_tickets_unless_the_query_says_status(self):
        actions.do_change_status(self.plain, Status.SOLVED, actor=self.alice)
        every = do_save_search(self.alice, name="All refunds", query="refund", team=None)
        waiting = do_save_search(
            self.alice, name="Open refunds", query="refund status:new,open", team=None
        )
        self.login(self.alice)
        rows = self.client.get(reverse("inbox"), {"view": every.view_key}).context["page"].rows
        self.assertEqual({t.pk for t in rows}, {self.refund.pk, self.plain.pk})
        rows = self.client.get(reverse("inbox"), {"view": waiting.view_key}).context["page"].rows
        self.assertEqual([t.pk for t in rows], [self.refund.pk])

    def test_a_view_shared_with_billing_never_shows_charlie_a_support_ticket(self):
        shared = do_save_search(self.sam, name="Every refund", query="refund", team=self.billing)
        self.login(self.charlie)
        counts = self.client.get(reverse("inbox-counts")).context["counts"]
        self.assertEqual(counts[shared.view_key], (1, False))
        response = self.client.get(reverse("inbox"), {"view": shared.view_key})
        self.assertEqual([t.pk for t in response.context["page"].rows], [self.billing_ticket.pk])
        self.assertNotContains(response, "broken lamp")
        self.assertNotContains(response, "Refund please")

    def test_another_agents_private_search_is_not_there_for_charlie(self):
        private = do_save_search(self.alice, name="Alice's secret", query="refund", team=None)
        shared = do_save_search(
            self.alice, name="Support refunds", query="refund", team=self.support
        )
        self.login(self.charlie)
        for saved in (private, shared):
            response = self.client.get(reverse("inbox"), {"view": saved.view_key})
            self.assertEqual(response.status_code, 200)
            self.assertEqual(list(response.context["page"].rows), [])
            self.assertNotContains(response, saved.name)
            self.assertNotContains(response, "Refund please")
            delete = self.client.post(reverse("saved-search-delete", args=[saved.pk]))
            self.assertEqual(delete.status_code, 404)
        self.assertEqual(SavedSearch.objects.count(), 2)
        counts = self.client.get(reverse("inbox-counts")).context["counts"]
        self.assertNotIn(private.view_key, counts)

    def test_a_teammate_sees_a_shared_search_but_only_the_owner_deletes_it(self):
        shared = do_save_search(
            self.alice, name="Support refunds", query="refund", team=self.support
        )
        self.login(self.bob)
        response = self.client.get(reverse("inbox"), {"view": shared.view_key})
        self.assertEqual(len(response.context["page"].rows), 2)
        self.assertEqual(
            self.client.post(reverse("saved-search-delete", args=[shared.pk])).status_code, 404
        )
        self.login(self.alice)
        self.client.post(reverse("saved-search-delete", args=[shared.pk]))
        self.assertFalse(SavedSearch.objects.exists())

    def test_a_search_with_a_mistake_or_a_foreign_team_is_not_saved(self):
        self.login(self.alice)
        form = self.client.get(reverse("saved-search-create"), {"q": "tag:vip"})
        self.assertContains(form, 'value="tag:vip"')
        self.assertContains(form, "Support")
        self.assertNotContains(form, "Billing")  # share only with my own teams
        self.assertContains(form, "<html")  # a page of its own without htmx …
        part = self.client.get(reverse("saved-search-create"), headers={"HX-Request": "true"})
        self.assertNotContains(part, "<html")  # … the form alone in the inbox
        self.assertContains(part, 'name="query"')
        self.client.post(reverse("saved-search-create"), {"name": "Bad", "query": "status:nope"})
        self.client.post(
            reverse("saved-search-create"),
            {"name": "Theirs", "query": "refund", "team": self.billing.pk},
        )
        self.assertFalse(SavedSearch.objects.exists())

    def test_the_saved_view_query_count_does_not_grow_with_the_page(self):
        saved = do_save_search(self.alice, name="Refunds", query="refund", team=None)
        self.login(self.alice)
        url = reverse("inbox")
        self.client.get(url, {"view": saved.view_key})
        with CaptureQueriesContext(connection) as few:
            self.client.get(url, {"view": saved.view_key})
        for i in range(30):
            receive(
                sender=f"r{i}@example.com",
                external_id=f"<rr{i}@x>",
                subject=f"Refund {i}",
                body_text="refund",
            )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url, {"view": saved.view_key})
        self.assertEqual(len(response.context["page"].rows), 25)
        self.assertEqual(len(few), len(many))
