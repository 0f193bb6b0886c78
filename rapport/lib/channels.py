"""The channels a request can arrive by (CH1). One list, shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBCHAT = "webchat", _("Web chat")
    PHONE = "phone", _("Phone")
    DESK = "desk", _("Walk-in desk")
    TELEGRAM = "telegram", _("Telegram")
    REVIEW = "review", _("Review")
    WEBFORM = "webform", _("Web form")
    API = "api", _("API")


# Conversational channels: a new message from the same person continues their open
# conversation rather than opening a new ticket (an e-mail without a reference is a new problem).
CONVERSATIONAL = frozenset({Channel.WEBCHAT, Channel.TELEGRAM, Channel.PHONE, Channel.DESK})


class IdentityKind(models.TextChoices):
    """How a customer can be reached. One value belongs to one customer (unique per kind)."""

    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number")
    WEBCHAT = "webchat", _("Web chat visitor")
    TELEGRAM = "telegram", _("Telegram user")
    REVIEW = "review", _("Review author")
    API = "api", _("External id")


CHANNEL_IDENTITY_KIND = {
    Channel.EMAIL: IdentityKind.EMAIL,
    Channel.WEBCHAT: IdentityKind.WEBCHAT,
    Channel.PHONE: IdentityKind.PHONE,
    Channel.DESK: IdentityKind.PHONE,
    Channel.TELEGRAM: IdentityKind.TELEGRAM,
    Channel.REVIEW: IdentityKind.REVIEW,
    Channel.WEBFORM: IdentityKind.EMAIL,
    Channel.API: IdentityKind.API,
}
