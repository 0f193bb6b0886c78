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
from django.utils.safestring import SafeData, mark_safe
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
        or type(form.renderer) not in (DjangoTemplates, FastRenderer)
    ):
        return form.as_p()
    return mark_safe(_p(form, form.get_context()))  # noqa: S308 — escaped in _p


def _p(form: forms.BaseForm, context: dict) -> str:
    """django/forms/p.html from the form's context, stripped as the form renderer strips."""
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
    return "".join(out).strip()


# --- A form renderer without templates for Django's own form templates ----------------------
#
# FastSelect and render_p cover two templates; the ticket page's side panels render more
# forms (a grant, an idea, a promise, a side conversation: text inputs, text areas, radio
# buttons, labels, as_p), each widget a template and an `{% include %}` of the attributes
# template — over a hundred includes a page (bench/pages.py, session 9). `FastRenderer` is a
# form renderer (Django's `DjangoTemplates`) that builds the markup of the templates below in
# Python, the same bytes (rapport/lib/tests/test_widgets.py renders the ticket page's forms
# both ways, bound, unbound and with errors), and leaves every other template to Django.
# `fast_form(form)` gives one form instance that renderer: its widgets, labels, error lists
# and as_p follow the form's renderer. Each builder returns what its template file renders,
# trailing newline included (an `{% include %}` keeps it; the renderer strips the result).


def _value(value) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" of the value (a safe string stays safe), escaped."""
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs_s(attrs) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html (None: nothing)."""
    if not attrs:
        return ""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{_value(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html"""
    value = widget["value"]
    shown = "" if value is None else f' value="{_value(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}"'
        f' name="{conditional_escape(widget["name"])}"{shown}{_attrs_s(widget["attrs"])}>\n'
    )


def _input_family(widget: dict) -> str:
    """text.html, email.html, hidden.html, …: `{% include "…/input.html" %}` and a newline."""
    return _input(widget) + "\n"


def _textarea(widget: dict) -> str:
    value = widget["value"]
    shown = conditional_escape(value) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs_s(widget["attrs"])}>'
        f"\n{shown}</textarea>\n"
    )


def _input_option(widget: dict) -> str:
    """django/forms/widgets/input_option.html"""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    id_ = (widget.get("attrs") or {}).get("id")
    label_for = f' for="{conditional_escape(id_)}"' if id_ else ""
    return f"<label{label_for}>{_input(widget)} {conditional_escape(widget['label'])}</label>\n"


def _choice_option(widget: dict) -> str:
    """radio_option.html, checkbox_option.html: the include of input_option and a newline."""
    return _input_option(widget) + "\n"


def _select_option(widget: dict) -> str:
    """django/forms/widgets/select_option.html"""
    return (
        f'<option value="{_value(widget["value"])}"{_attrs_s(widget["attrs"])}>'
        f"{conditional_escape(widget['label'])}</option>\n"
    )


_RAW = {f"django/forms/widgets/{n}.html": _input_family for n in ("text", "email", "number")}
_RAW.update(
    {f"django/forms/widgets/{n}.html": _input_family for n in ("hidden", "password", "url")}
)
_RAW.update({f"django/forms/widgets/{n}.html": _input_family for n in ("date", "datetime")})
_RAW.update(
    {
        "django/forms/widgets/time.html": _input_family,
        "django/forms/widgets/checkbox.html": _input_family,
        "django/forms/widgets/input.html": _input,
        "django/forms/widgets/textarea.html": _textarea,
        "django/forms/widgets/input_option.html": _input_option,
        "django/forms/widgets/radio_option.html": _choice_option,
        "django/forms/widgets/checkbox_option.html": _choice_option,
        "django/forms/widgets/select_option.html": _select_option,
    }
)


def _options_known(widget: dict) -> bool:
    return all(
        o["template_name"] in _RAW for _g, options, _i in widget["optgroups"] for o in options
    )


def _multiple_input(widget: dict) -> str:
    """django/forms/widgets/multiple_input.html (radio.html and checkbox_select.html include
    it and add a newline: stripped by the renderer all the same)."""
    id_ = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    out = ["<div"]
    if id_:
        out.append(f' id="{conditional_escape(id_)}"')
    if css:
        out.append(f' class="{conditional_escape(css)}"')
    out.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        for option in options:
            out.append(f"<div>\n    {_RAW[option['template_name']](option)}</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>\n")
    return "".join(out)


def _select(widget: dict) -> str:
    """django/forms/widgets/select.html"""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_s(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append(f"\n  {_RAW[option['template_name']](option)}")
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


_WITH_OPTIONS = {
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/radio.html": _multiple_input,
    "django/forms/widgets/multiple_input.html": _multiple_input,
    "django/forms/widgets/checkbox_select.html": _multiple_input,
}


def _label(context: dict) -> str:
    """django/forms/label.html"""
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs_s(context['attrs'])}>{label}</{tag}>"


_ERROR_LISTS = ("django/forms/errors/list/default.html", "django/forms/errors/list/ul.html")


class FastRenderer(DjangoTemplates):
    """Django's form renderer, with its commonest templates built in Python (see above)."""

    def render(self, template_name, context, request=None):
        build = _RAW.get(template_name)
        if build is not None:
            return build(context["widget"]).strip()
        build = _WITH_OPTIONS.get(template_name)
        if build is not None and _options_known(context["widget"]):
            return build(context["widget"]).strip()
        if template_name == "django/forms/label.html":
            return _label(context)
        if template_name in _ERROR_LISTS and not context["errors"]:
            return ""  # the template's `{% if errors %}`
        form = context.get("form")
        if (
            template_name == "django/forms/p.html"
            and form is not None
            and form.template_name_label == forms.Form.template_name_label
        ):
            return _p(form, context)
        return super().render(template_name, context, request)


FAST_RENDERER = FastRenderer()


def fast_form(form: forms.BaseForm) -> forms.BaseForm:
    """This form instance (not its class) rendered by FastRenderer; returns the form."""
    form.renderer = FAST_RENDERER
    return form
