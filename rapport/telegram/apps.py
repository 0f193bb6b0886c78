from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    name = "rapport.telegram"
    verbose_name = _("Telegram")

    def ready(self) -> None:
        from . import transport  # noqa: F401 — registers the update parser and the sender
