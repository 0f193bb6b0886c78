"""Forms of the review pages (CH7, FB5)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team

from .actions import ENCODINGS
from .models import ReviewPolicy, ReviewSource


class HttpsURLField(forms.URLField):
    def __init__(self, **kwargs):
        super().__init__(assume_scheme="https", **kwargs)


DATE = forms.DateInput(attrs={"type": "date"})
MAX_UPLOAD = 5 * 1024 * 1024
MOODS = [
    ("", _("Any mood")),
    ("angry", _("Angry")),
    ("negative", _("Negative")),
    ("neutral", _("Neutral")),
    ("positive", _("Positive")),
]


def sources_for(user, *, active: bool = True):
    """Review sources an agent may import into or enter for: those routed to their teams
    (a source without a team routes to the default team)."""
    qs = ReviewSource.objects.filter(is_active=True) if active else ReviewSource.objects.all()
    if user.sees_all_teams:
        return qs
    routed = Q(team_id__in=user.team_ids)
    if Team.objects.filter(is_default=True, pk__in=user.team_ids).exists():
        routed |= Q(team=None)
    return qs.filter(routed)


class ReviewFilterForm(forms.Form):
    source = forms.ModelChoiceField(
        ReviewSource.objects.all(), required=False, empty_label=_("Every source")
    )
    rating = forms.TypedChoiceField(
        choices=[("", _("Any rating"))] + [(str(n), "★" * n) for n in range(1, 6)],
        required=False,
        coerce=int,
        empty_value=None,
    )
    mood = forms.ChoiceField(choices=MOODS, required=False)
    answered = forms.ChoiceField(
        choices=[
            ("", _("Answered or not")),
            ("no", _("Not answered")),
            ("yes", _("Answered")),
            ("overdue", _("Overdue negative")),
        ],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Charlie does not even learn the names of Support's sources.
        self.fields["source"].queryset = sources_for(user, active=False)


class ReviewEntryForm(forms.Form):
    """A review an agent enters by hand (read on the site, told on the phone)."""

    source = forms.ModelChoiceField(ReviewSource.objects.none(), label=_("Source"))
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(str(n), "★" * n) for n in range(1, 6)], coerce=int
    )
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    author = forms.CharField(label=_("Author"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("Author's e-mail (if known)"),
        required=False,
        help_text=_("Links the review to the customer's profile."),
    )
    url = forms.URLField(
        label=_("Link to the review"), required=False, max_length=1000, assume_scheme="https"
    )
    date = forms.DateTimeField(
        label=_("Posted"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    external_id = forms.CharField(label=_("Id on the site"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources_for(user)


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(ReviewSource.objects.none(), label=_("Source"))
    file = forms.FileField(label=_("CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect"))] + [(e, e.upper()) for e in ENCODINGS],
        initial="auto",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources_for(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Public reply"), widget=forms.Textarea(attrs={"rows": 7}), max_length=10_000
    )
    solve = forms.BooleanField(label=_("Solve the ticket"), required=False, initial=True)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = ReviewPolicy
        fields = ["negative_max_rating", "response_target_hours", "invitation_url"]
        field_classes = {"invitation_url": HttpsURLField}


class SourceForm(forms.ModelForm):
    class Meta:
        model = ReviewSource
        fields = ["name", "team", "webhook_url", "is_active"]
        field_classes = {"webhook_url": HttpsURLField}
