"""The web chat channel (CH1, CH3): an embeddable widget and its WebSocket/HTTP endpoints."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebchatConfig(AppConfig):
    name = "rapport.webchat"
    verbose_name = _("Web chat")

    def ready(self) -> None:
        from . import transport  # noqa: F401 — registers the "webchat" outbox channel
