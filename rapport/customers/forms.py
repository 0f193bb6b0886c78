from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.lib.channels import IdentityKind

from .models import Customer, FlagKind


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, e-mail or phone"), max_length=200, required=False)


class CustomerForm(forms.ModelForm):
    # Typed, not picked from a list: a desk may have thousands of organisations.
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)

    class Meta:
        model = Customer
        fields = [
            "name",
            "kind",
            "organisation_name",
            "language",
            "preferred_channel",
            "birthday",
            "notes",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Flag"), choices=FlagKind.choices)
    reason = forms.CharField(label=_("Why"), max_length=500)


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IdentityKind.choices)
    value = forms.CharField(label=_("Address or id"), max_length=255)


class CustomerMergeForm(forms.Form):
    source = forms.IntegerField(label=_("Merge customer number"), min_value=1)
