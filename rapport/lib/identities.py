"""Normalising how a customer is reached, so one person maps to one identity (TR6)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

_PHONE_STRIP = re.compile(r"[\s\-().]")


def normalise_identity(kind: str, value: str) -> str:
    """Return the canonical form of an identity value or raise ValidationError.

    E-mail: lower-cased and validated. Phone: digits with an optional leading '+'.
    Other kinds (chat visitor, Telegram id, external id): NFC, trimmed, at most 255 chars.
    """
    value = unicodedata.normalize("NFC", (value or "").strip())
    if not value:
        raise ValidationError(_("The sender has no address or id."), code="identity_missing")
    if len(value) > 255:
        raise ValidationError(
            _("The address or id is longer than 255 characters."), code="identity_too_long"
        )
    if kind == "email":
        value = value.lower()
        validate_email(value)
        return value
    if kind == "phone":
        digits = _PHONE_STRIP.sub("", value)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not re.fullmatch(r"\+?\d{3,20}", digits):
            raise ValidationError(
                _("%(value)s is not a phone number.") % {"value": value}, code="identity_invalid"
            )
        return digits
    return value
