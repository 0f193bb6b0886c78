"""`manage.py privacy_traces TEXT…`: where the given strings still appear (every text, JSON and
binary column, every stored file) — a check after an erasure (docs/privacy.md)."""

from django.core.management.base import BaseCommand

from rapport.privacy.erasure import find_traces


class Command(BaseCommand):
    help = "List every column and stored file that still contains one of the given strings."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+", help="a name, an address, a phrase")
        parser.add_argument("--no-files", action="store_true", help="skip the stored files")

    def handle(self, *args, text, no_files=False, **options):
        found = find_traces(text, files=not no_files)
        for where in found:
            self.stdout.write(where)
        self.stderr.write(f"{len(found)} found.")
        return None
