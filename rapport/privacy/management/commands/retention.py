"""`manage.py retention [--dry-run]`: apply the retention policies now, or list what would go."""

from django.core.management.base import BaseCommand

from rapport.privacy.retention import apply, ensure_policies


class Command(BaseCommand):
    help = "Apply the retention policies (docs/privacy.md); --dry-run lists what would go."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        ensure_policies()
        outcomes = apply(dry_run=dry_run)
        if not outcomes:
            self.stdout.write("No retention policy is enabled (Administration → Privacy).")
        for o in outcomes:
            verb = "would be" if dry_run else "were"
            self.stdout.write(
                f"{o.data_type}: {o.count} {verb} {o.what} "
                f"(older than {o.keep_days} days, before {o.cutoff:%Y-%m-%d %H:%M} UTC)"
            )
