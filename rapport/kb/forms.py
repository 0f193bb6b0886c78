from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team

from .models import Category, Language, Status, Visibility


class ArticleForm(forms.Form):
    """A new article: its settings and its first translation."""

    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=50000,
        required=False,
        help_text=_(
            "Markdown: blank line between paragraphs, **bold**, lists with 1. or -, "
            "[links](https://…), screenshots as ![what it shows](attachment:ID)."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        help_text=_("Drafts and internal articles of a team are seen by its members only."),
    )


class SettingsForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    position = forms.IntegerField(
        label=_("Position in its category"), min_value=0, max_value=100000, initial=0
    )


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 20}),
        max_length=50000,
        required=False,
        help_text=ArticleForm.base_fields["body"].help_text,
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[("", _("Public and internal")), *Visibility.choices],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Any category"),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *Language.choices], required=False
    )
    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File or screenshot"))


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["position", "name_en", "name_ru", "name_zh_hans"]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, max_length=200)
