"""Search: normalised matching in three languages, the query language, permissions,
highlighting, transactions and the rebuild (docs/search.md). Runs on SQLite and on PostgreSQL
(DATABASE_URL): both backends must give these same answers."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from rapport.customers.actions import do_merge_customers
from rapport.search.models import Kind, SearchDocument
from rapport.search.normalise import index_strings
from rapport.search.service import search
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import (
    do_add_note,
    do_assign,
    do_change_status,
    do_merge_tickets,
    do_reply,
    do_set_tags,
    do_split_message,
)


def tickets(user, text: str) -> list[int]:
    results = search(user, text, limit=100)
    assert not results.errors, results.errors
    return [g.ticket.pk for g in results.groups if g.ticket]


class SearchTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ru = receive(
            sender="ivan@example.ru",
            sender_name="Иван Петров",
            subject="Заказ",
            body_text="Здравствуйте! Где мои заказы? Ещё ничего не пришло.",
        ).ticket
        cls.zh = receive(
            sender="li@example.cn", subject="退款", body_text="我要退款了，信用卡扣了两次"
        ).ticket
        cls.en = receive(
            sender="dave@example.com",
            subject="Double charge",
            body_text="I was charged twice and want my money refunded today.",
        ).ticket
        cls.mixed = receive(
            sender="mixed@example.com",
            subject="Order 4417",
            body_text="Заказ 4417 not delivered. 我要退货。 Please help!",
        ).ticket


class LanguageTests(SearchTestCase):
    def test_inflected_russian_finds_the_lemma(self):
        # заказ, заказа, заказов, заказы: one lemma for pymorphy3.
        for word in ("заказ", "заказа", "заказов", "заказам"):
            self.assertIn(self.ru.pk, tickets(self.alice, word), word)

    def test_russian_does_not_promise_what_lemmas_cannot_give(self):
        # оплатил → оплатить, оплата → оплата: different lemmas, not found for each other.
        receive(sender="opl@example.ru", body_text="Я оплатил вчера")
        self.assertEqual(tickets(self.alice, "оплата"), [])

    def test_e_and_yo_are_one_letter(self):
        self.assertIn(self.ru.pk, tickets(self.alice, "еще"))
        self.assertIn(self.ru.pk, tickets(self.alice, "ЕЩЁ"))

    def test_chinese_finds_a_word_inside_unsegmented_text(self):
        self.assertIn(self.zh.pk, tickets(self.alice, "退款"))
        self.assertIn(self.zh.pk, tickets(self.alice, "信用卡"))
        self.assertIn(self.zh.pk, tickets(self.alice, "两次"))
        self.assertNotIn(self.zh.pk, tickets(self.alice, "退货"))

    def test_chinese_found_however_jieba_cuts_the_text(self):
        # "款扣" is no word jieba cuts out, but the character bigrams hold it.
        self.assertIn(self.zh.pk, tickets(self.alice, "卡扣"))

    def test_english_stemming(self):
        for word in ("refund", "refunds", "refunding", "REFUNDED", "charges"):
            self.assertIn(self.en.pk, tickets(self.alice, word), word)

    def test_full_width_letters_are_folded(self):
        wide = receive(sender="wide@example.jp", body_text="ＲＥＦＵＮＤ ＮＯＷ ４４１７").ticket
        self.assertIn(wide.pk, tickets(self.alice, "refund"))
        self.assertIn(self.en.pk, tickets(self.alice, "ｒｅｆｕｎｄｅｄ"))
        self.assertIn(wide.pk, tickets(self.alice, "4417"))

    def test_a_mixed_language_ticket_is_found_in_each_language(self):
        self.assertIn(self.mixed.pk, tickets(self.alice, "заказов"))
        self.assertIn(self.mixed.pk, tickets(self.alice, "deliver"))
        self.assertIn(self.mixed.pk, tickets(self.alice, "退货"))
        self.assertEqual(tickets(self.alice, "заказ deliver 退货 4417"), [self.mixed.pk])

    def test_the_normaliser_is_the_same_for_index_and_query(self):
        self.assertEqual(index_strings("Заказов")[0], index_strings("заказ")[0])
        self.assertEqual(index_strings("Refunded")[0], index_strings("refund")[0])


class QueryLanguageTests(SearchTestCase):
    def test_a_phrase_needs_its_words_together_in_order(self):
        self.assertIn(self.en.pk, tickets(self.alice, '"charged twice"'))
        self.assertNotIn(self.en.pk, tickets(self.alice, '"twice charged"'))
        self.assertNotIn(self.en.pk, tickets(self.alice, '"charged money"'))
        self.assertIn(self.ru.pk, tickets(self.alice, "«ничего не пришло»"))

    def test_words_are_all_required_and_or_takes_either(self):
        self.assertEqual(tickets(self.alice, "charged деньги"), [])
        found = tickets(self.alice, "charged OR 退款")
        self.assertIn(self.en.pk, found)
        self.assertIn(self.zh.pk, found)

    def test_exclusion(self):
        self.assertIn(self.mixed.pk, tickets(self.alice, "заказ"))
        self.assertNotIn(self.mixed.pk, tickets(self.alice, "заказ -deliver"))
        self.assertIn(self.ru.pk, tickets(self.alice, "заказ -deliver"))

    def test_status_channel_and_tag_filters(self):
        do_change_status(self.en, "solved", actor=self.alice)
        self.assertIn(self.en.pk, tickets(self.alice, "refund status:solved"))
        self.assertNotIn(self.en.pk, tickets(self.alice, "refund status:open,new"))
        self.assertIn(self.en.pk, tickets(self.alice, "refund channel:email"))
        self.assertEqual(tickets(self.alice, "refund channel:telegram"), [])
        do_set_tags(self.en, ["billing-issue"], actor=self.alice)
        self.assertEqual(tickets(self.alice, "tag:billing-issue"), [self.en.pk])
        self.assertEqual(tickets(self.alice, "refund tag:other"), [])

    def test_customer_filter_by_name_or_email(self):
        self.assertEqual(tickets(self.alice, "заказ customer:ivan@example.ru"), [self.ru.pk])
        self.assertEqual(tickets(self.alice, 'заказ customer:"Иван Петров"'), [self.ru.pk])
        self.assertEqual(tickets(self.alice, "заказ customer:nobody@example.org"), [])

    def test_team_and_date_filters(self):
        self.assertIn(self.ru.pk, tickets(self.alice, "заказ team:support"))
        self.assertEqual(tickets(self.sam, "заказ team:billing"), [])
        self.assertIn(self.ru.pk, tickets(self.alice, "заказ after:2000-01-01"))
        self.assertEqual(tickets(self.alice, "заказ before:2000-01-01"), [])

    def test_filters_alone_list_the_matching_tickets(self):
        self.assertIn(self.zh.pk, tickets(self.alice, "customer:li@example.cn"))

    def test_a_bad_filter_is_reported_not_guessed(self):
        results = search(self.alice, "refund status:sleeping before:yesterday")
        self.assertEqual(len(results.errors), 2)
        self.assertEqual(results.groups, [])

    def test_unknown_keys_are_words(self):
        receive(sender="url@example.com", body_text="See https://shop.example.com/orders")
        self.assertEqual(len(tickets(self.alice, "https://shop.example.com")), 1)

    def test_results_are_grouped_by_ticket_and_paged_by_cursor(self):
        for i in range(5):
            receive(sender=f"p{i}@example.com", body_text=f"parcel lost number {i}")
        do_add_note(self.en, author=self.alice, body="parcel to re-send")
        first = search(self.alice, "parcel", limit=4)
        self.assertEqual(first.total, 6)
        self.assertEqual(len(first.groups), 4)
        rest = search(self.alice, "parcel", after=first.next_cursor, limit=4)
        self.assertIsNone(rest.next_cursor)
        seen = [g.key for g in first.groups + rest.groups]
        self.assertEqual(len(seen), 6)
        self.assertEqual(len(set(seen)), 6)


class PermissionTests(SearchTestCase):
    def test_charlie_of_billing_never_sees_a_support_hit(self):
        results = search(self.charlie, "заказ OR refund OR 退款 OR order")
        self.assertEqual((results.total, results.groups), (0, []))
        self.assertEqual(search(self.charlie, "customer:ivan@example.ru").total, 0)
        self.assertEqual(search(self.charlie, "Иван").total, 0)  # nor the customer profile
        self.assertEqual(search(self.charlie, "-nothing status:new").total, 0)

    def test_a_ticket_moved_to_billing_moves_its_hits_to_billing(self):
        do_assign(self.en, team=self.billing, assignee=None, actor=self.sam)
        self.assertEqual(tickets(self.charlie, "refund"), [self.en.pk])
        self.assertNotIn(self.en.pk, tickets(self.alice, "refund"))
        self.assertIn(self.en.pk, tickets(self.sam, "refund"))

    def test_a_customer_profile_is_found_by_those_who_see_their_tickets(self):
        found = search(self.alice, "dave@example.com")
        self.assertIn(self.en.customer_id, [g.customer.pk for g in found.groups if g.customer])

    def test_the_search_page_needs_a_login(self):
        response = self.client.get(reverse("search"), {"q": "refund"})
        self.assertEqual(response.status_code, 302)


class HighlightTests(SearchTestCase):
    def test_inflected_forms_are_marked_in_the_original_text(self):
        snippet = search(self.alice, "заказ customer:ivan@example.ru").groups[0]
        text = " ".join(str(h.snippet) for h in snippet.hits)
        self.assertIn("<mark>заказы</mark>", text)
        zh = search(self.alice, "退款 customer:li@example.cn").groups[0]
        self.assertIn("我要<mark>退款</mark>了", " ".join(str(h.snippet) for h in zh.hits))

    def test_html_in_a_message_is_escaped_around_the_marks(self):
        receive(sender="x@example.com", body_text='<script>alert("refund")</script> refund <b>')
        self.login(self.alice)
        response = self.client.get(reverse("search"), {"q": "refund customer:x@example.com"})
        html = response.content.decode()
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;alert(&quot;<mark>refund</mark>&quot;)&lt;/script&gt;", html)
        self.assertIn("<mark>refund</mark> &lt;b&gt;", html)


class IndexTests(SearchTestCase):
    def test_a_rolled_back_message_is_not_found(self):
        class Boom(Exception):
            pass

        with self.assertRaises(Boom), transaction.atomic():
            receive(sender="ghost@example.com", body_text="phantom shipment")
            self.assertEqual(len(tickets(self.alice, "phantom")), 1)  # same transaction
            raise Boom
        self.assertEqual(tickets(self.alice, "phantom"), [])

    def test_replies_notes_and_subjects_are_indexed(self):
        do_reply(self.ru, author=self.alice, body_text="Посылка уже в пути", deliver=False)
        do_add_note(self.zh, author=self.alice, body="Проверить платёжный шлюз")
        self.assertIn(self.ru.pk, tickets(self.alice, "посылки"))
        self.assertIn(self.zh.pk, tickets(self.alice, "платежного шлюза"))
        self.assertIn(self.en.pk, tickets(self.alice, '"double charge"'))

    def test_merged_messages_are_found_on_the_target(self):
        other = receive(sender="dave@example.com", body_text="Still waiting for the refund").ticket
        self.assertNotEqual(other.pk, self.en.pk)
        do_merge_tickets(other, self.en, actor=self.alice)
        found = search(self.alice, "waiting refund")
        self.assertEqual([g.ticket.pk for g in found.groups], [self.en.pk])

    def test_a_split_message_is_found_on_its_new_ticket(self):
        second = receive(
            sender="dave@example.com",
            external_id="<dave-2@x>",
            in_reply_to=[self.en.messages.first().external_id],
            body_text="Also my parcel never came",
        )
        self.assertEqual(second.ticket_id, self.en.pk)
        new = do_split_message(second, actor=self.alice)
        self.assertEqual(tickets(self.alice, "parcel"), [new.pk])

    def test_merged_customers_are_one_in_search(self):
        other = receive(sender="dave.work@example.com", body_text="Refund for my work order").ticket
        do_merge_customers(other.customer, self.en.customer, actor=self.sam)
        found = set(tickets(self.alice, "refund customer:dave@example.com"))
        self.assertEqual(found, {self.en.pk, other.pk})
        profiles = [g.customer.pk for g in search(self.sam, "dave").groups if g.customer]
        self.assertEqual(profiles, [self.en.customer_id])

    def test_rebuild_restores_the_index(self):
        out = io.StringIO()
        call_command("search_rebuild", "--clear", "--quiet", stdout=out)
        self.assertIn("Indexed", out.getvalue())
        SearchDocument.objects.filter(kind=Kind.MESSAGE).delete()
        self.assertEqual(tickets(self.alice, "信用卡"), [])
        out = io.StringIO()
        call_command("search_rebuild", "--batch-size", "2", stdout=out)
        self.assertIn("tickets  [", out.getvalue())
        self.assertIn("messages/s", out.getvalue())
        self.assertIn(self.zh.pk, tickets(self.alice, "信用卡"))
        self.assertIn(self.ru.pk, tickets(self.alice, "заказов"))
        counts = SearchDocument.objects.filter(kind=Kind.MESSAGE).count()
        call_command("search_rebuild", "--only", "tickets", "--quiet", stdout=io.StringIO())
        self.assertEqual(SearchDocument.objects.filter(kind=Kind.MESSAGE).count(), counts)
        self.assertEqual(tickets(self.alice, "信用卡"), [self.zh.pk])  # not doubled
        self.assert_fts_consistent()

    def assert_fts_consistent(self):
        if connection.vendor == "sqlite":  # FTS5 compares its index with the document rows
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO search_fts(search_fts, rank) VALUES('integrity-check', 1)"
                )

    def test_an_edited_message_is_found_by_its_new_words_only(self):
        message = self.en.messages.first()
        message.body_text = "Voucher instead of money, please"
        message.save()
        self.assertEqual(tickets(self.alice, "voucher"), [self.en.pk])
        self.assertEqual(tickets(self.alice, "twice"), [])
        self.assert_fts_consistent()


class PageTests(SearchTestCase):
    def test_the_page_lists_results_linking_to_tickets(self):
        self.login(self.alice)
        response = self.client.get(reverse("search"), {"q": "退款"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("ticket", args=[self.zh.pk]))
        self.assertContains(response, "<mark>")

    def test_htmx_gets_the_results_alone(self):
        self.login(self.alice)
        response = self.client.get(reverse("search"), {"q": "refund"}, HTTP_HX_REQUEST="true")
        self.assertNotContains(response, "<html")
        self.assertContains(response, reverse("ticket", args=[self.en.pk]))

    def test_a_bad_query_is_answered_400_with_the_reason(self):
        self.login(self.alice)
        response = self.client.get(reverse("search"), {"q": "status:sleeping"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "sleeping", status_code=400)
        live = self.client.get(reverse("search"), {"q": "status:sleeping"}, HTTP_HX_REQUEST="true")
        self.assertContains(live, "sleeping")  # htmx swaps 2xx only
