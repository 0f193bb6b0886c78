from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team

from .actions import check_template_text
from .models import Macro
from .placeholders import VARIABLES


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "name",
            "language",
            "team",
            "body",
            "set_status",
            "add_tags",
            "assign_to_me",
            "assign_team",
            "is_active",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Any language")),
            *self.fields["language"].choices[1:],
        ]
        if not user.sees_all_teams:
            teams = Team.objects.filter(pk__in=user.team_ids)
            self.fields["team"].queryset = teams
            self.fields["team"].required = True
        self.fields["body"].help_text = _("Placeholders: %(names)s") % {
            "names": ", ".join(f"{{{k}}} ({v})" for k, v in VARIABLES.items())
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        check_template_text(body)  # unknown placeholders refused on save
        return body
