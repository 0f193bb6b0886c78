from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (username)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any"))] + Action.choices
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=40)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))


class CustomerNumberForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer number"), min_value=1)


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (who asked, when, how; no personal data here)"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
    )


class ErasureConfirmForm(forms.Form):
    confirm = forms.IntegerField(label=_("Type the customer number again to confirm"), min_value=1)

    def __init__(self, *args, customer_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_id = customer_id

    def clean_confirm(self):
        value = self.cleaned_data["confirm"]
        if value != self.customer_id:
            raise forms.ValidationError(_("That is not this customer's number."))
        return value
