from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import engine


class StartForm(forms.Form):
    language = forms.ChoiceField(choices=[(code, code) for code in engine.LANGUAGES])


class ScenarioForm(forms.Form):
    source = forms.CharField(
        label=_("Scenario (TOML)"), widget=forms.Textarea(attrs={"rows": 30}), max_length=100_000
    )
    required = forms.BooleanField(label=_("Required before live tickets"), required=False)
    pass_score = forms.IntegerField(label=_("Pass score"), min_value=0, max_value=100)
    is_active = forms.BooleanField(label=_("Active"), required=False)
