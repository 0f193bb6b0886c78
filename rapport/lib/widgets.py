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
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


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


def _errors(errors) -> str:
    """An ErrorList as Django renders it: nothing when empty (its template's `{% if %}`)."""
    return str(errors) if errors else ""


def _label_tag(bf) -> str:
    """BoundField.label_tag() without its template (django/forms/label.html), same bytes
    (stripped, as the form renderer strips every template's output)."""
    contents = bf.label
    field, form = bf.field, bf.form
    label_suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if label_suffix and contents and contents[-1] not in _(":?.!"):
        contents = format_html("{}{}", contents, label_suffix)
    attrs = None
    id_ = field.widget.attrs.get("id") or bf.auto_id
    if id_:
        id_for_label = field.widget.id_for_label(id_)
        if id_for_label:
            attrs = {"for": id_for_label}
        if field.required and hasattr(form, "required_css_class"):
            attrs = attrs or {}
            attrs["class"] = form.required_css_class
        return f"<label{_attrs(attrs or {})}>{conditional_escape(contents)}</label>"
    return str(conditional_escape(contents))


def render_p(form: forms.BaseForm):
    """`form.as_p()` without templates for the layout and the labels (django/forms/p.html,
    the same bytes; the widgets render as usual, select boxes as FastSelect if switched).
    A form with its own templates or renderer gets Django's own as_p."""
    if (
        form.template_name_p != forms.Form.template_name_p
        or form.template_name_label != forms.Form.template_name_label
        or type(form.renderer) is not DjangoTemplates
    ):
        return form.as_p()
    context = form.get_context()
    fields, hidden, errors = context["fields"], context["hidden_fields"], context["errors"]
    hidden_html = "".join(str(h) for h in hidden)
    out = [_errors(errors), "\n"]
    if errors and not fields:
        out.append(f"\n  <p>{hidden_html}</p>\n")
    out.append("\n")
    for i, (bf, field_errors) in enumerate(fields):
        classes = bf.css_classes()
        out.append(f"\n  {_errors(field_errors)}\n  <p")
        if classes:
            out.append(f' class="{conditional_escape(classes)}"')
        out.append(">\n    ")
        if bf.label:
            out.append(_label_tag(bf))
        out.append(f"\n    {bf}\n    ")
        if bf.help_text:
            out.append('\n      <span class="helptext"')
            if bf.auto_id:
                out.append(f' id="{conditional_escape(bf.auto_id)}_helptext"')
            out.append(f">{bf.help_text}</span>\n    ")
        out.append("\n    ")
        if i == len(fields) - 1:
            out.append(f"\n      {hidden_html}\n    ")
        out.append("\n  </p>\n")
    out.append("\n")
    if not fields and not errors:
        out.append(f"\n  {hidden_html}\n")
    out.append("\n")
    # The form renderer strips what a template renders.
    return mark_safe("".join(out).strip())  # noqa: S308 — escaped as Django's template does
