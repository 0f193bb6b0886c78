"""Outgoing webhooks (docs/webhooks.md).

- `on_event(event)` is called by rapport.tickets.events.record_event for every recorded Event,
  inside the caller's transaction: it writes one Delivery per subscribed endpoint into the
  outbox table, so the delivery commits with the change it reports, or not at all.
- `manage.py webhook_worker` (and the periodic sweep, `flush_due`) claim due deliveries in
  batches and send them concurrently (rapport/webhooks/sender.py); every attempt is logged, a
  failure is retried with exponential back-off, and an endpoint failing
  RAPPORT_WEBHOOK_DISABLE_AFTER times in a row is disabled, with a notice to the administrators.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.jobs.enqueue import enqueue_on_commit
from rapport.lib.memo import memoised
from rapport.notify.actions import do_notify

from .models import Delivery, DeliveryState, Endpoint, WebhookEventType
from .urlcheck import check_webhook_url

log = logging.getLogger(__name__)

# The Event log's kinds → the webhook event types (docs/webhooks.md).
EVENT_TYPES = {
    "ticket.created": WebhookEventType.TICKET_CREATED,
    "message.received": WebhookEventType.MESSAGE_RECEIVED,
    "message.sent": WebhookEventType.MESSAGE_SENT,
    "note.added": WebhookEventType.NOTE_ADDED,
    "ticket.status": WebhookEventType.STATUS_CHANGED,
    "ticket.priority": WebhookEventType.PRIORITY_CHANGED,
    "ticket.assignee": WebhookEventType.ASSIGNEE_CHANGED,
    "ticket.team": WebhookEventType.TEAM_CHANGED,
    "ticket.tags": WebhookEventType.TAGS_CHANGED,
    "ticket.merged": WebhookEventType.MERGED,
    "sla.warning": WebhookEventType.SLA_WARNING,
    "sla.breach": WebhookEventType.SLA_BREACH,
    "delivery.failed": WebhookEventType.DELIVERY_FAILED,
    "customer.created": WebhookEventType.CUSTOMER_CREATED,
    "customer.updated": WebhookEventType.CUSTOMER_UPDATED,
    "customer.flagged": WebhookEventType.CUSTOMER_FLAGGED,
    "customer.merged": WebhookEventType.CUSTOMER_MERGED,
    # rapport.feedback (FB1): recorded with its own kinds
    "survey.answered": WebhookEventType.SURVEY_ANSWERED,
    "resolution.confirmed": WebhookEventType.RESOLUTION_CONFIRMED,
    "resolution.reopened": WebhookEventType.RESOLUTION_REOPENED,
}

RETRY_BASE = timedelta(seconds=30)  # 30 s, 1 min, 2 min, 4 min, … up to RETRY_CAP
RETRY_CAP = timedelta(hours=6)
KEEP_DELIVERED = timedelta(days=30)  # the log of delivered events, then pruned by the sweep


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


# --- writing the outbox ----------------------------------------------------------------------


def _subscribers(event_type: str, team_of_event) -> list[int]:
    """Active endpoints subscribed to this type (and to this team, when they name teams).
    `team_of_event()` is only called when an endpoint names teams."""
    # Once per intake batch (rapport/lib/memo.py): every message records events.
    rows = memoised(
        "webhooks.active_endpoints",
        lambda: list(
            Endpoint.objects.filter(is_active=True).values_list("pk", "event_types", "teams")
        ),
    )
    wanted: dict[int, bool] = {}
    for pk, types, team in rows:
        if event_type not in (types or []):
            continue
        ok = team is None or team == team_of_event()
        wanted[pk] = wanted.get(pk, False) or ok
    return [pk for pk, ok in wanted.items() if ok]


def _ticket_data(ticket) -> dict:
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "customer": ticket.customer_id,
        "url": f"{settings.SITE_URL}/tickets/{ticket.pk}/",
    }


def _message_data(message_id) -> dict | None:
    from rapport.tickets.models import Message

    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return None
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "author": message.author_id,
        "subject": message.subject,
        "body_text": message.body_text,
        "created_at": message.created_at,
    }


def event_payload(event, event_type: str) -> dict:
    data: dict = {
        "ticket": _ticket_data(event.ticket) if event.ticket_id else None,
        "customer": event.customer_id,
        "actor": event.actor_id,
        "before": event.before,
        "after": event.after,
    }
    after = event.after if isinstance(event.after, dict) else {}
    if "message" in after:
        data["message"] = _message_data(after["message"])
    payload = {
        "id": event_id(event),
        "type": event_type,
        "created_at": event.created_at,
        "data": data,
    }
    # Stored as JSON: datetimes as ISO strings, exactly as they will be sent.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def event_id(event) -> str:
    return f"evt_{event.pk}"


def on_event(event) -> None:
    """Queue the event for every endpoint subscribed to it, in the caller's transaction. No
    task per delivery: `webhook_worker` (and the periodic sweep) claim due rows in batches."""
    event_type = EVENT_TYPES.get(str(event.kind))
    if event_type is None:
        return
    endpoints = _subscribers(event_type, lambda: event.ticket.team_id if event.ticket_id else None)
    if not endpoints:
        return
    payload = event_payload(event, event_type)
    # ignore_conflicts: an event queued twice for one endpoint is stored once (the unique
    # (endpoint, event_id) constraint).
    Delivery.objects.bulk_create(
        [
            Delivery(endpoint_id=pk, event_id=payload["id"], event_type=event_type, payload=payload)
            for pk in endpoints
        ],
        ignore_conflicts=True,
    )


def _send_soon(*delivery_ids: int) -> None:
    """An administrator's action (test event, redelivery, enabling again): a task sends these
    right after commit, in case no webhook_worker is running; whoever claims first sends."""
    from .tasks import deliver_webhooks_task

    enqueue_on_commit(deliver_webhooks_task, list(delivery_ids))


# --- sending (rapport/webhooks/sender.py: claimed in batches, sent concurrently) -------------


def do_deliver(delivery_id: int) -> Delivery:
    """Send one delivery now if it is due (a round of one); the delivery as it is after."""
    from .sender import deliver_batch

    deliver_batch(1, ids=[delivery_id])
    return Delivery.objects.get(pk=delivery_id)


def count_failures(endpoint_id: int, outcomes: list[bool]) -> None:
    """Fold one round's results for an endpoint (oldest first) into its count of failures in a
    row; at RAPPORT_WEBHOOK_DISABLE_AFTER it is disabled, with a notice to the administrators.
    Runs in the round's transaction."""
    rows = Endpoint.objects.filter(pk=endpoint_id)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()  # two workers' rounds count one after the other
    failures = rows.values_list("consecutive_failures", flat=True).first()
    if failures is None:
        return  # deleted meanwhile
    for ok in outcomes:
        failures = 0 if ok else failures + 1
    Endpoint.objects.filter(pk=endpoint_id).update(consecutive_failures=failures)
    if failures >= settings.RAPPORT_WEBHOOK_DISABLE_AFTER:
        _disable_after_failures(Endpoint.objects.get(pk=endpoint_id), failures)


def _disable_after_failures(endpoint: Endpoint, failures: int) -> None:
    now = timezone.now()
    reason = _("Disabled after %(n)d failed deliveries in a row.") % {"n": failures}
    # Only the UPDATE that flips is_active notifies: two workers failing at once notify once.
    if Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason
    ):
        admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        url = endpoint.url
        do_notify(
            admins,
            lambda: (
                _(
                    "Webhook %(url)s was disabled after %(n)d failed deliveries in a row. "
                    "Fix the receiver, then enable it again on the Webhooks page."
                )
                % {"url": url, "n": failures}
            ),
            dedupe_key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}",
        )


def release_stuck() -> int:
    """Deliveries a dead worker left "sending" for RAPPORT_WEBHOOK_STUCK_AFTER seconds are due
    again (sent again: webhooks are at least once; receivers drop an event id seen before)."""
    now = timezone.now()
    stuck_after = timedelta(seconds=settings.RAPPORT_WEBHOOK_STUCK_AFTER)
    stuck = Delivery.objects.filter(state=DeliveryState.SENDING, started_at__lt=now - stuck_after)
    if not stuck.exists():  # the usual case: a read, not a write (SQLite's one write lock)
        return 0
    return stuck.update(state=DeliveryState.PENDING, next_attempt_at=now)


def prune_delivered() -> int:
    now = timezone.now()
    old = Delivery.objects.filter(
        state=DeliveryState.DELIVERED, delivered_at__lt=now - KEEP_DELIVERED
    ).values_list("pk", flat=True)[:1000]
    return Delivery.objects.filter(pk__in=list(old)).delete()[0]


def flush_due(limit: int | None = None, *, seconds: float = 20.0) -> int:
    """The sweep (a periodic task, and what `webhook_worker` does in a loop): deliveries left
    half-sent by a dead worker, then rounds of due deliveries until none is left, `limit`
    deliveries are sent or `seconds` have passed; then the old log is pruned. Returns how many
    deliveries were claimed."""
    from .sender import Sender, deliver_batch

    release_stuck()
    done, started = 0, time.monotonic()
    sender = Sender()
    try:
        while limit is None or done < limit:
            size = settings.RAPPORT_WEBHOOK_BATCH
            claimed = deliver_batch(
                size if limit is None else min(size, limit - done), sender=sender
            )
            done += claimed
            if not claimed or time.monotonic() - started > seconds:
                break
    finally:
        sender.close()
    prune_delivered()
    return done


# --- managing endpoints ----------------------------------------------------------------------


def do_save_endpoint(endpoint: Endpoint, *, teams=None) -> Endpoint:
    check_webhook_url(endpoint.url)
    endpoint.event_types = [t for t in endpoint.event_types if t in WebhookEventType.values]
    endpoint.save()
    if teams is not None:
        endpoint.teams.set(teams)
    return endpoint


def do_enable_endpoint(endpoint: Endpoint) -> None:
    """Enable again (after a fix): waiting deliveries go out at once, in order."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )
    due = Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.PENDING)
    due.update(next_attempt_at=timezone.now())
    first = list(due.order_by("id").values_list("pk", flat=True)[:500])
    if first:
        _send_soon(*first)


def do_disable_endpoint(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason=_("Disabled by hand.")
    )


def do_redeliver(delivery: Delivery) -> None:
    """Send a delivery again by hand (same event id and payload, a fresh signature)."""
    Delivery.objects.filter(pk=delivery.pk).exclude(state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    _send_soon(delivery.pk)


def do_send_test(endpoint: Endpoint, actor) -> Delivery:
    """A `ping` to check the receiver (and its signature check)."""
    now = timezone.now()
    payload = {
        "id": f"ping_{endpoint.pk}_{int(now.timestamp() * 1000)}",
        "type": "ping",
        "created_at": now.isoformat(),
        "data": {"actor": actor.pk},
    }
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_id=payload["id"], event_type="ping", payload=payload
    )
    _send_soon(delivery.pk)
    return delivery
