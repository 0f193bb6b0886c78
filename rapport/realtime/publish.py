"""Publishing events to browsers (CH1, CH3). The one way server code talks to the realtime layer.

    publish(group, type, **data)      sent after the current transaction commits (never a
                                      message about a row that was rolled back)
    push(group, event, **data)        the same for agents' browsers (AGENT_EVENT, below)
    send_now / push_now               at once, outside a transaction

`group` may also be a list of groups (the message goes to each).

Group names (one function each, so nobody spells them by hand):
    user_group(user_id)      one agent's browsers: notifications, CTI card pops
    team_group(team_id)      a team's inboxes: new tickets, counts
    ticket_group(ticket_id)  everyone with the ticket open: new messages, viewers, typing
    INBOX_GROUP              every agent who sees all teams (supervisors)
    chat_group(ticket_id)    the chat visitor's widget on that ticket
    visitor_group(vid)       every open widget of one chat visitor (all tabs, all servers):
                             their messages once the intake worker has processed them

With REDIS_URL the channel layer is Redis and every app server and worker reaches every
browser; without it the layer is in-process (one server) and events raised in other processes
(task worker, scheduler, mail worker) travel through the relay table (relay.py). A failed send
is logged, never raised: the database is the record, the push is a courtesy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.db import transaction

from . import relay

log = logging.getLogger(__name__)

INBOX_GROUP = "inbox"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def chat_group(ticket_id: int) -> str:
    return f"chat.{ticket_id}"


def visitor_group(vid: str) -> str:
    return f"visitor.{vid}"


def _groups(group: str | Iterable[str]) -> list[str]:
    return [group] if isinstance(group, str) else list(dict.fromkeys(group))


def send_now(group: str | Iterable[str], type: str, **data) -> None:
    """Send at once (from code that is not inside a transaction, e.g. a consumer).

    `group` may be a list of groups: the same message goes to each (one relay row for all)."""
    groups = _groups(group)
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    message = {"type": type, **data}
    try:
        relay.group_send(layer, groups, message)
    except Exception:  # the push is a courtesy; the data is already in the database
        log.exception("realtime: could not send %s to %s", type, groups)
    if relay.is_local(layer) and not relay.serving() and relay.web_alive():
        # Not the web process (a worker, the scheduler, the mail worker): the browsers are
        # connected elsewhere; the web process picks this up from the relay table.
        try:
            relay.record(groups, message)
        except Exception:
            log.exception("realtime: could not relay %s to %s", type, groups)


def publish(group: str | Iterable[str], type: str, **data) -> None:
    """Send `{"type": type, **data}` to `group` once the surrounding transaction commits.

    `type` names the consumer method that handles it ("ticket.message" → ticket_message).
    """
    layer = get_channel_layer()
    if layer is not None and relay.is_local(layer) and not relay.serving() and relay.web_alive():
        # Not the web process, no Redis, and a web process running elsewhere on this machine:
        # the browsers are there. The row for it is written inside the caller's transaction —
        # it commits with the data or not at all, and costs no commit of its own (the intake
        # worker writes a batch of messages in one transaction).
        groups = _groups(group)
        if groups:
            try:
                with transaction.atomic():
                    relay.record(groups, {"type": type, **data})
            except Exception:
                log.exception("realtime: could not relay %s to %s", type, groups)
        return
    transaction.on_commit(lambda: send_now(group, type, **data))


# --- Events for agents' browsers ----------------------------------------------------------
# Every agent-facing consumer handles one message type, AGENT_EVENT, and forwards `event` and
# `data` to the browser as JSON; the page's live.js dispatches a DOM event `rapport:<event>`
# (e.g. "rapport:cti.ringing") that any script can listen to. `data` must be JSON-serialisable;
# HTML in it must be rendered by a Django template (auto-escaped).
AGENT_EVENT = "agent.event"


def push(group: str | Iterable[str], event: str, **data) -> None:
    """After commit, send `event` with `data` to every agent browser in `group`."""
    publish(group, AGENT_EVENT, event=event, data=data)


def push_now(group: str | Iterable[str], event: str, **data) -> None:
    """The same, at once (outside a transaction)."""
    send_now(group, AGENT_EVENT, event=event, data=data)
