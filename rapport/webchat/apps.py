from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebchatConfig(AppConfig):
    name = "rapport.webchat"
    verbose_name = _("Web chat")
