"""Export everything about one customer, then erase them (#10.6; docs/privacy.md): the report
figures are the same before and after, and the customer's name, addresses and words are found
nowhere — not in any column of any table, not in the search index, not on disk."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.customers.actions import do_flag_customer, do_merge_customers, do_update_customer
from rapport.followups.actions import do_record_consent
from rapport.followups.models import Purchase
from rapport.intake.actions import InboundAttachment
from rapport.intake.models import InboundRaw
from rapport.privacy.erasure import TOMBSTONE, find_traces
from rapport.privacy.models import Action, AuditEntry, ErasureRequest, ErasureState
from rapport.reports.actions import do_rebuild
from rapport.reports.queries import Filters, report
from rapport.reports.raw import raw_cells
from rapport.reports.tests.helpers import build_desk
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets.actions import do_add_note
from rapport.tickets.models import Attachment, Event, EventKind, Message, Ticket
from rapport.webhooks.actions import EVENT_TYPES
from rapport.webhooks.models import Delivery, Endpoint

NAME = "Дан Жуков"
EMAIL = "dan@example.com"
SECRET_WORDS = ["terrible, I want a manager", "awful service", "passport 4471-XYZ"]
FILE_BYTES = b"%PDF-1.4 scan of passport 4471-XYZ for Dan"


class ExportEraseTest(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        # Stored files in a directory of this class's own: the scan for traces reads it all.
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ada = make_agent("ada", role=Role.ADMIN, first_name="Ada")
        Endpoint.objects.create(
            url="https://hooks.example.net/in", event_types=sorted(set(EVENT_TYPES.values()))
        )
        build_desk(cls)
        cls.dan = cls.tickets[0].customer
        do_update_customer(cls.dan, actor=cls.sam, name=NAME, notes="Prefers calls after 6pm")
        do_flag_customer(cls.dan, kind="vip", reason=f"{NAME} is a VIP", actor=cls.sam)
        msg = receive(
            sender=EMAIL,
            external_id="<dan-scan@example.com>",
            subject="My passport 4471-XYZ",
            body_text="Here is my passport 4471-XYZ, as asked.",
            in_reply_to=["r-0"],
            attachments=[InboundAttachment("dan-passport.pdf", FILE_BYTES, "application/pdf")],
        )
        cls.attachment = Attachment.objects.get(message=msg)
        do_add_note(cls.tickets[0], author=cls.alice, body=f"{NAME} called, upset: awful service")
        # An older profile of the same person, merged into this one: it keeps its name.
        twin = receive(sender="dan.old@example.com", external_id="<dan-0>", sender_name=NAME)
        do_merge_customers(twin.customer, cls.dan, actor=cls.sam)
        do_record_consent(cls.dan, "marketing", granted=True, source="agent", note=EMAIL)
        Purchase.objects.create(
            customer=cls.dan, external_id="ORD-1", product="Kettle", purchased_at=timezone.now()
        )

    def setUp(self):
        # Files are not rolled back with the test's transaction: put back what an erasure
        # in an earlier test deleted.
        path = self.attachment.file.name
        if not default_storage.exists(path):
            os.makedirs(os.path.dirname(default_storage.path(path)), exist_ok=True)
            with open(default_storage.path(path), "wb") as fh:
                fh.write(FILE_BYTES)

    def figures(self):
        today = timezone.localdate()
        f = Filters(start=today - timedelta(days=13), end=today)
        do_rebuild()  # the rollup, from the data as it is now
        return report(f, raw_cells), report(f)

    def test_the_export_holds_everything_and_the_files_match_their_hashes(self):
        self.login(self.ada)
        response = self.client.get(reverse("privacy-export-zip", args=[self.dan.pk]))
        self.assertEqual(response.status_code, 200)
        zf = zipfile.ZipFile(io.BytesIO(response.content))
        data = json.loads(zf.read("customer.json"))
        self.assertEqual(data["customer"]["name"], NAME)
        self.assertEqual([i["value"] for i in data["identities"]], ["dan.old@example.com", EMAIL])
        self.assertEqual(len(data["tickets"]), 3)  # one came with the merged profile
        bodies = [m["body_text"] for t in data["tickets"] for m in t["messages"]]
        self.assertTrue(any("terrible" in b for b in bodies))
        self.assertIn("awful service", data["tickets"][0]["notes"][0]["body"])
        self.assertEqual(data["surveys"][0]["level"], 2)
        self.assertEqual(data["purchases"][0]["product"], "Kettle")
        self.assertEqual(data["consents"][0]["purpose"], "marketing")
        self.assertTrue(data["promises"])
        [att] = data["attachments"]
        self.assertEqual(att["sha256"], hashlib.sha256(FILE_BYTES).hexdigest())
        self.assertEqual(zf.read(att["path_in_archive"]), FILE_BYTES)
        sums = dict(line.split("  ")[::-1] for line in zf.read("SHA256SUMS").decode().splitlines())
        for name, digest in sums.items():
            self.assertEqual(hashlib.sha256(zf.read(name)).hexdigest(), digest, name)
        html = zf.read("customer.html").decode()
        self.assertIn(NAME, html)
        self.assertIn("awful service", html)
        entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="customer")
        self.assertEqual(
            (entry.actor_id, entry.object_id, entry.ip),
            (self.ada.pk, str(self.dan.pk), "127.0.0.1"),
        )
        # The readable page, escaped: a name with markup stays text.
        do_update_customer(self.dan, actor=self.ada, name="<script>alert(1)</script>")
        page = self.client.get(reverse("privacy-export", args=[self.dan.pk]))
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertNotContains(page, "<script>alert(1)</script>")

    def test_only_administrators_export_or_erase(self):
        for user in (self.alice, self.sam, self.charlie):
            self.login(user)
            for name in ("privacy-customer", "privacy-export", "privacy-export-zip"):
                with self.subTest(user=user.username, page=name):
                    url = reverse(name, args=[self.dan.pk])
                    self.assertEqual(self.client.get(url).status_code, 403)
            response = self.client.post(
                reverse("privacy-erase", args=[self.dan.pk]), {"reason": "The customer asked."}
            )
            self.assertEqual(response.status_code, 403)
        self.assertFalse(ErasureRequest.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(action=Action.EXPORT).exists())

    def test_erasure_takes_two_steps_and_leaves_the_reports_unchanged(self):
        before_raw, before_rollup = self.figures()
        self.assertEqual(before_raw, before_rollup)
        needles = [NAME, EMAIL, "dan.old@example.com", *SECRET_WORDS, "dan-passport"]
        self.assertTrue(find_traces(needles, search_as=self.sam))  # the test can see them
        path = self.attachment.file.name
        self.assertTrue(default_storage.exists(path))

        self.login(self.ada)
        response = self.client.post(reverse("privacy-erase", args=[self.dan.pk]), {"reason": "x"})
        self.assertEqual(response.status_code, 400)  # a reason is required
        response = self.client.post(
            reverse("privacy-erase", args=[self.dan.pk]),
            {"reason": "Asked by e-mail on 2026-11-28, ticket 12 of the DPO queue."},
        )
        erasure = ErasureRequest.objects.get()
        self.assertRedirects(response, reverse("privacy-erasure", args=[erasure.pk]))
        self.assertEqual(Ticket.objects.get(pk=self.tickets[0].pk).customer.name, NAME)
        url = reverse("privacy-erasure", args=[erasure.pk])
        response = self.client.post(url, {"confirm": self.dan.pk + 1000})
        self.assertContains(response, "not this customer")  # the wrong number erases nothing
        self.assertEqual(ErasureRequest.objects.get().state, ErasureState.REQUESTED)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"confirm": self.dan.pk})
        self.assertRedirects(response, url)
        erasure.refresh_from_db()
        self.assertEqual(erasure.state, ErasureState.DONE)
        self.assertEqual(erasure.confirmed_by, self.ada)

        # Nothing left: every column of every table, the search index, the files.
        self.assertEqual(find_traces(needles, search_as=self.sam), [])
        out = io.StringIO()
        call_command("privacy_traces", NAME, EMAIL, stdout=out, stderr=io.StringIO())
        self.assertEqual(out.getvalue(), "")
        self.assertFalse(default_storage.exists(path))
        self.login(self.sam)
        gone = self.client.get(reverse("attachment", args=[self.attachment.pk]))
        self.assertEqual(gone.status_code, 404)
        self.assertFalse(InboundRaw.objects.filter(raw__gt=b"", sender=EMAIL).exists())
        # The rows are still there, as tombstones, and the figures are unchanged.
        self.assertEqual(Ticket.objects.filter(customer=self.dan).count(), 3)
        self.assertEqual(
            set(Message.objects.filter(customer=self.dan).values_list("body_text", flat=True)),
            {TOMBSTONE},
        )
        after_raw, after_rollup = self.figures()
        self.assertEqual(after_raw, before_raw)
        self.assertEqual(after_rollup, before_rollup)
        self.assertTrue(Delivery.objects.exists())
        # The event log still says what happened to the ticket.
        statuses = Event.objects.filter(ticket=self.tickets[0], kind=EventKind.STATUS)
        self.assertIn("solved", set(statuses.values_list("after", flat=True)))
        actions = list(
            AuditEntry.objects.filter(object_type="customer", object_id=str(self.dan.pk))
            .order_by("pk")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, [Action.ERASE_REQUEST, Action.ERASE])

    def test_the_customer_page_links_administrators_to_it(self):
        link = reverse("privacy-customer", args=[self.dan.pk])
        self.login(self.ada)
        self.assertContains(self.client.get(reverse("customer", args=[self.dan.pk])), link)
        self.login(self.sam)
        page = self.client.get(reverse("customer", args=[self.dan.pk]))
        self.assertNotContains(page, link)
        self.assertContains(page, reverse("privacy"))  # the audit log, in the menu

    def test_a_request_can_be_cancelled(self):
        self.login(self.ada)
        self.client.post(
            reverse("privacy-erase", args=[self.dan.pk]), {"reason": "Asked, then withdrew."}
        )
        erasure = ErasureRequest.objects.get()
        self.client.post(reverse("privacy-erasure", args=[erasure.pk]), {"cancel": "1"})
        erasure.refresh_from_db()
        self.assertEqual(erasure.state, ErasureState.CANCELLED)
        self.client.post(reverse("privacy-erasure", args=[erasure.pk]), {"confirm": self.dan.pk})
        self.dan.refresh_from_db()
        self.assertEqual(self.dan.name, NAME)
