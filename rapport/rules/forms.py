"""The rule form: conditions and actions edited as JSON, validated against the schema."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Rule
from .schema import validate_actions, validate_conditions


class JSONListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 12, "cols": 80, "spellcheck": "false", "class": "code"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value.strip():
            return []
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("This is not valid JSON (line %(line)s, column %(col)s): %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
                code="json",
            ) from exc


class RuleForm(forms.ModelForm):
    conditions = JSONListField(
        label=gettext_lazy("Conditions (all must hold)"),
        required=False,
        help_text=gettext_lazy(
            'A list of {"field": …, "op": …, "value": …}; '
            '{"any": [ … ]} holds when one of its conditions does.'
        ),
    )
    actions = JSONListField(
        label=gettext_lazy("Actions"),
        required=False,  # validate_actions says "a rule needs at least one action"
        help_text=gettext_lazy('A list of {"type": …, parameters}.'),
    )

    class Meta:
        model = Rule
        fields = ["name", "enabled", "trigger", "stop_processing", "conditions", "actions"]
        widgets = {"name": forms.TextInput(attrs={"size": 80})}

    def clean_conditions(self):
        return validate_conditions(self.cleaned_data["conditions"])

    def clean_actions(self):
        return validate_actions(self.cleaned_data["actions"])
