"""Select boxes rendered in Python, byte for byte as Django's templates render them (issue #10).

Django renders a `<select>` through its form renderer: one template for the box and one
`{% include %}` of the option template (with the attributes template inside it) per option.
On the ticket page the properties form (status, priority, team and an assignee box with every
agent) cost 18 ms of CPU of the page's ~80 (bench/load.py, 10,000 tickets, 50 agents); the
inbox's six filter boxes a fifth of the inbox. `FastSelect` builds the same markup directly:
the same `get_context` (choices, option groups, selected values, attributes), the same
escaping, the same whitespace (rapport/lib/tests/test_widgets.py compares it with Django's
own rendering).

`fast_selects(form)` switches a form instance's plain `Select` widgets to it (the form class
is left alone: other pages and the admin keep Django's rendering).
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


class FastSelect(forms.Select):
    """A `Select` whose markup is built in Python (module docstring)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


def fast_selects(form: forms.BaseForm) -> forms.BaseForm:
    """Switch this form instance's plain Select widgets to FastSelect; returns the form."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = FastSelect
    return form
