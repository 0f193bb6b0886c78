"""Customer list, search and page (TR6, TR7), flags from the UI (TR4), permissions."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.customers.actions import do_add_identity
from rapport.customers.models import Customer, CustomerFlag
from rapport.test import BaseTestCase, receive
from rapport.tickets import actions


class CustomerViewsTest(BaseTestCase):
    def test_search_by_name_email_and_phone(self):
        do_add_identity(self.carol, "phone", "+7 912 345-67-89", actor=self.alice)
        receive(sender="ivan@example.ru", external_id="<i@x>", sender_name="Иван Петров")
        self.login(self.alice)
        for q, expected in [
            ("carol", "Carol"),
            ("CAROL@example", "Carol"),
            ("912 345", "Carol"),
            ("Иван", "Иван Петров"),
            ("ivan@", "Иван Петров"),
        ]:
            response = self.client.get(reverse("customers"), {"q": q})
            self.assertContains(response, expected, msg_prefix=q)
        response = self.client.get(reverse("customers"), {"q": "Иван"})
        self.assertNotContains(response, ">Carol<")

    def test_the_customer_page_shows_every_contact_across_channels(self):
        do_add_identity(self.carol, "telegram", "4242", actor=self.alice)
        receive(channel="telegram", sender="4242", external_id="tg1", body_text="Из телеграма")
        actions.do_reply(self.carol_ticket, author=self.alice, body_text="Reply by e-mail")
        self.login(self.alice)
        response = self.client.get(reverse("customer", args=[self.carol.pk]))
        for text in (
            "Из телеграма",
            "Reply by e-mail",
            "Hello, my order has not arrived.",
            "Telegram",
            "4242",
        ):
            self.assertContains(response, text)

    def test_the_customer_page_query_count_is_constant(self):
        self.login(self.alice)
        url = reverse("customer", args=[self.carol.pk])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for i in range(10):
            receive(external_id=f"<c{i}@x>", subject=f"Problem {i}")
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)
        self.assertEqual(len(few), len(many))

    def test_flagging_from_the_ticket_page_returns_there(self):
        self.login(self.bob)
        ticket_url = reverse("ticket", args=[self.carol_ticket.pk])
        response = self.client.post(
            reverse("customer-flag", args=[self.carol.pk]),
            {"kind": "abusive", "reason": "Threatened the courier", "next": ticket_url},
        )
        self.assertRedirects(response, ticket_url)
        flag = CustomerFlag.objects.get()
        self.assertEqual((flag.set_by, flag.reason), (self.bob, "Threatened the courier"))

    def test_an_offsite_next_is_ignored(self):
        self.login(self.bob)
        response = self.client.post(
            reverse("customer-flag", args=[self.carol.pk]),
            {"kind": "vip", "reason": "x", "next": "https://evil.test/"},
        )
        self.assertRedirects(response, reverse("customer", args=[self.carol.pk]))

    def test_editing_the_profile(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("customer-edit", args=[self.carol.pk]),
            {
                "name": "Carol Smith",
                "kind": "internal",
                "language": "en",
                "preferred_channel": "email",
                "birthday": "1990-04-01",
                "notes": "Prefers mornings",
            },
        )
        self.assertEqual(response.status_code, 302)
        carol = Customer.objects.get(pk=self.carol.pk)
        self.assertEqual(
            (carol.name, carol.kind, str(carol.birthday)), ("Carol Smith", "internal", "1990-04-01")
        )

    def test_a_malformed_birthday_is_a_form_error(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("customer-edit", args=[self.carol.pk]),
            {"name": "Carol", "kind": "external", "birthday": "not a date"},
        )
        self.assertEqual(response.status_code, 400)

    def test_merging_profiles_from_the_page(self):
        other = receive(channel="telegram", sender="99", external_id="t9").customer
        self.login(self.alice)
        response = self.client.post(
            reverse("customer-merge", args=[self.carol.pk]), {"source": other.pk}
        )
        self.assertRedirects(response, reverse("customer", args=[self.carol.pk]))
        self.assertEqual(Customer.objects.get(pk=other.pk).merged_into, self.carol)

    def test_an_outsider_does_not_find_the_customer(self):
        self.login(self.charlie)
        response = self.client.get(reverse("customers"), {"q": "carol"})
        self.assertEqual(response.context["page"].rows, [])
        self.assertNotContains(response, "carol@example.com")
        self.assertEqual(
            self.client.get(reverse("customer", args=[self.carol.pk])).status_code, 404
        )

    def test_preferences_switch_the_language_of_the_ui(self):
        self.login(self.alice)
        self.client.post(
            reverse("preferences"),
            {
                "first_name": "Alice",
                "last_name": "",
                "language": "ru",
                "time_zone": "Europe/Moscow",
            },
        )
        self.alice.refresh_from_db()
        self.assertEqual((self.alice.language, self.alice.time_zone), ("ru", "Europe/Moscow"))
        response = self.client.get(reverse("inbox"))
        self.assertEqual(response.context["LANGUAGE_CODE"], "ru")


class CustomerPagingTest(BaseTestCase):
    def test_older_contacts_and_tickets_are_a_click_away(self):
        from rapport.customers import views

        for i in range(views.TICKETS_SHOWN + 2):
            receive(external_id=f"<p{i}@x>", subject=f"Paging problem {i}")
        self.login(self.alice)
        with mock.patch.object(views, "TIMELINE_LIMIT", 10):
            page = self.client.get(reverse("customer", args=[self.carol.pk]))
            self.assertEqual(len(page.context["contacts"]), 10)
            self.assertTrue(page.context["more_tickets"])
            older = self.client.get(
                reverse("customer", args=[self.carol.pk]),
                {"before": page.context["older_contacts"]},
            )
        first = {m.pk for m in page.context["contacts"]}
        second = {m.pk for m in older.context["contacts"]}
        self.assertEqual(len(second), 10)
        self.assertFalse(first & second)
        listing = self.client.get(reverse("inbox"), {"view": "all", "customer": self.carol.pk})
        self.assertEqual(len(listing.context["page"].rows), views.TICKETS_SHOWN + 3)

    def test_the_organisation_is_typed_and_created_when_new(self):
        self.login(self.alice)
        self.client.post(
            reverse("customer-edit", args=[self.carol.pk]),
            {"name": "Carol", "kind": "external", "organisation_name": "ООО Ромашка"},
        )
        self.carol.refresh_from_db()
        self.assertEqual(self.carol.organisation.name, "ООО Ромашка")
