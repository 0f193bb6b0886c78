from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackSettings


class FeedbackSettingsForm(forms.ModelForm):
    class Meta:
        model = FeedbackSettings
        fields = ["surveys_enabled", "period_days", "bad_level"]

    def clean_period_days(self):
        days = self.cleaned_data["period_days"]
        if days > 365:
            raise forms.ValidationError(_("At most 365 days."))
        return days
