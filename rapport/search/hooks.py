"""Where the index hears about changes: every hook in one place, connected by SearchConfig.ready.

The house style prefers explicit calls to signals, but the search app may not edit the
tickets and customers code beyond a line; so the hooks are here, in one list, and each does
one thing: call an `index_*` / `sync_*` function of rapport.search.indexing. They run
synchronously in the sender's transaction, so the index is never ahead of or behind the data.

- A message, note, ticket or customer saved → its document (re)written.
- An identity saved → its customer's document.
- Queryset updates send no signal, but every such change of a ticket records an Event
  (rapport.tickets.events.record_event, TR2): the Event is the hook for status and team
  changes, subject and summary edits, merges, splits and customer merges.
- Deletions cascade through the document's foreign keys (a ticket, a customer); a message
  or note deleted alone takes its document with it here.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from rapport.customers.models import Customer, Identity
from rapport.tickets.models import Event, EventKind, Message, Note, Ticket

from . import indexing
from .models import Kind

_TICKET_FIELDS = {EventKind.STATUS, EventKind.TEAM}
_TICKET_TEXT = {EventKind.SUBJECT, EventKind.SUMMARY}


def _message_saved(sender, instance: Message, raw=False, **kwargs) -> None:
    if not raw:
        indexing.index_message(instance)


def _note_saved(sender, instance: Note, raw=False, **kwargs) -> None:
    if not raw:
        indexing.index_note(instance)


def _ticket_saved(sender, instance: Ticket, raw=False, **kwargs) -> None:
    if not raw:
        indexing.index_ticket(instance)
        if not kwargs.get("created"):
            indexing.sync_ticket(instance.pk)


def _customer_saved(sender, instance: Customer, raw=False, **kwargs) -> None:
    if not raw:
        indexing.index_customer(instance.pk)


def _identity_changed(sender, instance: Identity, raw=False, **kwargs) -> None:
    if not raw:
        indexing.index_customer(instance.customer_id)


def _message_deleted(sender, instance: Message, **kwargs) -> None:
    indexing.unindex(Kind.MESSAGE, instance.pk)


def _note_deleted(sender, instance: Note, **kwargs) -> None:
    indexing.unindex(Kind.NOTE, instance.pk)


def _event_recorded(sender, instance: Event, created=False, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    kind, after = instance.kind, instance.after if isinstance(instance.after, dict) else {}
    if kind in _TICKET_FIELDS and instance.ticket_id:
        # The actions update the instance before recording the event: no need to re-read it.
        cached = Event.ticket.is_cached(instance)
        indexing.sync_ticket(instance.ticket_id, instance.ticket if cached else None)
    elif kind in _TICKET_TEXT and instance.ticket_id:
        ticket = Ticket.objects.filter(pk=instance.ticket_id).first()
        if ticket:
            indexing.index_ticket(ticket)
    elif kind == EventKind.MERGED and instance.ticket_id:
        if "into" in after:  # recorded on the source, after its messages and notes moved
            indexing.sync_moved_messages(after["into"], source_id=instance.ticket_id)
            indexing.unindex(Kind.TICKET, instance.ticket_id)
        elif "from" in after:
            indexing.sync_moved_messages(instance.ticket_id, source_id=after["from"])
    elif kind == EventKind.SPLIT and instance.ticket_id and "from" in after:
        indexing.sync_moved_messages(instance.ticket_id, message_ids=[after.get("message")])
    elif kind == EventKind.CUSTOMER_MERGED and instance.customer_id and "from" in after:
        indexing.sync_merged_customers(instance.customer_id, after["from"])


def connect() -> None:
    uid = "rapport.search"
    post_save.connect(_message_saved, sender=Message, dispatch_uid=f"{uid}.message")
    post_save.connect(_note_saved, sender=Note, dispatch_uid=f"{uid}.note")
    post_save.connect(_ticket_saved, sender=Ticket, dispatch_uid=f"{uid}.ticket")
    post_save.connect(_customer_saved, sender=Customer, dispatch_uid=f"{uid}.customer")
    post_save.connect(_identity_changed, sender=Identity, dispatch_uid=f"{uid}.identity")
    post_save.connect(_event_recorded, sender=Event, dispatch_uid=f"{uid}.event")
    post_delete.connect(_message_deleted, sender=Message, dispatch_uid=f"{uid}.message-del")
    post_delete.connect(_note_deleted, sender=Note, dispatch_uid=f"{uid}.note-del")
