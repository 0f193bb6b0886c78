"""The customer portal and the public contact form (issue #10 part 3; CH1, TR1). See
docs/portal.md."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "rapport.portal"
    verbose_name = _("Customer portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import transport  # noqa: F401 — registers the "webform" intake parser
