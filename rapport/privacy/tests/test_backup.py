"""Backup and restore round trip (#10.7; docs/backup.md), on whichever database the suite runs
on (CI runs it on SQLite and on PostgreSQL): create data, back up, wipe, restore, compare."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TransactionTestCase, override_settings

from rapport.intake.actions import InboundAttachment
from rapport.privacy.models import Action, AuditEntry
from rapport.test import Personas, receive
from rapport.tickets.models import Attachment, Message, Ticket

PICTURE = bytes(range(256)) * 40 + "снимок экрана 截图".encode()


def counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy
    }


class BackupRoundTripTest(Personas, TransactionTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        media = Path(self.tmp.name) / "media"
        self.enterContext(override_settings(MEDIA_ROOT=str(media), DATA_DIR=Path(self.tmp.name)))
        self.create_personas()
        msg = receive(
            sender="zoe@example.com",
            external_id="<zoe-1>",
            subject="Экран",
            body_text="См. снимок",
            attachments=[InboundAttachment("снимок.png", PICTURE, "image/png")],
        )
        self.attachment = Attachment.objects.get(message=msg)
        AuditEntry.objects.create(action=Action.VIEW, object_type="ticket", object_id="1")

    def test_backup_then_wipe_then_restore_gives_back_the_same_rows_and_bytes(self):
        # One test, not two: each backup on PostgreSQL is a pg_dump, each test a full flush.
        before = counts()
        archive = Path(self.tmp.name) / "b.tar.gz"
        out = io.StringIO()
        call_command("backup", "--output", str(archive), stdout=out)
        self.assertIn(str(archive), out.getvalue())
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
        self.assertIn(f"media/{self.attachment.file.name}", manifest["files"])
        path = self.attachment.file.name

        # A tampered copy (one byte of the file changed) is refused, and changes nothing.
        tampered = Path(self.tmp.name) / "t.tar.gz"
        with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name.startswith("media/"):
                    data = data[:-1] + b"!"
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
        with self.assertRaisesMessage(CommandError, "Checksum mismatch"):
            call_command("restore", str(tampered), "--yes", stdout=io.StringIO())
        self.assertEqual(
            counts(), {**before, AuditEntry._meta.label: before[AuditEntry._meta.label] + 1}
        )

        # Wipe: every row (the audit log included) and every stored file.
        call_command("flush", interactive=False, verbosity=0)
        default_storage.delete(path)
        self.assertEqual(Ticket.objects.count(), 0)
        self.assertFalse(default_storage.exists(path))

        call_command("restore", str(archive), "--yes", stdout=io.StringIO())
        after = counts()
        after[AuditEntry._meta.label] -= 1  # the restore's own entry (the backup's came after it)
        self.assertEqual(after, before)
        self.assertGreater(after[Message._meta.label], 1)
        with default_storage.open(path, "rb") as fh:
            self.assertEqual(fh.read(), PICTURE)
        self.assertEqual(
            Attachment.objects.get(pk=self.attachment.pk).filename, self.attachment.filename
        )
        self.assertEqual(AuditEntry.objects.order_by("pk").last().action, Action.RESTORE)
