from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import TIME_ZONE_CHOICES, Team
from rapport.lib.csvfiles import ENCODINGS

from .models import ConsentSource, MessageTemplate, Purpose


class FollowUpForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    due_at = forms.DateTimeField(
        label=_("Goes out at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class QueueFilterForm(forms.Form):
    days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=90, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("1", _("Agrees")), ("0", _("Does not agree"))],
        coerce=lambda v: v == "1",
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(v, label) for v, label in ConsentSource.choices if v != ConsentSource.LINK],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ThankYouForm(forms.Form):
    team = forms.ModelChoiceField(label=_("From the team"), queryset=Team.objects.all())
    template = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=MessageTemplate.objects.filter(purpose=Purpose.THANK_YOU),
        required=False,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Placeholders: {name}, {first_name}, {agent}, {team}."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect"))] + [(k, k) for k in ENCODINGS],
        initial="auto",
    )


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Customer's time zone"),
        choices=[("", _("Unknown: the team's"))] + TIME_ZONE_CHOICES,
        required=False,
    )
