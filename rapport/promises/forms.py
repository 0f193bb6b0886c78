from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team, User

from .models import PromiseKind, PromiseState

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class PromiseForm(forms.Form):
    text = forms.CharField(label=_("What was promised"), max_length=500)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=PromiseKind.choices, initial=PromiseKind.CALLBACK
    )
    # datetime-local in the agent's time zone; the "Track this promise" offer sends ISO 8601
    # with its offset, which DateTimeField also reads.
    due_at = forms.DateTimeField(
        label=_("Due"),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    source_message = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class CloseForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(s, label) for s, label in PromiseState.choices if s != PromiseState.OPEN]
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False)
    next = forms.CharField(required=False, max_length=500)


FILTER_STATES = [
    ("", _("Open")),
    ("overdue", _("Overdue")),
    ("kept", _("Kept")),
    ("broken", _("Broken")),
    ("cancelled", _("Cancelled")),
    ("all", _("All")),
]


class PromiseFilterForm(forms.Form):
    state = forms.ChoiceField(choices=FILTER_STATES, required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label=_("Any team")
    )
    agent = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, teams__isnull=False).distinct(),
        required=False,
        empty_label=_("Any agent"),
    )
    kind = forms.ChoiceField(choices=[("", _("Any kind")), *PromiseKind.choices], required=False)
