from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "rapport.reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from . import transport  # noqa: F401 — registers the review parser and the webhook sender
