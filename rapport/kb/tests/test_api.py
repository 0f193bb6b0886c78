"""The API the answer suggestions and FAQ mining use (stable signatures, docs/kb.md)."""

from rapport.kb.actions import do_create_draft_from_text, do_publish
from rapport.kb.models import Status
from rapport.kb.search import search_articles
from rapport.test import BaseTestCase


class ArticleApiTest(BaseTestCase):
    def test_a_draft_from_text_is_found_once_published_in_its_language(self):
        article = do_create_draft_from_text(
            "Как вернуть товар", "Вернуть товар можно в течение 14 дней.", "ru", self.alice
        )
        self.assertEqual(article.status, Status.DRAFT)
        self.assertEqual(search_articles("хочу вернуть товары", "ru"), [])
        do_publish(article, self.sam)
        found = search_articles("хочу вернуть товары", "ru", user=self.alice)
        self.assertEqual([t.article_id for t, _score in found], [article.pk])
        self.assertEqual(search_articles("хочу вернуть товары", "en"), [])
        self.assertEqual(len(search_articles("вернуть", None)), 1)
