"""The demo desk's articles: published in three languages, found by the help centre."""

from rapport.kb.demo import build_demo_articles
from rapport.kb.search import search_articles
from rapport.test import BaseTestCase


class DemoArticlesTest(BaseTestCase):
    def test_demo_articles_are_readable_and_found_in_three_languages(self):
        internal = build_demo_articles(self.alice, self.sam)[-1]
        for language, query, title in (
            ("en", "return an item", "How to return an item"),
            ("ru", "вернуть товар", "Как вернуть товар"),
            ("zh-hans", "退货", "如何退货"),
            ("ru", "списали деньги после отключения подписки", "Как отключить подписку"),
        ):
            self.assertContains(self.client.get(f"/help/{language}/"), title)
            found = search_articles(query, language)
            self.assertTrue(found and found[0][0].title.startswith(title), (query, found))
        self.assertNotContains(self.client.get("/help/ru/"), "когда агент решает сам")
        agent_hits = search_articles("вернуть деньги без товара", "ru", user=self.alice)
        self.assertIn(internal.pk, [t.article_id for t, _s in agent_hits])
