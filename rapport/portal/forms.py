from django import forms
from django.utils.translation import gettext_lazy as _

from . import limits


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); checked in actions.check_files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(
        label=_("How can we help?"), max_length=limits.MAX_TEXT_CHARS, widget=forms.Textarea
    )
    files = MultipleFileField(label=_("Attachments"), required=False)
    # Spam protection (limits.py): a field people do not see, the signed time the form was
    # shown, and the form's own id (a double submit is stored once).
    website = forms.CharField(required=False)
    stamp = forms.CharField(widget=forms.HiddenInput)
    submission = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=limits.MAX_TEXT_CHARS, widget=forms.Textarea
    )
    files = MultipleFileField(label=_("Attachments"), required=False)
    submission = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
