"""Workflow and permissions (KN1): agents draft, supervisors publish; outsiders and the public
see nothing unpublished or internal; no object reachable by guessing its id (IDOR)."""

from django.core.exceptions import PermissionDenied

from rapport.kb.actions import do_publish, do_submit_for_review
from rapport.kb.models import Status, Visibility
from rapport.kb.search import search_articles
from rapport.search.service import search
from rapport.test import BaseTestCase

from .helpers import make_article


class WorkflowTest(BaseTestCase):
    def test_an_agent_drafts_and_submits_but_only_a_supervisor_publishes(self):
        self.login(self.alice)
        response = self.client.post(
            "/kb/new/",
            {
                "language": "en",
                "title": "Reset a password",
                "body": "Press *Forgot*.",
                "visibility": "public",
                "team": self.support.pk,
            },
        )
        article = self.support_articles().get()
        self.assertRedirects(response, f"/kb/{article.pk}/")
        self.assertEqual(article.status, Status.DRAFT)

        self.client.post(f"/kb/{article.pk}/status/", {"to": "submit"})
        article.refresh_from_db()
        self.assertEqual(article.status, Status.REVIEW)
        self.assertIn("Reset a password", self.sam.notifications.get().text)
        self.assertFalse(self.alice.notifications.exists())

        response = self.client.post(f"/kb/{article.pk}/status/", {"to": "publish"})
        self.assertEqual(response.status_code, 403)
        with self.assertRaises(PermissionDenied):
            do_publish(article, self.alice)
        article.refresh_from_db()
        self.assertEqual(article.status, Status.REVIEW)
        self.assertEqual(self.client.get(f"/help/en/a/{article.pk}/").status_code, 404)

        self.login(self.sam)
        self.client.post(f"/kb/{article.pk}/status/", {"to": "publish"})
        article.refresh_from_db()
        self.assertEqual((article.status, article.published_by), (Status.PUBLISHED, self.sam))
        self.client.logout()
        self.assertContains(self.client.get(f"/help/en/a/{article.pk}/"), "Reset a password")

        # An agent cannot take a published article down either.
        self.login(self.bob)
        self.assertEqual(
            self.client.post(f"/kb/{article.pk}/status/", {"to": "draft"}).status_code, 403
        )
        self.login(self.sam)
        self.client.post(f"/kb/{article.pk}/status/", {"to": "archive"})
        self.client.logout()
        self.assertEqual(self.client.get(f"/help/en/a/{article.pk}/").status_code, 404)
        self.assertEqual(search_articles("password", "en"), [])

    def support_articles(self):
        from rapport.kb.models import Article

        return Article.objects.filter(team=self.support)

    def test_outsiders_and_the_public_see_no_draft_and_no_internal_article(self):
        draft = make_article(self.alice, team=self.support)
        internal = make_article(
            self.alice, self.sam, team=self.support, visibility=Visibility.INTERNAL
        )
        public = make_article(self.alice, self.sam, team=self.support)

        self.login(self.charlie)
        for article in (draft, internal):
            self.assertEqual(self.client.get(f"/kb/{article.pk}/").status_code, 404)
            self.assertEqual(self.client.get(f"/kb/{article.pk}/en/versions/").status_code, 404)
            self.assertEqual(self.client.get(f"/kb/{article.pk}/en/edit/").status_code, 404)
        listing = self.client.get("/kb/").content.decode()
        self.assertIn(f"/kb/{public.pk}/", listing)
        self.assertNotIn(f"/kb/{draft.pk}/", listing)
        self.assertNotIn(f"/kb/{internal.pk}/", listing)
        # Charlie reads Support's public article but may not change it (IDOR).
        self.assertEqual(self.client.get(f"/kb/{public.pk}/").status_code, 200)
        response = self.client.post(
            f"/kb/{public.pk}/en/edit/", {"title": "Hacked", "body": "Hacked"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.client.post(f"/kb/{draft.pk}/status/", {"to": "submit"}).status_code, 404
        )
        version = public.translations.get(language="en").versions.get()
        self.assertEqual(self.client.post(f"/kb/versions/{version.pk}/restore/").status_code, 404)
        self.assertEqual(public.translations.get(language="en").title, "How to return an item")
        # The index: Charlie's agent search and the public's never find the internal article.
        self.assertEqual(
            {t.article_id for t, _s in search_articles("return item", "en", user=self.charlie)},
            {public.pk},
        )
        self.assertEqual(
            {t.article_id for t, _s in search_articles("return item", "en", user=self.alice)},
            {public.pk, internal.pk},
        )
        self.assertEqual(
            {t.article_id for t, _s in search_articles("return item", "en")}, {public.pk}
        )

        self.client.logout()
        for article in (draft, internal):
            for language in ("en", "ru", "zh-hans"):
                url = f"/help/{language}/a/{article.pk}/"
                self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(self.client.get("/kb/").status_code, 302)  # to the login page
        home = self.client.get("/help/ru/").content.decode()
        self.assertIn(f"/help/ru/a/{public.pk}/", home)
        self.assertNotIn(f"/help/ru/a/{internal.pk}/", home)

    def test_agents_search_page_finds_published_articles_by_permission(self):
        internal = make_article(
            self.alice, self.sam, team=self.support, visibility=Visibility.INTERNAL
        )
        draft = make_article(self.alice)
        do_submit_for_review(draft, self.alice)
        for user, expected in (
            (self.alice, {internal.pk}),
            (self.charlie, set()),
            (self.sam, {internal.pk}),
        ):
            results = search(user, "вернуть товар")
            found = {g.article.article_id for g in results.groups if g.article}
            self.assertEqual(found, expected, user)
        self.login(self.alice)
        response = self.client.get("/search/", {"q": "退货"})
        self.assertContains(response, "如何退货")
        self.assertContains(response, f"/kb/{internal.pk}/")


class CategoriesTest(BaseTestCase):
    def test_supervisors_manage_categories_in_three_languages(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/kb/categories/").status_code, 403)
        self.login(self.sam)
        data = {"position": 2, "name_en": "Payments", "name_ru": "Оплата", "name_zh_hans": "付款"}
        self.assertRedirects(self.client.post("/kb/categories/", data), "/kb/categories/")
        from rapport.kb.models import Category

        category = Category.objects.get()
        self.assertEqual(
            [category.name_in(c) for c in ("ru", "zh-hans", "de")], ["Оплата", "付款", "Payments"]
        )
        self.client.post(f"/kb/categories/?edit={category.pk}", {**data, "name_ru": "Платежи"})
        category.refresh_from_db()
        self.assertEqual(category.name_ru, "Платежи")


class ListTest(BaseTestCase):
    def count_queries(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = self.client.get("/kb/?visibility=public")
        self.assertEqual(response.status_code, 200)
        return len(queries), response

    def test_the_list_takes_the_same_queries_for_more_articles(self):
        from .helpers import make_category

        category = make_category()
        make_article(self.alice, self.sam, category=category)
        self.login(self.bob)
        few, _response = self.count_queries()
        for _ in range(4):
            make_article(self.alice, self.sam, category=category, team=self.support)
        many, response = self.count_queries()
        self.assertEqual(few, many)
        self.assertContains(response, "How to return an item", count=5)
        self.assertContains(response, "<td>Orders</td>", count=5)


class SettingsTest(BaseTestCase):
    def test_settings_follow_permissions_and_the_index_follows_the_settings(self):
        article = make_article(self.alice, self.sam)
        self.login(self.alice)
        url = f"/kb/{article.pk}/settings/"
        data = {"visibility": "internal", "team": self.support.pk, "position": 3, "category": ""}
        # Published: only a supervisor changes what the public sees.
        self.client.post(url, data)
        article.refresh_from_db()
        self.assertEqual(article.visibility, Visibility.PUBLIC)
        self.assertEqual(len(search_articles("return item", "en")), 1)

        self.login(self.sam)
        self.client.post(url, data)
        article.refresh_from_db()
        self.assertEqual(
            (article.visibility, article.team, article.position),
            (Visibility.INTERNAL, self.support, 3),
        )
        self.assertEqual(search_articles("return item", "en"), [])  # public: gone at once
        self.assertEqual(len(search_articles("return item", "en", user=self.bob)), 1)
        self.assertEqual(search_articles("return item", "en", user=self.charlie), [])

        draft = make_article(self.alice, team=self.support)
        self.login(self.alice)
        self.client.post(f"/kb/{draft.pk}/settings/", {**data, "team": self.billing.pk})
        draft.refresh_from_db()
        self.assertEqual(draft.team, self.support)  # not a team of hers
