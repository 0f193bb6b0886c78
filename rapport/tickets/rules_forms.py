"""The coach rule book edited in the UI (MG2): checks on/off, weights, severities, the
organisation's jargon and its own forbidden and required phrases."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.coach import CHECKS, RuleBook
from rapport.coach.rulebook import SEVERITIES


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CoachRulesForm(forms.Form):
    jargon = forms.CharField(
        label=_("Jargon to explain or avoid (one term a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    allowed_abbreviations = forms.CharField(
        label=_("Abbreviations customers know (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )
    forbidden_phrases = forms.CharField(
        label=_("Forbidden phrases (one a line: phrase | suggested wording)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    required_phrases = forms.CharField(
        label=_("Required phrases (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )

    def __init__(self, *args, rules: dict, **kwargs):
        self.base = dict(rules or {})
        book = RuleBook.from_dict(self.base)
        initial = {
            "jargon": "\n".join(book.jargon),
            "allowed_abbreviations": "\n".join(book.allowed_abbreviations),
            "forbidden_phrases": "\n".join(
                p.phrase + (f" | {p.suggestion}" if p.suggestion else "")
                for p in book.forbidden_phrases
            ),
            "required_phrases": "\n".join(p.phrase for p in book.required_phrases),
        }
        for name in CHECKS:
            rule = book.checks[name]
            initial[f"{name}__enabled"] = rule.enabled
            initial[f"{name}__weight"] = rule.weight
            initial[f"{name}__severity"] = rule.severity
        super().__init__(*args, initial=initial, **kwargs)
        for name, (principle, _weight, _severity) in CHECKS.items():
            self.fields[f"{name}__enabled"] = forms.BooleanField(
                label=f"{principle} · {name}", required=False
            )
            self.fields[f"{name}__weight"] = forms.FloatField(
                label=_("weight"), min_value=0, max_value=100
            )
            self.fields[f"{name}__severity"] = forms.ChoiceField(
                label=_("severity"), choices=[(s, s) for s in SEVERITIES]
            )

    def check_rows(self):
        for name, (principle, _w, _s) in CHECKS.items():
            yield (
                principle,
                name,
                self[f"{name}__enabled"],
                self[f"{name}__weight"],
                self[f"{name}__severity"],
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        forbidden = []
        for line in _lines(data.get("forbidden_phrases")):
            phrase, _sep, suggestion = line.partition("|")
            item = {"phrase": phrase.strip()}
            if suggestion.strip():
                item["suggestion"] = suggestion.strip()
            forbidden.append(item)
        rules = {
            **self.base,
            "checks": {
                name: {
                    "enabled": data[f"{name}__enabled"],
                    "weight": data[f"{name}__weight"],
                    "severity": data[f"{name}__severity"],
                }
                for name in CHECKS
            },
            "jargon": _lines(data.get("jargon")),
            "allowed_abbreviations": _lines(data.get("allowed_abbreviations")),
            "forbidden_phrases": forbidden,
            "required_phrases": _lines(data.get("required_phrases")),
        }
        try:
            self.rules = RuleBook.from_dict(rules).to_dict()
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data
