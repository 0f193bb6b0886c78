from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "rapport.privacy"
    label = "privacy"
    verbose_name = _("Privacy and backups")

    def ready(self) -> None:
        from . import appendonly, audit

        connection_created.connect(
            appendonly.register_sqlite_function, dispatch_uid="rapport.privacy.sqlite"
        )
        audit.connect()
