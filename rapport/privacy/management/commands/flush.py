"""`flush` empties every table, the audit log included (rapport/privacy/appendonly.py): the
one bulk path, besides retention, that may delete audit entries. Django's command otherwise."""

from django.core.management.commands import flush

from rapport.privacy.appendonly import _state


class Command(flush.Command):
    def handle(self, **options):
        previous = getattr(_state, "unlocked", False)
        _state.unlocked = True
        try:
            return super().handle(**options)
        finally:
            _state.unlocked = previous
