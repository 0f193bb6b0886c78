"""`manage.py backup [--output FILE]`: database and files in one archive (docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rapport.privacy.audit import record
from rapport.privacy.backup import BackupError, backup
from rapport.privacy.models import Action


class Command(BaseCommand):
    help = "Back up the database and the stored files into one archive (docs/backup.md)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="archive path (default: data/backups/…)")

    def handle(self, *args, output=None, **options):
        try:
            result = backup(Path(output) if output else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        record(Action.BACKUP, "backup", detail={"path": str(result.path), "bytes": result.bytes})
        self.stdout.write(f"{result.path} ({result.members} files, {result.bytes} bytes)")
