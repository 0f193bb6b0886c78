"""The call-log form (CH4, ES7, RS6) and the walk-in desk form (CH5)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team
from rapport.lib.channels import IdentityKind
from rapport.lib.identities import normalise_identity

from .models import CallDirection, CallOutcome, VisitOutcome

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
ANSWERS = {"yes": True, "no": False, "": None, "na": None}


class CustomerFields(forms.Form):
    """Customer lookup (a chosen profile) or a new one from a name and number or e-mail."""

    q = forms.CharField(label=_("Find the customer"), max_length=200, required=False)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=64, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalise_identity(IdentityKind.PHONE, value) if value else ""

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        return normalise_identity(IdentityKind.EMAIL, value) if value else ""


class TeamField(forms.ModelChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            queryset=Team.objects.none(),
            required=False,
            empty_label=None,
            label=_("Team"),
            **kwargs,
        )


class CallLogForm(CustomerFields):
    call = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    ticket = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=CallDirection.choices,
        initial=CallDirection.INBOUND,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), required=False, min_value=0, max_value=24 * 60
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    team = TeamField()
    # The etiquette checklist (CH4, ES7).
    greeted = forms.ChoiceField(
        label=_("I greeted the caller and introduced myself"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    asked_before_hold = forms.ChoiceField(
        label=_("I asked permission before putting the caller on hold or transferring them"),
        choices=[*YES_NO, ("na", _("No hold or transfer"))],
        required=False,
        widget=forms.RadioSelect,
    )
    thanked = forms.ChoiceField(
        label=_("I thanked the caller at the end"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    # "I will find out and call you back" (RS6): tracked as a callback promise.
    callback = forms.BooleanField(label=_("Promise a callback"), required=False)
    callback_due = forms.DateTimeField(
        label=_("Call back by"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    callback_text = forms.CharField(
        label=_("What you will call back about"), max_length=500, required=False
    )

    def __init__(self, *args, teams=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if data.get("callback") and not data.get("callback_due"):
            self.add_error("callback_due", _("Give the time you will call back by."))
        if data.get("outcome") == CallOutcome.CALLBACK and not data.get("callback"):
            self.add_error(
                "callback", _("A call that needs a callback is tracked: tick 'Promise a callback'.")
            )
        return data

    def answer(self, name: str) -> bool | None:
        return ANSWERS.get(self.cleaned_data.get(name) or "")


class VisitForm(CustomerFields):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=VisitOutcome.choices,
        initial=VisitOutcome.RESOLVED,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    team = TeamField()

    def __init__(self, *args, teams=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams
