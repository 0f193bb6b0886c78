from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmpowermentLimit, GrantKind


class GrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GrantKind.choices)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, initial="EUR")
    reason = forms.CharField(label=_("Why"), max_length=500)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("deny", _("Deny"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


LimitFormSet = forms.modelformset_factory(
    EmpowermentLimit,
    fields=["role", "kind", "max_amount", "currency"],
    extra=2,
    can_delete=True,
)
