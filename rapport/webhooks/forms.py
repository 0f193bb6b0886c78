from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team

from .models import Endpoint, WebhookEventType


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=1000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Only these teams' tickets"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every team (customer events are sent only then)."),
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "event_types", "teams"]
