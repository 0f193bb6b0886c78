"""The admins' widget form (greetings as one field per language, origins one per line)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Widget, origin_of

LANGS = (
    ("en", _("Greeting (English)")),
    ("ru", _("Greeting (Russian)")),
    ("zh", _("Greeting (Chinese)")),
)


class WidgetForm(forms.ModelForm):
    class Meta:
        model = Widget
        fields = [
            "name",
            "team",
            "is_active",
            "allowed_origins",
            "calendar",
            "max_upload_mb",
            "ip_limit_per_minute",
        ]
        widgets = {"allowed_origins": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        greetings = self.instance.greetings if isinstance(self.instance.greetings, dict) else {}
        for lang, label in LANGS:
            self.fields[f"greeting_{lang}"] = forms.CharField(
                label=label,
                required=False,
                max_length=500,
                initial=greetings.get(lang, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean_allowed_origins(self) -> str:
        lines = []
        for line in self.cleaned_data["allowed_origins"].splitlines():
            line = line.strip().rstrip("/")
            if not line:
                continue
            wildcard = line.replace("://*.", "://x.", 1)
            if line != "*" and origin_of(wildcard) != wildcard.lower():
                raise forms.ValidationError(
                    _("%(line)s is not an origin like https://shop.example.com.") % {"line": line}
                )
            lines.append(line.lower())
        return "\n".join(lines)

    def save(self, commit: bool = True) -> Widget:
        self.instance.greetings = {
            lang: self.cleaned_data[f"greeting_{lang}"].strip()
            for lang, _label in LANGS
            if self.cleaned_data.get(f"greeting_{lang}", "").strip()
        }
        return super().save(commit)
