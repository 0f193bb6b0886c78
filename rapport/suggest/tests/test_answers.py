"""Answer suggestions (KN6): articles in the customer's language and similar solved tickets
the agent may open, in ru/zh/en, loaded after the ticket page, insertable, escaped."""

from django.urls import reverse

from rapport.kb.models import Visibility
from rapport.suggest.answers import suggestions_for
from rapport.test import BaseTestCase
from rapport.tickets import actions

from .helpers import ask, published, solved_with_answer

CASES = {
    "en": {
        "article": (
            "How to return an item",
            "To return an item, open your order and press Return.",
        ),
        "solved": (
            "My lamp is broken, can I return the item?",
            "Yes: open the order and press Return.",
        ),
        "other": ("How do I change my delivery address?", "Edit it in your profile."),
        "new": "Hello, I want to return an item I bought last week. How?",
    },
    "ru": {
        "article": (
            "Как вернуть товар",
            "Чтобы вернуть товар, откройте заказ и нажмите «Вернуть».",
        ),
        "solved": (
            "Лампа сломалась, можно вернуть товар?",
            "Да, откройте заказ и нажмите «Вернуть».",
        ),
        "other": ("Как изменить адрес доставки?", "Измените его в профиле."),
        "new": "Здравствуйте! Хочу вернуть товары, купленные на прошлой неделе. Как?",
    },
    "zh": {
        "article": ("如何退货", "要退货，请打开订单并点击“退货”。"),
        "solved": ("台灯坏了，可以退货吗？", "可以，打开订单点击退货即可。"),
        "other": ("怎么修改收货地址？", "在个人资料里修改。"),
        "new": "你好，我上周买的东西想退货，怎么操作？",
    },
}


class SuggestionsTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tickets = {}
        for n, (language, case) in enumerate(CASES.items()):
            kb_language = "zh-hans" if language == "zh" else language
            cls.article = published(
                *case["article"], kb_language, author=cls.alice, publisher=cls.sam
            )
            solved = solved_with_answer(
                case["solved"][0],
                case["solved"][1],
                sender=f"s-{language}@example.com",
                agent=cls.bob,
                n=n,
            )
            other = solved_with_answer(
                case["other"][0],
                case["other"][1],
                sender=f"o-{language}@example.com",
                agent=cls.bob,
                n=n,
            )
            new = ask(case["new"], sender=f"n-{language}@example.com", n=n).ticket
            cls.tickets[language] = (solved, other, new)

    def test_articles_in_the_customers_language_and_similar_solved_tickets_in_three_languages(self):
        self.login(self.alice)
        for language, case in CASES.items():
            solved, other, new = self.tickets[language]
            response = self.client.get(reverse("suggest-ticket", args=[new.pk]))
            s = response.context["suggestions"]
            titles = [a.translation.title for a in s.articles]
            self.assertEqual(titles[:1], [case["article"][0]], language)
            self.assertEqual(len(titles), 1, f"{language}: other languages' articles")
            self.assertEqual([t.ticket.pk for t in s.tickets], [solved.pk], language)
            self.assertEqual(s.tickets[0].answer, case["solved"][1])
            self.assertContains(response, "suggest-insert")
            self.assertContains(response, case["solved"][1].replace("“", "&ldquo;")[:6])

    def test_an_outsider_gets_nothing_of_support(self):
        _solved, _other, new = self.tickets["en"]
        self.login(self.charlie)
        self.assertEqual(self.client.get(reverse("suggest-ticket", args=[new.pk])).status_code, 404)
        # Charlie's own ticket asking the same: Support's solved tickets are not his to see.
        mine = ask(CASES["en"]["new"], sender="c-en@example.com", n=7).ticket
        actions.check_assign(mine, team=self.billing, assignee=None, actor=self.sam)
        suggestions = suggestions_for(mine, self.charlie)
        self.assertEqual(suggestions.tickets, [])
        self.assertEqual(len(suggestions.articles), 1)  # public articles are for everyone

    def test_internal_articles_of_a_team_are_not_suggested_to_others(self):
        published(
            "Internal: refunds over 100 euros",
            "Returns above 100 euros need Sam. Return item.",
            "en",
            author=self.alice,
            publisher=self.sam,
            visibility=Visibility.INTERNAL,
        )
        _solved, _other, new = self.tickets["en"]
        for_alice = [a.translation.title for a in suggestions_for(new, self.alice).articles]
        self.assertIn("Internal: refunds over 100 euros", for_alice)

    def test_the_ticket_page_loads_the_panel_lazily(self):
        _solved, _other, new = self.tickets["ru"]
        self.login(self.alice)
        response = self.client.get(reverse("ticket", args=[new.pk]))
        self.assertContains(response, f'hx-get="{reverse("suggest-ticket", args=[new.pk])}"')
        self.assertContains(response, "suggest/suggest.js")

    def test_inserted_text_is_escaped(self):
        ticket = solved_with_answer(
            "Can I return the item? <b>now</b>",
            "<script>alert(1)</script> return item ok",
            sender="x@example.com",
            agent=self.bob,
            n=8,
        )
        _solved, _other, new = self.tickets["en"]
        self.login(self.alice)
        response = self.client.get(reverse("suggest-ticket", args=[new.pk]))
        self.assertIn(ticket.pk, [t.ticket.pk for t in response.context["suggestions"].tickets])
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
