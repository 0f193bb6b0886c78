"""Retention policies (#10.6; docs/privacy.md): what each data type loses after its period,
what stays, the dry run, the audit log's floor, and the daily job."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from rapport.intake.actions import InboundAttachment
from rapport.intake.models import InboundRaw
from rapport.jobs.periodic import autodiscover
from rapport.privacy.models import Action, AuditEntry, DataType, RetentionPolicy
from rapport.privacy.retention import EXPIRED, apply
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Attachment, Status


class RetentionTest(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = tempfile.TemporaryDirectory()
        cls.enterClassContext(override_settings(MEDIA_ROOT=cls.media.name))
        cls.addClassCleanup(cls.media.cleanup)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        with freeze_time(now - timedelta(days=400)):
            cls.old = receive(
                sender="old@example.com",
                external_id="<old-1>",
                raw=b"From: old@example.com\r\n\r\nold bytes",
                body_text="An old conversation",
                attachments=[InboundAttachment("old.txt", b"old file")],
            )
            AuditEntry.objects.create(action=Action.VIEW, object_type="ticket", object_id="1")
        with freeze_time(now - timedelta(days=399)):
            do_change_status(cls.old.ticket, Status.CLOSED, actor=cls.alice)
        cls.recent = receive(
            sender="new@example.com",
            external_id="<new-1>",
            raw=b"From: new@example.com\r\n\r\nnew bytes",
            body_text="A recent conversation",
            attachments=[InboundAttachment("new.txt", b"new file")],
        )
        do_change_status(cls.recent.ticket, Status.CLOSED, actor=cls.alice)
        AuditEntry.objects.create(action=Action.VIEW, object_type="ticket", object_id="2")
        for data_type in DataType.values:
            RetentionPolicy.objects.create(data_type=data_type, keep_days=365)

    def setUp(self):
        for msg, content in ((self.old, b"old file"), (self.recent, b"new file")):
            path = Attachment.objects.get(message=msg).file.name or ""
            if path and not default_storage.exists(path):  # deleted by an earlier test
                os.makedirs(os.path.dirname(default_storage.path(path)), exist_ok=True)
                with open(default_storage.path(path), "wb") as fh:
                    fh.write(content)

    def test_the_dry_run_lists_what_would_go_and_changes_nothing(self):
        out = io.StringIO()
        call_command("retention", "--dry-run", stdout=out)
        text = out.getvalue()
        self.assertIn("raw_inbound: 1 would be original bytes wiped", text)
        self.assertIn("attachments: 1 would be files deleted", text)
        self.assertIn("closed_messages: 1 would be texts replaced", text)
        self.assertIn("audit_log: 1 would be entries deleted", text)
        self.old.refresh_from_db()
        self.assertEqual(self.old.body_text, "An old conversation")
        self.assertEqual(AuditEntry.objects.count(), 2)

    def test_old_data_goes_recent_data_stays_and_a_second_run_finds_nothing(self):
        old_file = Attachment.objects.get(message=self.old).file.name
        with self.captureOnCommitCallbacks(execute=True):
            outcomes = {o.data_type: o.count for o in apply()}
        self.assertEqual(outcomes[DataType.RAW_INBOUND], 1)
        self.assertEqual(outcomes[DataType.CLOSED_MESSAGES], 1)
        self.assertEqual(outcomes[DataType.AUDIT_LOG], 1)
        self.old.refresh_from_db()
        self.recent.refresh_from_db()
        self.assertEqual(self.old.body_text, EXPIRED)
        self.assertEqual(self.recent.body_text, "A recent conversation")
        self.assertEqual(bytes(InboundRaw.objects.get(message=self.old).raw), b"")
        self.assertNotEqual(bytes(InboundRaw.objects.get(message=self.recent).raw), b"")
        self.assertFalse(default_storage.exists(old_file))
        self.assertTrue(
            default_storage.exists(Attachment.objects.get(message=self.recent).file.name)
        )
        # The ticket itself stays, with its times.
        self.old.ticket.refresh_from_db()
        self.assertEqual(self.old.ticket.status, Status.CLOSED)
        # The old audit entry went; the recent one and the retention's own entries stay.
        self.assertEqual(
            list(AuditEntry.objects.filter(action=Action.VIEW).values_list("object_id", flat=True)),
            ["2"],
        )
        self.assertTrue(AuditEntry.objects.filter(action=Action.RETENTION).exists())
        self.assertEqual(sum(o.count for o in apply()), 0)

    def test_the_audit_log_is_kept_at_least_180_days(self):
        policy = RetentionPolicy.objects.get(data_type=DataType.AUDIT_LOG)
        policy.keep_days = 30
        with self.assertRaises(ValidationError):
            policy.full_clean()
        policy.save()  # even saved around the form, the job keeps 180 days
        with freeze_time(timezone.now() - timedelta(days=100)):
            AuditEntry.objects.create(action=Action.VIEW, object_type="ticket", object_id="3")
        apply()
        self.assertTrue(AuditEntry.objects.filter(object_id="3").exists())

    def test_it_runs_daily_from_the_scheduler(self):
        job = autodiscover()["rapport.privacy.tasks.apply_retention_task"]
        self.assertEqual(job.every, timedelta(days=1))
