from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, saying clearly when the throttle has locked the account."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until = getattr(self.request, "rapport_locked_until", None)
            if until is None:
                raise
            minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
            raise ValidationError(
                ngettext(
                    "Too many failed log-ins for this account from your address. Try again in "
                    "%(minutes)d minute, or ask an administrator to unlock it.",
                    "Too many failed log-ins for this account from your address. Try again in "
                    "%(minutes)d minutes, or ask an administrator to unlock it.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            ) from None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or a recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
