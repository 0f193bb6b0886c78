"""The closing guard (CQ21): never end while the customer is still unhappy.

Solving or closing a ticket whose last customer message reads negative or angry needs an
explicit confirmation. tickets.actions.check_change_status and check_reply call this, so every
path (the ticket page, the reply form, an API) gets the same check.
"""

from __future__ import annotations

from rapport.tickets.coaching import last_customer_message
from rapport.tickets.models import Direction, Message, Status, Ticket

UNHAPPY_MOODS = frozenset({"negative", "angry"})
CLOSING = frozenset({Status.SOLVED, Status.CLOSED})


def unhappy_message(ticket: Ticket, messages=None) -> Message | None:
    """The customer's last message if it is negative or angry, else None. `messages`: all of
    the ticket's messages when the caller has them (the ticket page's timeline): no query."""
    if messages is not None:
        customers = [m for m in messages if m.direction == Direction.IN and m.auto == ""]
        message = max(customers, key=lambda m: (m.created_at, m.pk), default=None)
    else:
        message = last_customer_message(ticket)
    if message is None:
        return None
    # The coach's stored reading (tickets.coaching.analyse_message_task, seconds after the
    # message commits). A message not read yet does not hold the ticket open.
    analysis = message.analysis or {}
    return message if analysis.get("mood") in UNHAPPY_MOODS else None


def closing_needs_confirmation(ticket: Ticket, status: str | None) -> bool:
    """True when moving `ticket` to `status` closes it over an unhappy customer."""
    if not status or status not in CLOSING or ticket.status in CLOSING:
        return False
    return unhappy_message(ticket) is not None
