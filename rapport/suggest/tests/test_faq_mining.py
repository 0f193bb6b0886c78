"""FAQ mining (KN1, KN2): questions grouped by similarity per language, paraphrases together
and different questions apart; answered clusters found; a draft article in one click."""

import io

from django.core.management import call_command
from django.urls import reverse

from rapport.jobs.periodic import autodiscover
from rapport.kb.models import Article
from rapport.kb.models import Status as ArticleStatus
from rapport.suggest.actions import cluster_questions, do_mine_faq
from rapport.suggest.models import ClusterStatus, FaqCluster, FaqQuestion, MiningState
from rapport.test import BaseTestCase, receive
from rapport.tickets.coaching import analyse

from .helpers import ask, published

PARAPHRASES = {
    "en": [
        "How do I return an item?",
        "How can I return the item I bought?",
        "Hi! I would like to return this item, how?",
    ],
    "ru": [
        "Как вернуть товар?",
        "Здравствуйте, хочу вернуть товары — как это сделать?",
        "Подскажите, можно ли вернуть купленный товар?",
    ],
    "zh": ["怎么退货？", "你好，我想退货，怎么办？", "请问如何办理退货？"],
}
OTHERS = {  # a different question, and one that shares a word with another (заказ, 订单)
    "en": ["How do I reset my password?", "Where is my order?", "Can I cancel my order?"],
    "ru": ["Как сменить пароль?", "Где мой заказ?", "Как отменить заказ?"],
    "zh": ["怎么修改密码？", "我的订单什么时候到？", "怎么取消订单？"],
}


class ClusteringTest(BaseTestCase):
    def test_paraphrases_group_together_and_other_questions_stay_apart_in_each_language(self):
        for language in ("en", "ru", "zh"):
            texts = PARAPHRASES[language] + OTHERS[language]
            found = cluster_questions([(t, language) for t in texts])
            same = {c.pk for c in found[:3]}
            self.assertEqual(len(same), 1, f"{language}: paraphrases split {found[:3]}")
            others = {c.pk for c in found[3:]}
            self.assertEqual(len(others), 3, f"{language}: different questions merged")
            self.assertFalse(same & others, language)
            self.assertEqual(found[0].size, 3)

    def test_languages_are_clustered_apart(self):
        found = cluster_questions(
            [("How do I return an item?", "en"), ("Как вернуть товар?", "ru")]
        )
        self.assertNotEqual(found[0].pk, found[1].pk)
        self.assertEqual({c.language for c in found}, {"en", "ru"})

    def test_a_cluster_is_titled_by_its_first_question_without_the_greeting(self):
        found = cluster_questions(
            [("Hi, how do I reset my password?", "en"), ("你好，我想退货，怎么退款？", "zh")]
        )
        self.assertEqual(
            [c.title for c in found], ["How do I reset my password?", "我想退货，怎么退款？"]
        )

    def test_a_question_without_topic_words_founds_nothing(self):
        self.assertEqual(cluster_questions([("Hello, can you help me?", "en")]), [None])


class MiningJobTest(BaseTestCase):
    def test_an_unread_message_holds_the_position_but_later_ones_are_mined(self):
        unread = receive(
            external_id="<u@x>", sender="u@example.com", body_text="Как вернуть товар?"
        )
        ask("Как вернуть товар?", sender="w@example.com", n=1)
        self.assertEqual(do_mine_faq().questions, 1)
        self.assertLess(MiningState.objects.get().last_message_id, unread.pk)
        self.assertEqual(do_mine_faq().questions, 0)  # the later one is not mined twice
        analyse(unread)
        self.assertEqual(do_mine_faq().questions, 1)
        self.assertEqual(FaqCluster.objects.get().size, 2)

    def _ask_returns(self):
        for n, text in enumerate(PARAPHRASES["ru"]):
            ask(text, sender=f"r{n}@example.com", n=n)
        ask("Как сменить пароль?", sender="p@example.com", n=9)

    def test_the_job_mines_each_analysed_question_once(self):
        self._ask_returns()
        report = do_mine_faq()
        self.assertEqual(report.questions, 4)
        cluster = FaqCluster.objects.get(language="ru", size=3)
        self.assertEqual(cluster.title, "Как вернуть товар?")
        self.assertEqual(cluster.questions.count(), 3)
        self.assertEqual(cluster.status, ClusterStatus.OPEN)
        again = do_mine_faq()
        self.assertEqual(again.questions, 0)
        self.assertEqual(FaqQuestion.objects.count(), 4)

    def test_a_question_an_article_answers_is_not_suggested(self):
        published(
            "Как вернуть товар",
            "Чтобы вернуть товар, откройте заказ и нажмите «Вернуть».",
            "ru",
            author=self.alice,
            publisher=self.sam,
        )
        self._ask_returns()
        do_mine_faq()
        returns = FaqCluster.objects.get(size=3)
        password = FaqCluster.objects.get(size=1)
        self.assertEqual(returns.status, ClusterStatus.ANSWERED)
        self.assertIsNotNone(returns.article_id)
        self.assertEqual(password.status, ClusterStatus.OPEN)

    def test_the_command_and_the_scheduler_run_it(self):
        self._ask_returns()
        out = io.StringIO()
        call_command("faq_mine", stdout=out)
        self.assertIn("4 questions mined", out.getvalue())
        self.assertIn("rapport.suggest.tasks.mine_faq_task", autodiscover())


class FaqPageTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n, text in enumerate(PARAPHRASES["zh"]):
            ask(text, sender=f"z{n}@example.com", n=n)
        do_mine_faq()
        cls.cluster = FaqCluster.objects.get(size=3)

    def test_a_supervisor_sees_the_suggested_faq_with_counts_and_examples(self):
        self.login(self.sam)
        response = self.client.get(reverse("faq"))
        self.assertContains(response, "怎么退货？")
        self.assertContains(
            response, f'href="{reverse("ticket", args=[self.cluster.questions.first().ticket_id])}"'
        )
        self.assertEqual(list(response.context["clusters"]), [self.cluster])

    def test_agents_and_outsiders_cannot_open_it_or_act_on_it(self):
        for user in (self.alice, self.charlie):
            self.login(user)
            self.assertEqual(self.client.get(reverse("faq")).status_code, 403)
            url = reverse("faq-draft", args=[self.cluster.pk])
            self.assertEqual(self.client.post(url).status_code, 403)
            url = reverse("faq-dismiss", args=[self.cluster.pk])
            self.assertEqual(self.client.post(url).status_code, 403)
        self.assertEqual(FaqCluster.objects.get().status, ClusterStatus.OPEN)

    def test_one_click_makes_a_draft_article_in_the_questions_language(self):
        self.login(self.sam)
        self.client.post(reverse("faq-draft", args=[self.cluster.pk]))
        self.client.post(reverse("faq-draft", args=[self.cluster.pk]))  # a double click
        article = Article.objects.get()
        self.assertEqual(article.status, ArticleStatus.DRAFT)
        translation = article.translations.get()
        self.assertEqual(translation.language, "zh-hans")
        self.assertEqual(translation.title, "怎么退货？")
        self.assertIn("我想退货", translation.body)
        cluster = FaqCluster.objects.get()
        self.assertEqual((cluster.status, cluster.article_id), (ClusterStatus.DRAFTED, article.pk))
        self.assertNotContains(self.client.get(reverse("faq")), "怎么退货？")

    def test_a_dismissed_cluster_leaves_the_list_and_keeps_its_paraphrases(self):
        self.login(self.sam)
        self.client.post(reverse("faq-dismiss", args=[self.cluster.pk]))
        self.assertNotContains(self.client.get(reverse("faq")), "怎么退货？")
        ask("这个能退货吗？", sender="z9@example.com", n=9)
        do_mine_faq()
        cluster = FaqCluster.objects.get()
        self.assertEqual((cluster.status, cluster.size), (ClusterStatus.DISMISSED, 4))
        self.client.post(reverse("faq-restore", args=[self.cluster.pk]))
        self.assertContains(self.client.get(reverse("faq")), "怎么退货？")
