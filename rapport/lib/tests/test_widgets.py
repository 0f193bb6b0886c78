"""FastSelect renders exactly what Django's templates render (rapport/lib/widgets.py, #10)."""

from __future__ import annotations

import pytest
from django import forms

from rapport.accounts.models import Team
from rapport.lib.widgets import FastSelect, fast_selects, render_p
from rapport.tickets.forms import InboxFilterForm, ReplyForm


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "A & <b>"), ("b", 'quote "b"'), (3, "three")])
    optional = forms.ChoiceField(choices=[("", "Any"), ("x", "X")], required=False)
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("other", "Other")]
    )
    attrs = forms.ChoiceField(
        choices=[("1", "One")],
        widget=forms.Select(attrs={"class": "x<y", "data-on": True, "hidden": False}),
    )
    multiple = forms.MultipleChoiceField(choices=[("m", "M"), ("n", "N")])
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)


def _both(form: forms.Form, name: str) -> tuple[str, str]:
    django_html = str(form[name])
    fast_selects(form)
    return django_html, str(form[name])


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"plain": "b", "optional": "x", "grouped": "pear"}])
@pytest.mark.parametrize("name", ["plain", "optional", "grouped", "attrs", "team"])
def test_the_same_markup_as_django(name, data):
    Team.objects.create(name="Support & <Sales>")
    Team.objects.create(name="Billing")
    expected, fast = _both(Sample(data), name)
    assert "<option" in expected
    assert fast == expected


@pytest.mark.django_db
def test_the_inbox_filters_and_reply_box_render_the_same():
    Team.objects.create(name="Support")
    for form_class, data in ((InboxFilterForm, {"status": "open", "sort": "due"}), (ReplyForm, {})):
        expected = {name: str(form_class(data)[name]) for name in form_class.base_fields}
        form = fast_selects(form_class(data))
        assert {name: str(form[name]) for name in form.fields} == expected


def test_only_plain_select_widgets_are_switched():
    form = fast_selects(Sample())
    assert type(form.fields["plain"].widget) is FastSelect
    assert type(form.fields["multiple"].widget) is forms.SelectMultiple
    assert type(Sample.base_fields["plain"].widget) is forms.Select  # the class is untouched


class Layout(forms.Form):
    required_css_class = "req"
    error_css_class = "err"
    name = forms.CharField(label="Name & <b>", help_text="Say <em>who</em>", max_length=5)
    why = forms.CharField(label="Why?", required=False, widget=forms.Textarea)
    agree = forms.BooleanField(required=False)
    colour = forms.ChoiceField(choices=[("r", "Red")])
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Something <bad>")


class OnlyHidden(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


@pytest.mark.parametrize(
    "form",
    [
        lambda: Layout(),
        lambda: Layout({"name": "too long a name", "colour": "x"}),
        lambda: Layout({"name": "ok", "colour": "r", "token": "t"}),
        lambda: OnlyHidden(),
        lambda: OnlyHidden({}),
        lambda: ReplyForm(),
        lambda: ReplyForm({"body": ""}),
    ],
)
def test_render_p_is_as_p(form):
    expected = str(form().as_p())
    assert render_p(form()) == expected
    assert render_p(fast_selects(form())) == expected


@pytest.mark.django_db
def test_render_p_of_the_ticket_forms():
    from rapport.test import make_agent, receive
    from rapport.tickets.forms import MergeForm, TicketPropertiesForm

    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support])
    ticket = receive(body_text="This is useless, I am furious.").ticket
    for data in (None, {"status": "nonsense", "team": "0", "tags": "x" * 600}):
        form = TicketPropertiesForm(data, ticket=ticket, initial={"status": ticket.status})
        expected = str(form.as_p())
        form = TicketPropertiesForm(data, ticket=ticket, initial={"status": ticket.status})
        assert render_p(fast_selects(form)) == expected
    for data in (None, {"target": "-1"}):
        assert render_p(MergeForm(data)) == str(MergeForm(data).as_p())
