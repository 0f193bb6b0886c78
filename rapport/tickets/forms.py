from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team, User
from rapport.agents.guard import unhappy_message
from rapport.customers.models import CustomerKind
from rapport.lib.channels import Channel

from .inbox import SORTS, Filters, is_view
from .models import Priority, Status


class InboxFilterForm(forms.Form):
    # A built-in view or a saved search's key ("s12", rapport.tickets.saved_searches).
    view = forms.CharField(max_length=20, required=False)
    status = forms.ChoiceField(choices=[("", _("Any status")), *Status.choices], required=False)
    channel = forms.ChoiceField(choices=[("", _("Any channel")), *Channel.choices], required=False)
    priority = forms.TypedChoiceField(
        choices=[("", _("Any priority")), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label=_("Any team")
    )
    tag = forms.CharField(max_length=50, required=False)
    customer = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    kind = forms.ChoiceField(
        choices=[("", _("Internal and external")), *CustomerKind.choices], required=False
    )
    sort = forms.ChoiceField(choices=[(k, v[2]) for k, v in SORTS.items()], required=False)
    after = forms.CharField(max_length=200, required=False)

    def clean_view(self) -> str:
        view = self.cleaned_data.get("view") or ""
        if view and not is_view(view):
            raise forms.ValidationError(_("No such view."))
        return view

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        team = data.get("team")
        return Filters(
            view=data.get("view") or "teams",
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            priority=data.get("priority"),
            team=team.pk if team else None,
            tag=(data.get("tag") or "").strip().lower(),
            customer=data.get("customer"),
            kind=data.get("kind") or "",
            sort=data.get("sort") or "-updated",
        )


MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = (
            [single(d, initial) for d in data]
            if isinstance(data, list | tuple)
            else [single(data, initial)]
        )
        files = [f for f in files if f]
        for f in files:
            if f.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(_("%(name)s is larger than 25 MB.") % {"name": f.name})
        return files


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=50_000
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    status_after = forms.ChoiceField(
        label=_("Then set status to"),
        choices=[("", _("Keep status")), *Status.choices],
        required=False,
    )
    # CQ21: solving over an unhappy customer's last message needs this ticked.
    confirm_unhappy = forms.BooleanField(
        label=_("The customer is still unhappy: end the conversation anyway"), required=False
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )


class TicketPropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Unassigned"),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separated by commas")
    )
    summary = forms.CharField(
        label=_("Current state / next step"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    confirm_unhappy = forms.BooleanField(
        label=_("The customer is still unhappy: solve or close anyway"),
        required=False,
        help_text=_("The customer's last message reads negative or angry (CQ21)."),
    )

    def __init__(self, *args, ticket, messages=None, **kwargs):
        """`messages`: the ticket's messages if the caller has them (the ticket page)."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, teams__isnull=False)
            .distinct()
            .order_by("first_name", "username")
        )
        # CQ21: the confirmation is offered only while the customer's last message is unhappy.
        self.customer_unhappy = ticket.is_open and unhappy_message(ticket, messages) is not None
        if not self.customer_unhappy:
            del self.fields["confirm_unhappy"]

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class MergeForm(forms.Form):
    target = forms.IntegerField(label=_("Merge into ticket number"), min_value=1)


class SplitForm(forms.Form):
    subject = forms.CharField(label=_("Subject of the new ticket"), max_length=255, required=False)
