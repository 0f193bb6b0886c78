from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.suggest.models import FaqCluster

from .models import IdeaCategory, IdeaStatus


class IdeaForm(forms.Form):
    text = forms.CharField(
        label=_("Suggestion"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Customers keep asking …")}),
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *IdeaCategory.choices], required=False
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *IdeaCategory.choices], required=False
    )
    problem = forms.ModelChoiceField(
        label=_("Problem (frequent question)"),
        queryset=FaqCluster.objects.all(),
        required=False,
    )
    note = forms.CharField(label=_("Answer to the agents"), max_length=500, required=False)

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The most asked problems (and the linked one), not every cluster ever mined.
        ids = list(FaqCluster.objects.order_by("-size", "id").values_list("pk", flat=True)[:200])
        if current:
            ids.append(current)
        self.fields["problem"].queryset = FaqCluster.objects.filter(pk__in=ids).order_by("-size")
