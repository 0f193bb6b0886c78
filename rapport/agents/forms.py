from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgentSettings, AssignmentMode, Availability


class LimitsForm(forms.ModelForm):
    class Meta:
        model = AgentSettings
        fields = ["hostility_limit", "conversation_minutes", "break_minutes"]

    def clean_break_minutes(self):
        value = self.cleaned_data["break_minutes"]
        if not 1 <= value <= 240:
            raise forms.ValidationError(_("A break lasts between 1 and 240 minutes."))
        return value


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(choices=Availability.choices)


class BreakForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=240, required=False)
    end = forms.BooleanField(required=False)


class TeamModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("Assignment"), choices=AssignmentMode.choices)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, required=False)
