"""The cross-channel timeline of a ticket or a customer: messages, notes and history (TR3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects

from rapport.intake.models import InboundRaw

from .models import Attachment, Event, EventKind, Message, Note

# Events already visible as a message or note card are not repeated as history lines.
_SHOWN_AS_CARDS = {EventKind.MESSAGE_RECEIVED, EventKind.MESSAGE_SENT, EventKind.NOTE_ADDED}


_ORDER = {"message": 0, "note": 1, "event": 2}


@dataclass
class Entry:
    kind: str  # "message", "note" or "event"
    at: datetime
    obj: Message | Note | Event


def ticket_timeline(ticket) -> list[Entry]:
    """Each message comes with `files`, its attachments (a list; one query for all, and none
    when no message has any — the common case)."""
    messages = list(
        Message.objects.filter(ticket=ticket)
        # The page shows a delivery's state and error, never its bytes (`raw`: the whole
        # MIME message) nor its routing; "split from #n" needs only the id (#10).
        .select_related("author", "customer", "delivery")
        .defer("delivery__raw", "delivery__payload")
        # Without loading the bytes: is there an original (e.g. MIME source) to show?
        .annotate(
            has_original=Exists(InboundRaw.objects.filter(message=OuterRef("pk")).exclude(raw=b"")),
            has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))),
        )
    )
    with_files = [m for m in messages if m.has_files]
    for m in messages:
        if not m.has_files:
            m.files = []
    prefetch_related_objects(with_files, Prefetch("attachments", to_attr="files"))
    notes = Note.objects.filter(ticket=ticket).select_related("author")
    events = (
        Event.objects.filter(ticket=ticket)
        .exclude(kind__in=_SHOWN_AS_CARDS)
        .select_related("actor")
    )
    entries = [Entry("message", m.created_at, m) for m in messages]
    entries += [Entry("note", n.created_at, n) for n in notes]
    entries += [Entry("event", e.created_at, e) for e in events]
    # At the same instant a message reads before the note and the history line it caused.
    entries.sort(key=lambda e: (e.at, _ORDER[e.kind], e.obj.pk))
    return entries
