"""Purchases (FB3, FB7): CSV files from real-world shops in three encodings with bad rows, a
re-run without duplicates, the JSON endpoint, a purchase starting a follow-up, cross-sell on
the customer card."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.customers.models import Identity
from rapport.followups.models import (
    FollowUp,
    FollowUpRule,
    Kind,
    Purchase,
    PurchaseFeed,
    PurchaseImport,
    RelatedProduct,
    Trigger,
)
from rapport.followups.purchases import do_import_csv

from .base import FollowupsTestCase

FIXTURES = Path(__file__).parent / "fixtures"


def _import(name: str, **kw) -> PurchaseImport:
    return do_import_csv((FIXTURES / name).read_bytes(), filename=name, **kw)


def _errors(report: PurchaseImport) -> dict[int, str]:
    return {e["row"]: e["error"] for e in report.errors}


class CsvImportTests(FollowupsTestCase):
    def test_a_utf8_shop_export_imports_good_rows_and_reports_each_bad_one(self):
        report = _import("shop_utf8.csv")
        self.assertEqual((report.encoding, report.total, report.imported), ("utf-8", 6, 2))
        errors = _errors(report)
        self.assertEqual(sorted(errors), [4, 5, 6, 7])
        self.assertIn("bad date '2026-02-30'", errors[4])
        self.assertIn("an e-mail address or a phone number is needed", errors[5])
        self.assertIn("quantity is not a number", errors[6])
        self.assertIn("external_id is missing", errors[7])
        mark = Purchase.objects.get(external_id="WEB-1002")
        self.assertEqual(
            (mark.quantity, mark.amount, mark.currency), (2, Decimal("1024.50"), "EUR")
        )
        self.assertEqual(mark.customer.name, "Mark Jones")

    def test_a_1c_export_in_windows_1251_with_semicolons_and_russian_columns(self):
        report = _import("1c_export_cp1251.csv")
        self.assertEqual((report.encoding, report.imported), ("windows-1251", 2))
        errors = _errors(report)
        self.assertIn("31.02.2026", errors[4])
        self.assertIn("smirnova@example", errors[5])
        maria = Purchase.objects.get(external_id="ЗК-000417")
        self.assertEqual(maria.product, "Кофемашина Люмен 2")
        self.assertEqual(maria.amount, Decimal("34990.00"))
        self.assertEqual(maria.customer.name, "Иванова Мария Петровна")
        by_phone = Purchase.objects.get(external_id="ЗК-000418")
        self.assertTrue(Identity.objects.filter(customer=by_phone.customer, kind="phone").exists())
        self.assertEqual(by_phone.purchased_at.hour, 12)

    def test_a_gbk_shop_export_with_chinese_columns(self):
        report = _import("taobao_gbk.csv")
        self.assertEqual((report.encoding, report.imported), ("gbk", 2))
        errors = _errors(report)
        self.assertIn("product is missing", errors[4])
        self.assertIn("昨天", errors[5])
        self.assertIn("请联系客服 is not a phone number", errors[6])
        self.assertEqual(Purchase.objects.get(external_id="TB20260302001").customer.name, "王芳")
        self.assertEqual(
            Purchase.objects.get(external_id="TB20260303002").purchased_at.date().isoformat(),
            "2026-03-03",
        )

    def test_a_re_run_imports_nothing_twice(self):
        _import("shop_utf8.csv")
        again = _import("shop_utf8.csv")
        self.assertEqual((again.imported, again.duplicates, len(again.errors)), (0, 2, 4))
        self.assertEqual(Purchase.objects.count(), 2)

    def test_missing_columns_and_a_wrong_explicit_encoding_are_reported(self):
        report = _import("missing_columns.csv")
        self.assertEqual(report.imported, 0)
        self.assertIn("Missing columns: purchased_at, email/phone", report.errors[0]["error"])
        report = _import("taobao_gbk.csv", encoding="utf-8")
        self.assertIn("not in utf-8", report.errors[0]["error"])
        self.assertFalse(Purchase.objects.exists())

    def test_the_import_page_is_for_supervisors_and_shows_the_report(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/followups/purchases/import/").status_code, 403)
        self.login(self.sam)
        upload = SimpleUploadedFile(
            "1c.csv", (FIXTURES / "1c_export_cp1251.csv").read_bytes(), "text/csv"
        )
        response = self.client.post(
            "/followups/purchases/import/", {"file": upload, "encoding": "auto"}, follow=True
        )
        self.assertContains(response, "windows-1251")
        self.assertContains(response, "31.02.2026")


class PurchaseFollowUpAndApiTests(FollowupsTestCase):
    def test_a_purchase_of_a_product_starts_its_follow_up(self):
        FollowUpRule.objects.create(
            team=self.support,
            name="Call after a coffee machine",
            trigger=Trigger.PURCHASE,
            category="coffee machines",
            delay_days=14,
            kind=Kind.TASK,
            task_text="Call {name}: is the {product} working well?",
        )
        feed = PurchaseFeed.objects.create(name="Web shop")
        body = {
            "purchases": [
                {
                    "external_id": "API-1",
                    "purchased_at": "2030-01-10T12:00:00+00:00",
                    "email": "carol@example.com",
                    "product": "Espresso machine Lumen 2",
                    "category": "Coffee machines",
                },
                {"external_id": "API-2", "email": "x@example.com"},
            ]
        }
        response = self.client.post(
            "/followups/api/purchases/",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {feed.token}"},
        )
        self.assertEqual(response.status_code, 207)
        first, second = response.json()["results"]
        self.assertEqual((first["status"], first["customer"]), ("created", self.carol.pk))
        self.assertIn("product is missing", second["error"])
        item = FollowUp.objects.get()
        self.assertEqual(item.text, "Call Carol: is the Espresso machine Lumen 2 working well?")
        self.assertEqual(item.due_at.date().isoformat(), "2030-01-24")
        # The same order posted again: no second purchase, no second follow-up.
        response = self.client.post(
            "/followups/api/purchases/",
            json.dumps(body["purchases"][0]),
            content_type="application/json",
            headers={"Authorization": f"Bearer {feed.token}"},
        )
        self.assertEqual(response.json()["results"][0]["status"], "duplicate")
        self.assertEqual(FollowUp.objects.count(), 1)

    def test_the_endpoint_refuses_without_a_valid_token(self):
        PurchaseFeed.objects.create(name="Old shop", is_active=False, token="old-token")
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "Bearer old-token"},
        ):
            response = self.client.post(
                "/followups/api/purchases/", "{}", content_type="application/json", headers=headers
            )
            self.assertEqual(response.status_code, 403)
        self.login(self.alice)  # an agent's session is not enough
        response = self.client.post(
            "/followups/api/purchases/", "{}", content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Purchase.objects.exists())


class CrossSellTests(FollowupsTestCase):
    def test_related_products_are_suggested_on_the_card_and_not_what_was_bought(self):
        _import("shop_utf8.csv")  # Carol's row is bad (quantity): give her one by the API path
        from rapport.followups.purchases import Row, do_store_purchase, parse_date

        do_store_purchase(
            Row(
                external_id="C-1",
                purchased_at=parse_date("2026-03-01"),
                product="Espresso machine Lumen 2",
                email="carol@example.com",
                sku="LM-ESP2",
                category="coffee machines",
            ),
            source="manual",
        )
        RelatedProduct.objects.create(
            when_sku="LM-ESP2",
            product="Descaler (3 pack)",
            sku="LM-DSC3",
            why="Hard water blocks the machine within months",
        )
        RelatedProduct.objects.create(
            when_category="coffee machines", product="Espresso machine Lumen 2", sku="LM-ESP2"
        )
        RelatedProduct.objects.create(when_sku="LM-G1", product="Grinder brush")
        self.login(self.alice)
        response = self.client.get(f"/customers/{self.carol.pk}/")
        self.assertContains(response, "Descaler (3 pack)")
        self.assertContains(response, "Hard water blocks the machine within months")
        self.assertNotContains(response, "Grinder brush")  # she did not buy a grinder
        self.assertContains(response, "never sent by itself")
        # Charlie (Billing) cannot open Carol's card at all.
        self.login(self.charlie)
        self.assertEqual(self.client.get(f"/customers/{self.carol.pk}/").status_code, 404)
