from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "rapport.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from . import transport  # noqa: F401 — registers the e-mail parser and sender
