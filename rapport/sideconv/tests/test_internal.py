"""Internal customers (CH8): colleagues who write in through the ordinary channels are created
as internal customers of their department, their tickets are marked, filterable, searchable
and reported apart from external customers."""

from __future__ import annotations

from django.urls import reverse

from rapport.customers.models import Customer, CustomerKind
from rapport.reports.actions import do_update_rollups
from rapport.sideconv.departments import do_save_department
from rapport.sideconv.models import Department
from rapport.test import BaseTestCase, receive
from rapport.tickets.models import Ticket

BADGE = 'class="badge internal"'


class InternalCustomersTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.company = do_save_department(Department(name="Our company", domains="corp.test"))
        cls.finance = do_save_department(
            Department(
                name="Финансы",
                email="finance@corp.test",
                domains="finance.corp.test, @corp-fin.test\nboss@corp.test",
            )
        )
        cls.anna = receive(
            sender="anna@kiev.finance.corp.test",
            sender_name="Анна",
            subject="Счёт для поставщика",
            external_id="<anna-1@corp.test>",
        ).ticket
        cls.it_request = receive(
            sender="IT@Corp.test", subject="打印机坏了", external_id="<it-1@corp.test>"
        ).ticket

    def test_colleagues_writing_in_become_internal_customers_of_their_department(self):
        anna = self.anna.customer
        self.assertEqual(anna.kind, CustomerKind.INTERNAL)
        self.assertEqual(anna.organisation.name, "Финансы")
        it = self.it_request.customer
        self.assertEqual((it.kind, it.organisation.name), (CustomerKind.INTERNAL, "Our company"))
        # The most specific entry wins: an address listed under Finance, in the company domain.
        boss = receive(sender="boss@corp.test", external_id="<boss-1@corp.test>").customer
        self.assertEqual(boss.organisation.name, "Финансы")
        # Any channel that knows an e-mail address: the contact form too.
        form = receive(channel="webform", sender="olga@corp-fin.test", body_text="Нужен отчёт")
        self.assertEqual(form.customer.kind, CustomerKind.INTERNAL)
        # Everyone else stays an external customer; look-alike domains too.
        self.assertEqual(self.carol.kind, CustomerKind.EXTERNAL)
        for sender in ("eve@notcorp.test", "eve@corp.test.evil.example"):
            message = receive(sender=sender, external_id=f"<{sender}>")
            self.assertEqual(message.customer.kind, CustomerKind.EXTERNAL, sender)

    def test_existing_profiles_are_marked_when_a_department_is_added(self):
        older = receive(sender="pavel@warehouse.test", external_id="<p-1@warehouse.test>").customer
        self.assertEqual(older.kind, CustomerKind.EXTERNAL)
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("side-departments")).status_code, 403)
        self.login(self.sam)
        response = self.client.post(
            reverse("side-departments"),
            {"name": "Склад", "email": "sklad@warehouse.test", "domains": "warehouse.test"},
        )
        self.assertEqual(response.status_code, 302)
        dept = Department.objects.get(name="Склад")
        self.client.post(reverse("side-departments"), {"apply": dept.pk})
        older.refresh_from_db()
        self.assertEqual(older.kind, CustomerKind.INTERNAL)
        self.assertEqual(older.organisation, dept.organisation)
        self.assertEqual(Customer.objects.get(pk=self.carol.pk).kind, CustomerKind.EXTERNAL)
        # Its address is offered for side conversations on the ticket page.
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "Склад")

    def test_internal_tickets_are_marked_and_filtered_in_the_inbox(self):
        self.login(self.alice)
        inbox = self.client.get(reverse("inbox"))
        self.assertContains(inbox, BADGE, count=2)
        internal = self.client.get(reverse("inbox"), {"kind": "internal"})
        self.assertContains(internal, "Счёт для поставщика")
        self.assertNotContains(internal, "Where is my order?")
        external = self.client.get(reverse("inbox"), {"kind": "external"})
        self.assertContains(external, "Where is my order?")
        self.assertNotContains(external, BADGE)
        page = self.client.get(reverse("ticket", args=[self.anna.pk]))
        self.assertContains(page, BADGE)
        self.assertNotContains(
            self.client.get(reverse("ticket", args=[self.carol_ticket.pk])), BADGE
        )

    def test_search_kind_internal(self):
        self.login(self.alice)
        found = self.client.get(reverse("search"), {"q": "kind:internal"})
        self.assertContains(found, "Счёт для поставщика")
        self.assertNotContains(found, "Where is my order?")
        found = self.client.get(reverse("search"), {"q": "order kind:external"})
        self.assertContains(found, "Where is my order?")
        wrong = self.client.get(reverse("search"), {"q": "kind:partner"})
        self.assertContains(wrong, "Unknown kind", status_code=400)

    def test_reports_show_internal_and_external_requests_apart(self):
        do_update_rollups()
        self.login(self.sam)
        for name, table in (("reports", "kinds"), ("reports-baseline", "baseline-kinds")):
            page = self.client.get(reverse(name), {"period": "30"}).content.decode()
            self.assertIn(table, page)
            self.assertRegex(page, r"Internal \(colleague")
            self.assertIn("External", page)
        only_internal = self.client.get(reverse("reports"), {"period": "30", "kind": "internal"})
        self.assertEqual(only_internal.status_code, 200)
        self.assertEqual(Ticket.objects.filter(customer__kind="internal").count(), 2)
