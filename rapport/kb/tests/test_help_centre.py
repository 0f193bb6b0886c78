"""The public help centre: pages in three languages with a fixed number of queries, search
with the index's normalisation, "Was this helpful?" with CSRF and limits (KN1, FB1)."""

from django.test import Client

from rapport.kb import actions
from rapport.kb.links import help_centre_url
from rapport.kb.models import Feedback
from rapport.test import BaseTestCase

from .helpers import make_article, make_category

SHIPPING = {
    "en": ("When will my order arrive?", "Orders usually arrive in 3–5 working days."),
    "ru": ("Когда придёт мой заказ?", "Обычно заказы доставляются за 3–5 рабочих дней."),
    "zh-hans": ("我的订单什么时候到？", "订单通常在三到五个工作日内送达。"),
}


class HelpCentreTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.orders = make_category()
        cls.returns = make_article(cls.alice, cls.sam, category=cls.orders)
        cls.shipping = make_article(cls.alice, cls.sam, texts=SHIPPING, category=cls.orders)
        cls.uncategorised = make_article(
            cls.alice, cls.sam, texts={"en": ("Gift cards", "Gift cards never expire.")}
        )

    def test_pages_in_each_language_take_a_fixed_number_of_queries(self):
        for language, title, category in (
            ("en", "How to return an item", "Orders"),
            ("ru", "Как вернуть товар", "Заказы"),
            ("zh-hans", "如何退货", "订单"),
        ):
            with self.assertNumQueries(2):  # categories; published translations
                home = self.client.get(f"/help/{language}/")
            self.assertContains(home, title)
            self.assertContains(home, category)
            self.assertContains(home, f'<html lang="{language}">')
            self.assertEqual(home["Content-Language"], language)
            self.assertIn("max-age=300", home["Cache-Control"])
            with self.assertNumQueries(2):  # the category; its translations
                page = self.client.get(f"/help/{language}/c/{self.orders.pk}/")
            self.assertContains(page, title)
            with self.assertNumQueries(2):  # the article's translations; its attachments
                page = self.client.get(f"/help/{language}/a/{self.returns.pk}/")
            self.assertContains(page, title)
            self.assertContains(page, "<strong>")  # Markdown rendered
            self.assertContains(page, "csrfmiddlewaretoken")
        self.assertContains(self.client.get("/help/en/"), "Gift cards")
        self.assertNotContains(self.client.get("/help/ru/"), "Gift cards")
        # The interface speaks the page's language whatever the browser says ("Search"
        # is in the catalogues already).
        page = self.client.get("/help/ru/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "Найти</button>")

    def test_the_root_picks_the_language_of_the_browser(self):
        for header, language in (
            ("ru-RU,ru;q=0.9", "ru"),
            ("zh-CN,zh;q=0.9", "zh-hans"),
            ("de-DE", "en"),
        ):
            response = self.client.get("/help/", HTTP_ACCEPT_LANGUAGE=header)
            self.assertRedirects(response, f"/help/{language}/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/help/fr/").status_code, 404)
        self.assertEqual(help_centre_url("zh-CN"), "http://127.0.0.1:8000/help/zh-hans/")
        self.assertEqual(help_centre_url(None), "http://127.0.0.1:8000/help/en/")

    def test_an_article_missing_in_a_language_sends_the_reader_to_one_that_exists(self):
        response = self.client.get(f"/help/ru/a/{self.uncategorised.pk}/")
        self.assertRedirects(response, f"/help/en/a/{self.uncategorised.pk}/")

    def search(self, language, q, queries=2):
        with self.assertNumQueries(queries):  # the index; the translations found
            response = self.client.get(f"/help/{language}/search/", {"q": q})
        self.assertEqual(response.status_code, 200)
        return response

    def test_search_finds_inflected_russian_chinese_inside_text_and_english_stems(self):
        response = self.search("ru", "заказы придут")  # заказ, прийти
        self.assertContains(response, "Когда придёт мой заказ?")
        self.assertContains(response, "<mark>")
        self.assertNotContains(response, "Как вернуть товар")
        # One word only in the other article: any word when none has them all.
        self.assertContains(self.search("ru", "вернуть товары"), "Как вернуть товар")
        # 送达 inside unsegmented 订单通常在三到五个工作日内送达
        response = self.search("zh-hans", "送达")
        self.assertContains(response, "我的订单什么时候到？")
        self.assertNotContains(response, "如何退货")
        self.assertContains(self.search("zh-hans", "退货"), "如何退货")
        response = self.search("en", "returning items")
        self.assertContains(response, "How to return an item")
        # In the page's language only.
        self.assertNotContains(self.search("en", "退货", queries=1), "如何退货")
        self.assertContains(self.search("en", "nothing-like-this", queries=2), "No article matches")

    def test_feedback_needs_the_csrf_token_and_is_counted_for_agents(self):
        client = Client(enforce_csrf_checks=True)
        url = f"/help/ru/a/{self.returns.pk}/"
        self.assertEqual(client.post(url + "feedback/", {"helpful": "yes"}).status_code, 403)
        client.get(url)
        token = client.cookies["csrftoken"].value
        response = client.post(
            url + "feedback/",
            {"helpful": "no", "comment": "Нет адреса пункта выдачи", "csrfmiddlewaretoken": token},
        )
        self.assertRedirects(response, url + "?thanks=0")
        self.assertContains(client.get(url + "?thanks=0"), 'role="status"')
        # The same visitor changing their mind replaces their answer.
        client.post(url + "feedback/", {"helpful": "yes", "csrfmiddlewaretoken": token})
        feedback = Feedback.objects.get()
        self.assertEqual((feedback.helpful, feedback.translation.language), (True, "ru"))
        self.assertEqual(feedback.comment, "Нет адреса пункта выдачи")
        Client().post(f"/help/en/a/{self.returns.pk}/feedback/", {"helpful": "no"})

        self.login(self.bob)
        page = self.client.get(f"/kb/{self.returns.pk}/?lang=ru")
        self.assertContains(page, "Нет адреса пункта выдачи")
        self.assertContains(page, "Русский: 👍 1 · 👎 0")
        self.assertContains(page, "English: 👍 0 · 👎 1")
        self.assertContains(self.client.get("/kb/"), "👍 1 · 👎 1")

    def test_feedback_is_limited_per_visitor_and_ignores_bots(self):
        client = Client()
        articles = [make_article(self.alice, self.sam) for _ in range(actions.FEEDBACK_PER_HOUR)]
        for article in [self.returns, *articles]:
            client.post(f"/help/en/a/{article.pk}/feedback/", {"helpful": "yes"})
        self.assertEqual(Feedback.objects.count(), actions.FEEDBACK_PER_HOUR)
        response = client.post(f"/help/en/a/{articles[-1].pk}/feedback/", {"helpful": "no"})
        self.assertRedirects(response, f"/help/en/a/{articles[-1].pk}/?limited=1")
        Client().post(
            f"/help/en/a/{self.shipping.pk}/feedback/", {"helpful": "yes", "website": "x"}
        )
        self.assertFalse(Feedback.objects.filter(translation__article=self.shipping).exists())
