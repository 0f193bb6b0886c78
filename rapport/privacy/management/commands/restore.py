"""`manage.py restore FILE [--yes]`: verify a backup's checksums, then replace the database and
the stored files with it (docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rapport.privacy.audit import record
from rapport.privacy.backup import BackupError, restore
from rapport.privacy.models import Action


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (replaces the database and the files)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive, yes=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if not yes and options.get("interactive", True):
            answer = input(
                "This replaces the whole database and every stored file. Type 'restore': "
            )
            if answer.strip() != "restore":
                raise CommandError("Not restored.")
        try:
            manifest = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        record(Action.RESTORE, "backup", detail={"path": str(path), "made": manifest["created_at"]})
        self.stdout.write(
            f"Restored {len(manifest['files'])} files from a backup of {manifest['created_at']}."
        )
