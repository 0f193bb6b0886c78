"""FastSelect renders exactly what Django's templates render (rapport/lib/widgets.py, #10)."""

from __future__ import annotations

import pytest
from django import forms

from rapport.accounts.models import Team
from rapport.lib.widgets import FastRenderer, FastSelect, fast_form, fast_selects, render_p
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


# --- FastRenderer: every template it builds, compared with Django's (session 9, #10) ---------


class Everything(forms.Form):
    """One field of each widget the renderer builds, with awkward values and attributes."""

    required_css_class = "req"
    text = forms.CharField(label="Text & <b>", widget=forms.TextInput(attrs={"placeholder": "a<b"}))
    email = forms.EmailField(required=False, help_text="Say <em>it</em>")
    number = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, initial="1.50")
    when = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "data-x": True}), initial="x&y")
    radios = forms.ChoiceField(
        choices=[("a", "A & a"), ("Group <g>", [("b", "B"), ("c", "C")])],
        widget=forms.RadioSelect(attrs={"class": "r<"}),
    )
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    pick = forms.ChoiceField(choices=[("", "—"), ("p", "P <p>"), ("Grp", [("q", "Q")])])
    flag = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial='"quoted"')

    def clean(self):
        raise forms.ValidationError("Whole form <bad>")


def _rendered(form: forms.BaseForm) -> dict:
    """Every piece of markup a template may ask of a form."""
    out = {"as_p": str(form.as_p()), "errors": str(form.non_field_errors())}
    for bf in form:
        out[bf.name] = str(bf)
        out[f"{bf.name} label"] = str(bf.label_tag())
        out[f"{bf.name} errors"] = str(bf.errors)
        for i, sub in enumerate(bf.subwidgets):
            out[f"{bf.name} {i} tag"] = str(sub.tag())
            out[f"{bf.name} {i} tag wrapped"] = str(sub.tag(wrap_label=True))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"text": 't"<x>', "number": "-3", "when": "nonsense", "radios": "c", "pick": "q"},
        {"text": "ok", "number": "2", "area": "<script>", "radios": "a", "pick": "p", "flag": "1"},
    ],
)
def test_fast_renderer_renders_what_django_renders(data):
    expected = _rendered(Everything(data, auto_id="id_%s"))
    assert "<textarea" in expected["area"] and 'type="radio"' in expected["radios"]
    assert _rendered(fast_form(Everything(data, auto_id="id_%s"))) == expected
    # Without ids: labels without tags, inputs without id attributes.
    assert _rendered(fast_form(Everything(data, auto_id=False))) == _rendered(
        Everything(data, auto_id=False)
    )


@pytest.mark.django_db
def test_fast_renderer_on_the_ticket_pages_forms():
    from rapport.approvals.forms import GrantForm
    from rapport.ideas.forms import IdeaForm
    from rapport.promises.forms import PromiseForm
    from rapport.sideconv.forms import OpenForm
    from rapport.sideconv.models import Department
    from rapport.test import make_agent, receive
    from rapport.tickets.forms import MergeForm, NoteForm, TicketPropertiesForm

    support = Team.objects.create(name="Support", is_default=True)
    Team.objects.create(name="Billing & <Co>")
    Department.objects.create(name="Legal", email="legal@example.com")
    make_agent("alice", teams=[support])
    ticket = receive(body_text="Where is my order?").ticket
    makers = [
        lambda d: GrantForm(d),
        lambda d: IdeaForm(d),
        lambda d: PromiseForm(d),
        lambda d: OpenForm(d, ticket=ticket),
        lambda d: ReplyForm(d),
        lambda d: NoteForm(d),
        lambda d: MergeForm(d),
        lambda d: TicketPropertiesForm(d, ticket=ticket, initial={"status": ticket.status}),
    ]
    for make in makers:
        for data in (
            None,
            {},
            {"amount": "x", "due_at": "no", "side-kind": "team", "target": "-1"},
        ):
            assert _rendered(fast_form(make(data))) == _rendered(make(data))
            assert render_p(fast_form(make(data))) == str(make(data).as_p())


def test_fast_form_changes_the_instance_only():
    form = fast_form(Layout())
    assert isinstance(form.renderer, FastRenderer)
    assert not isinstance(Layout().renderer, FastRenderer)
