from django.core.management.base import BaseCommand

from rapport.training.actions import load_builtins


class Command(BaseCommand):
    help = "Load or update the built-in training scenarios (rapport/training/scenarios/*.toml)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="also overwrite built-ins a supervisor edited"
        )

    def handle(self, *args, force=False, **options):
        created, updated = load_builtins(force=force)
        self.stdout.write(f"{created} created, {updated} updated")
