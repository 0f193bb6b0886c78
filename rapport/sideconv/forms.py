from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team

from .models import Department, Kind


class OpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Ask"), choices=Kind.choices, widget=forms.RadioSelect)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label="—"
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.exclude(email=""),
        required=False,
        empty_label="—",
    )
    address = forms.EmailField(label=_("or e-mail address"), required=False)
    subject = forms.CharField(label=_("Subject they see"), max_length=200, required=False)
    body = forms.CharField(label=_("Question"), max_length=50000, widget=forms.Textarea)

    def __init__(self, *args, ticket=None, **kwargs):
        # Prefixed: the ticket page has other forms with a team and a subject (ids and names).
        kwargs.setdefault("prefix", "side")
        super().__init__(*args, **kwargs)
        if ticket is not None:
            self.fields["team"].queryset = Team.objects.exclude(pk=ticket.team_id)
            self.fields["subject"].initial = ticket.subject


class PostForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=50000, widget=forms.Textarea)


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "email", "domains"]
        widgets = {"domains": forms.Textarea(attrs={"rows": 3})}
