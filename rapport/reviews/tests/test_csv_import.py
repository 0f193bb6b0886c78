"""CSV imports (CH7, FB5): three encodings, real-world-shaped exports (Yandex Maps in
Windows-1251 with Russian headers and semicolons, Dianping in GBK with Chinese headers, Google
in UTF-8 with a BOM), a per-row error report, bad rows kept in quarantine, re-runs without
duplicates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.reviews.actions import import_csv
from rapport.reviews.models import Review
from rapport.test import BaseTestCase
from rapport.tickets.models import Ticket

from .helpers import fixture, make_source

MSK = ZoneInfo("Europe/Moscow")
SHANGHAI = ZoneInfo("Asia/Shanghai")


class CsvImportTests(BaseTestCase):
    def test_it_imports_a_windows_1251_export_and_reports_each_bad_row(self):
        source = make_source("Yandex Maps", team=self.support)
        tickets_before = Ticket.objects.count()
        report = import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow")
        self.assertEqual(report.error, "")
        self.assertEqual(report.encoding, "windows-1251")
        self.assertEqual(report.imported, 2)
        errors = {row.line: " ".join(row.errors) for row in report.errors}
        self.assertEqual(sorted(errors), [4, 5, 6])
        self.assertIn("32.03.2025", errors[4])  # a bad date
        self.assertIn("Автор", errors[5])  # the row stops before the author column
        self.assertIn("9", errors[6])  # a rating out of range
        angry = Review.objects.get(source=source, external_id="ya-1001")
        self.assertEqual(angry.author, "Иван П.")
        self.assertEqual(angry.rating, 1)
        self.assertEqual(angry.posted_at, datetime(2025, 3, 12, 14, 20, tzinfo=MSK))
        self.assertTrue(angry.text.startswith("Ужасный сервис!"))
        self.assertEqual(angry.ticket.team, self.support)
        # Bad rows are kept raw, quarantined with their reasons (nothing is lost).
        quarantined = InboundRaw.objects.filter(channel="review", state=RawState.QUARANTINED)
        self.assertEqual(quarantined.count(), 3)
        self.assertEqual(Ticket.objects.count(), tickets_before + 2)

        again = import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow")
        self.assertEqual((again.imported, again.duplicates, len(again.errors)), (0, 2, 3))
        self.assertEqual(Review.objects.count(), 2)
        self.assertEqual(InboundRaw.objects.filter(channel="review").count(), 5)
        self.assertEqual(Ticket.objects.count(), tickets_before + 2)

    def test_a_corrected_row_replaces_its_quarantined_copy(self):
        source = make_source("Yandex Maps", team=self.support)
        import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow")
        fixed = fixture("yandex_cp1251.csv").replace(b"32.03.2025", b"31.03.2025")
        report = import_csv(source, fixed, tz="Europe/Moscow")
        self.assertEqual(report.imported, 1)
        self.assertEqual(len(report.errors), 2)
        self.assertTrue(Review.objects.filter(external_id="ya-1003").exists())
        raw = InboundRaw.objects.get(channel="review", external_id=f"{source.pk}:ya-1003")
        self.assertEqual(raw.state, RawState.PROCESSED)

    def test_it_imports_a_gbk_export_with_chinese_headers(self):
        source = make_source("Dianping", team=self.support)
        report = import_csv(source, fixture("dianping_gbk.csv"), tz="Asia/Shanghai")
        self.assertEqual(report.encoding, "gbk")
        self.assertEqual(report.imported, 2)
        self.assertEqual([row.line for row in report.errors], [4])  # neither rating nor text
        good = Review.objects.get(external_id="dp-501")
        self.assertEqual(good.rating, 5)  # 4.5 stars round to 5
        self.assertEqual(good.author, "张伟")
        self.assertEqual(good.posted_at, datetime(2025, 3, 5, tzinfo=SHANGHAI))
        bad = Review.objects.get(external_id="dp-502")
        self.assertTrue(bad.negative)
        self.assertEqual(bad.language, "zh")  # detected by the coach

    def test_it_links_a_review_to_the_customer_whose_identity_matches(self):
        source = make_source("Google", team=self.support)
        report = import_csv(source, fixture("google_utf8.csv"))
        self.assertEqual(report.encoding, "utf-8")
        self.assertEqual(report.imported, 3)
        self.assertEqual([row.line for row in report.errors], [5])  # "not a date"
        carols = Review.objects.get(external_id="g-1")
        self.assertEqual(carols.customer, self.carol)
        self.assertEqual(carols.ticket.customer, self.carol)
        # A row without an id gets one from its content: a re-run does not duplicate it.
        self.assertTrue(Review.objects.filter(external_id__startswith="sha256:").exists())
        again = import_csv(source, fixture("google_utf8.csv"))
        self.assertEqual((again.imported, again.duplicates), (0, 3))
        self.assertEqual(Review.objects.count(), 3)

    def test_a_file_without_a_rating_or_text_column_imports_nothing(self):
        source = make_source()
        report = import_csv(source, b"name,date\nIvan,2025-01-01\n")
        self.assertIn("rating", report.error)
        self.assertEqual(report.rows, [])

    def test_a_forced_wrong_encoding_is_reported(self):
        source = make_source()
        report = import_csv(source, fixture("yandex_cp1251.csv"), encoding="utf-8")
        self.assertIn("utf-8", report.error)
        self.assertEqual(Review.objects.count(), 0)

    def test_the_import_page_shows_the_report(self):
        source = make_source("Yandex Maps", team=self.support)
        self.login(self.alice)
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("reviews.csv", fixture("yandex_cp1251.csv"), "text/csv")
        response = self.client.post(
            "/reviews/import/", {"source": source.pk, "encoding": "auto", "file": upload}
        )
        self.assertContains(response, "import-report")
        self.assertContains(response, "32.03.2025")
        # Charlie (Billing) may not import into a Support source.
        self.login(self.charlie)
        upload.seek(0)
        response = self.client.post(
            "/reviews/import/", {"source": source.pk, "encoding": "auto", "file": upload}
        )
        self.assertNotContains(response, "import-report")
        self.assertEqual(Review.objects.count(), 2)


class DeferredImportTests(BaseTestCase):
    def test_a_deferred_import_stores_rows_for_the_intake_worker(self):
        source = make_source("Yandex Maps", team=self.support)
        report = import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow", defer=True)
        self.assertEqual((report.accepted, len(report.errors)), (2, 3))  # reasons known now
        self.assertEqual(Review.objects.count(), 0)
        self.assertEqual(do_drain(), 2)
        self.assertEqual(
            set(Review.objects.values_list("external_id", flat=True)), {"ya-1001", "ya-1002"}
        )
        self.assertEqual(
            InboundRaw.objects.filter(channel="review", state=RawState.QUARANTINED).count(), 3
        )
        again = import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow", defer=True)
        self.assertEqual((again.accepted, again.duplicates, len(again.errors)), (0, 2, 3))
        fixed = fixture("yandex_cp1251.csv").replace(b"32.03.2025", b"31.03.2025")
        self.assertEqual(import_csv(source, fixed, tz="Europe/Moscow", defer=True).accepted, 1)
        self.assertEqual(do_drain(), 1)
        self.assertTrue(Review.objects.filter(external_id="ya-1003").exists())


class EditedReviewTests(BaseTestCase):
    def test_a_review_edited_on_the_site_updates_the_review_on_its_ticket(self):
        source = make_source("Yandex Maps", team=self.support)
        import_csv(source, fixture("yandex_cp1251.csv"), tz="Europe/Moscow")
        first = Review.objects.get(external_id="ya-1001")
        edited_text = "Исправляю оценку: заказ довезли, извинились, вернули деньги за доставку."
        edited = (
            fixture("yandex_cp1251.csv")
            .decode("cp1251")
            .replace(
                'ya-1001;1;"Ужасный сервис! Курьер опоздал на три часа, а оператор бросил трубку. '
                'Больше никогда не закажу."',
                f"ya-1001;4;{edited_text}",
            )
            .encode("cp1251")
        )
        report = import_csv(source, edited, tz="Europe/Moscow")
        self.assertEqual((report.updated, report.duplicates, report.imported), (1, 1, 0))
        review = Review.objects.get(external_id="ya-1001")
        self.assertEqual((review.pk, review.rating, review.text), (first.pk, 4, edited_text))
        self.assertIsNotNone(review.edited_at)
        self.assertFalse(review.negative)
        self.assertIsNone(review.due_at)
        # The edit is a message on the same ticket, after the first version.
        bodies = list(
            review.ticket.messages.order_by("created_at").values_list("body_text", flat=True)
        )
        self.assertEqual(len(bodies), 2)
        self.assertEqual(bodies[1], edited_text)
        # Importing the edited file again changes nothing.
        again = import_csv(source, edited, tz="Europe/Moscow")
        self.assertEqual((again.updated, again.duplicates), (0, 2))
        self.assertEqual(review.ticket.messages.count(), 2)
