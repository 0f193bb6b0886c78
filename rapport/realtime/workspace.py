"""What the agent workspace is told, and to whom (CH1, CH3; docs/realtime.md).

Called from one line each in rapport/tickets/events.py (every recorded ticket event) and
rapport/notify/actions.py (every notification). Each call is a `push`: sent after commit, a
courtesy on top of the database (a browser that misses it catches up on its next load).

Events (the browser sees `rapport:<event>` DOM events, dispatched by static/rapport/live.js):
    ticket.changed   {ticket, kind, team}       to the ticket's team, supervisors and the
                                                ticket's watchers: inbox rows and counts,
                                                the ticket page's timeline refresh
    notification     {id, kind, text, ticket}   to the one agent: header count and a toast
    presence         {ticket, user}             to the ticket's watchers: re-read who is
                                                viewing/typing (sent by consumers.py)
"""

from __future__ import annotations

from .publish import INBOX_GROUP, push, team_group, ticket_group, user_group


def ticket_changed(ticket, kind: str) -> None:
    """A ticket event was recorded (a message in or out, a note, status, assignment, ...)."""
    groups = [ticket_group(ticket.pk), INBOX_GROUP]
    if ticket.team_id:
        groups.append(team_group(ticket.team_id))
    push(groups, "ticket.changed", ticket=ticket.pk, kind=str(kind), team=ticket.team_id)


def notified(note) -> None:
    """A notification row was written for `note.user`."""
    push(
        user_group(note.user_id),
        "notification",
        id=note.pk,
        kind=str(note.kind),
        text=note.text,
        ticket=note.ticket_id,
    )
