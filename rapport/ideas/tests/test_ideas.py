"""The suggestion box (issue 11 part 6, KN5): proposed from a ticket, grouped by similar
words or category, voted, answered by supervisors; Charlie sees nothing of Support's."""

from __future__ import annotations

from django.urls import reverse

from rapport.ideas.actions import check_propose
from rapport.ideas.grouping import best_problem, by_keywords
from rapport.ideas.models import Idea, IdeaStatus
from rapport.notify.models import Notification
from rapport.suggest.models import FaqCluster
from rapport.test import BaseTestCase


class TestIdeas(BaseTestCase):
    def propose(self, user, text, **extra):
        self.login(user)
        return self.client.post(
            reverse("ticket-idea", args=[self.carol_ticket.pk]), {"text": text, **extra}
        )

    def test_an_agent_proposes_from_a_ticket(self):
        response = self.propose(self.alice, "Customers keep asking how to track their order")
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))
        idea = Idea.objects.get()
        self.assertEqual(
            (idea.ticket, idea.team, idea.author), (self.carol_ticket, self.support, self.alice)
        )
        self.assertIn("track", idea.keywords)
        self.assertContains(
            self.client.get(reverse("ticket", args=[self.carol_ticket.pk])), "how to track"
        )

    def test_similar_ideas_are_grouped_across_word_forms(self):
        a = check_propose(
            self.carol_ticket, author=self.alice, text="Customers keep asking how to track orders"
        )
        b = check_propose(
            self.carol_ticket, author=self.bob, text="Add order tracking to the confirmation e-mail"
        )
        c = check_propose(self.carol_ticket, author=self.bob, text="The refund form is too long")
        r1 = check_propose(
            self.carol_ticket,
            author=self.alice,
            text="Клиенты постоянно спрашивают про возврат денег",
        )
        r2 = check_propose(self.carol_ticket, author=self.bob, text="Упростить возвраты денег")
        groups = by_keywords([a, b, c, r1, r2])
        sets = [{i.pk for i in g.ideas} for g in groups]
        self.assertIn({a.pk, b.pk}, sets)
        self.assertIn({r1.pk, r2.pk}, sets)
        self.assertIn({c.pk}, sets)
        self.login(self.sam)
        page = self.client.get(reverse("ideas"))
        self.assertContains(page, "2 suggestions")
        self.assertContains(self.client.get(reverse("ideas"), {"group": "category"}), "No category")

    def test_votes_toggle_and_count(self):
        idea = check_propose(self.carol_ticket, author=self.alice, text="Track orders")
        self.login(self.bob)
        url = reverse("idea-vote", args=[idea.pk])
        self.client.post(url)
        idea.refresh_from_db()
        self.assertEqual(idea.vote_count, 1)
        self.client.post(url)
        idea.refresh_from_db()
        self.assertEqual(idea.vote_count, 0)

    def test_a_supervisor_sets_status_and_links_a_problem_and_the_author_is_told(self):
        cluster = FaqCluster.objects.create(
            language="en", title="How do I track my order?", tokens={"track": 3, "order": 3}, size=3
        )
        idea = check_propose(
            self.carol_ticket, author=self.alice, text="Customers keep asking to track the order"
        )
        self.assertEqual(best_problem(idea, [cluster]), cluster)
        self.login(self.sam)
        self.assertContains(
            self.client.get(reverse("idea", args=[idea.pk])), "How do I track my order?"
        )
        self.client.post(
            reverse("idea", args=[idea.pk]),
            {
                "status": IdeaStatus.PLANNED,
                "category": "product",
                "problem": cluster.pk,
                "note": "Q3",
            },
        )
        idea.refresh_from_db()
        self.assertEqual(
            (idea.status, idea.problem, idea.category), (IdeaStatus.PLANNED, cluster, "product")
        )
        self.assertTrue(Notification.objects.filter(user=self.alice).exists())
        # done ideas leave the open list
        self.client.post(reverse("idea", args=[idea.pk]), {"status": IdeaStatus.DONE})
        self.assertNotContains(self.client.get(reverse("ideas")), "track the order")
        self.assertContains(
            self.client.get(reverse("ideas"), {"status": "done"}), "track the order"
        )

    def test_agents_cannot_answer_and_charlie_sees_nothing_of_support(self):
        idea = check_propose(self.carol_ticket, author=self.alice, text="Track orders")
        self.login(self.bob)
        self.assertEqual(
            self.client.post(reverse("idea", args=[idea.pk]), {"status": "done"}).status_code, 403
        )
        self.login(self.charlie)
        self.assertEqual(self.client.get(reverse("idea", args=[idea.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("idea-vote", args=[idea.pk])).status_code, 404)
        self.assertNotContains(self.client.get(reverse("ideas")), "Track orders")
        self.assertEqual(self.propose(self.charlie, "x").status_code, 404)
        idea.refresh_from_db()
        self.assertEqual((idea.status, idea.vote_count), (IdeaStatus.NEW, 0))
