"""Template helpers for the workspace."""

from __future__ import annotations

from django import template
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from rapport.lib.channels import Channel
from rapport.tickets.models import EventKind, Priority, Status

register = template.Library()


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# A field's {value: label} (lazy labels: translated when shown), built once per process.
_CHOICE_LABELS: dict = {}


@register.filter
def display(obj, name: str) -> str:
    """`{{ obj|display:"status" }}` is `{{ obj.get_status_display }}` — the same lookup and
    result — without Django's way of building the choices' dict on every call, which makes
    each label hashable and so translates every choice of the field (a kind of event has
    dozens): 30 calls on a ticket page (#10)."""
    field = obj._meta.get_field(name)
    labels = _CHOICE_LABELS.get(field)
    if labels is None:
        labels = {make_hashable(value): label for value, label in field.flatchoices}
        if isinstance(field.choices, (list, tuple)):  # not callable choices: fixed
            _CHOICE_LABELS[field] = labels
    value = getattr(obj, field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


COACH_LABELS = {
    # mood
    "positive": _("positive"),
    "neutral": _("neutral"),
    "negative": _("negative"),
    "angry": _("angry"),
    # customer signals
    "insult": _("insult"),
    "legal_threat": _("legal threat"),
    "physical_threat": _("physical threat"),
    "supervisor_request": _("asks for a manager"),
    "urgent": _("urgent"),
    "vague_time": _("vague time"),
    # reply labels
    "greeting": _("greeting"),
    "politeness": _("politeness"),
    "empathy": _("empathy"),
    "next_steps": _("next steps"),
    "satisfaction_check": _("asks if it suits"),
    "jargon": _("jargon"),
    "deflection": _("deflection"),
    "denial": _("denial"),
    "rudeness": _("rudeness"),
    "dont_know": _('"I don\'t know"'),
}


@register.filter
def coach_label(value: str) -> str:
    """The coach's label codes, in the reader's language."""
    label = COACH_LABELS.get(value)
    return str(label) if label is not None else str(value).replace("_", " ")


@register.filter
def event_change(event) -> str:
    """A history line's "what changed", in the reader's language."""
    before, after, kind = event.before, event.after, event.kind
    if kind == EventKind.STATUS:
        return f"{_label(Status, before)} → {_label(Status, after)}"
    if kind == EventKind.PRIORITY:
        return f"{_label(Priority, before)} → {_label(Priority, after)}"
    if kind in (EventKind.ASSIGNEE, EventKind.TEAM):
        return f"{before or '—'} → {after or '—'}"
    if kind == EventKind.TAGS:
        return f"{', '.join(before or []) or '—'} → {', '.join(after or []) or '—'}"
    if kind in (EventKind.SUMMARY, EventKind.SUBJECT):
        return str(after or "—")[:200]
    if kind == EventKind.TICKET_CREATED and isinstance(after, dict):
        return _("via %(channel)s") % {"channel": _label(Channel, after.get("channel"))}
    if kind == EventKind.MERGED and isinstance(after, dict):
        if "into" in after:
            return _("into #%(id)s") % {"id": after["into"]}
        return _("from #%(id)s") % {"id": after.get("from")}
    if kind == EventKind.SPLIT and isinstance(after, dict):
        if "from" in after:
            return _("from #%(id)s") % {"id": after["from"]}
        return _("to #%(id)s") % {"id": after.get("ticket")}
    if kind in (EventKind.SIDE_OPENED, EventKind.SIDE_MESSAGE, EventKind.SIDE_CLOSED) and (
        isinstance(after, dict)
    ):
        # rapport.sideconv: who the side conversation is with; its text stays in its panel.
        if after.get("direction") == "answered":
            return _("answer from %(who)s") % {"who": after.get("with", "—")}
        return _("with %(who)s") % {"who": after.get("with", "—")}
    return ""
