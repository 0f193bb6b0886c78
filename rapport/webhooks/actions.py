"""Outgoing webhooks (docs/webhooks.md).

- `on_event(event)` is called by rapport.tickets.events.record_event for every recorded Event,
  inside the caller's transaction: it writes one Delivery per subscribed endpoint into the
  outbox table, so the delivery commits with the change it reports, or not at all. The task
  that sends it is enqueued after commit; the periodic sweep sends anything whose task was lost.
- `do_deliver(id)` posts one signed delivery and logs the attempt; a failure is retried with
  exponential back-off, and an endpoint failing RAPPORT_WEBHOOK_DISABLE_AFTER times in a row
  is disabled, with a notice to the administrators.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.jobs.enqueue import enqueue_on_commit
from rapport.lib.memo import memoised
from rapport.notify.actions import do_notify

from . import signing
from .models import Attempt, Delivery, DeliveryState, Endpoint, WebhookEventType
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
EXCERPT_CHARS = 1000


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


def on_event(event) -> list[Delivery]:
    """Queue the event for every endpoint subscribed to it, in the caller's transaction."""
    event_type = EVENT_TYPES.get(str(event.kind))
    if event_type is None:
        return []
    endpoints = _subscribers(event_type, lambda: event.ticket.team_id if event.ticket_id else None)
    if not endpoints:
        return []
    payload = event_payload(event, event_type)
    # ignore_conflicts: an event queued twice for one endpoint is stored once (the unique
    # (endpoint, event_id) constraint); ids are read back for the tasks.
    Delivery.objects.bulk_create(
        [
            Delivery(endpoint_id=pk, event_id=payload["id"], event_type=event_type, payload=payload)
            for pk in endpoints
        ],
        ignore_conflicts=True,
    )
    deliveries = list(Delivery.objects.filter(event_id=payload["id"], endpoint_id__in=endpoints))
    for delivery in deliveries:
        _enqueue(delivery.pk)
    return deliveries


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_webhook_task

    enqueue_on_commit(deliver_webhook_task, delivery_id)


# --- sending ---------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer (never follow: SSRF)


_opener = urllib.request.build_opener(_NoRedirect)


def _post(endpoint: Endpoint, delivery: Delivery) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error)."""
    try:
        check_webhook_url(endpoint.url)
    except ValidationError as exc:
        return None, "", " ".join(exc.messages)
    body = json.dumps(delivery.payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 — the scheme is checked (http/https only)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Rapport-Webhooks/1",
            signing.HEADER: signing.sign(endpoint.secret, body),
            "X-Rapport-Event-Id": delivery.event_id,
            "X-Rapport-Event-Type": delivery.event_type,
            "X-Rapport-Delivery": str(delivery.pk),
        },
    )
    try:
        with _opener.open(request, timeout=settings.RAPPORT_WEBHOOK_TIMEOUT) as response:
            excerpt = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
            return response.status, excerpt, ""
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(EXCERPT_CHARS).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, excerpt, ""
    except (OSError, ValueError) as exc:  # refused, timed out, TLS, bad URL
        return None, "", f"{type(exc).__name__}: {exc}"[:500]


def _claim(delivery_id: int) -> bool:
    """Atomically move a due delivery of an active endpoint to sending; False if someone else
    has it (two workers never send the same attempt)."""
    now = timezone.now()
    # No join in this UPDATE: with `endpoint__is_active` Django writes `WHERE id IN (SELECT …
    # JOIN …)`, and PostgreSQL re-checks only that outer `id IN` after waiting for a
    # concurrent claim, so both workers would "win" (test_concurrency caught it). The state
    # condition must be on the updated row itself.
    return bool(
        Delivery.objects.filter(
            pk=delivery_id,
            state=DeliveryState.PENDING,
            next_attempt_at__lte=now,
            endpoint_id__in=Endpoint.objects.filter(is_active=True).values("pk"),
        ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, started_at=now)
    )


def do_deliver(delivery_id: int) -> Delivery:
    if not _claim(delivery_id):
        return Delivery.objects.get(pk=delivery_id)
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    started = time.monotonic()
    code, excerpt, error = _post(endpoint, delivery)
    duration = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    now = timezone.now()
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=code,
            response_excerpt=excerpt[:EXCERPT_CHARS],
            error=error[:500],
            duration_ms=duration,
        )
        fields: dict = {"last_status": code, "last_error": (error or excerpt)[:1000]}
        if ok:
            fields.update(state=DeliveryState.DELIVERED, delivered_at=now, last_error="")
            Endpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
        else:
            if delivery.attempts >= settings.RAPPORT_WEBHOOK_MAX_ATTEMPTS:
                fields["state"] = DeliveryState.FAILED
            else:
                fields.update(
                    state=DeliveryState.PENDING, next_attempt_at=now + backoff(delivery.attempts)
                )
            _count_failure(endpoint)
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(**fields)
    delivery.refresh_from_db()
    return delivery


def _count_failure(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    failures = Endpoint.objects.values_list("consecutive_failures", flat=True).get(pk=endpoint.pk)
    if failures < settings.RAPPORT_WEBHOOK_DISABLE_AFTER:
        return
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


def flush_due(limit: int = 200) -> int:
    """The sweep: retries that are due, deliveries whose task was lost, and those a dead worker
    left half-sent (sent again: webhooks are at least once, receivers dedupe by event id)."""
    now = timezone.now()
    # A worker died while sending (RAPPORT_WEBHOOK_STUCK_AFTER, 5 min): send again (at least
    # once; the receiver drops an event id it has seen).
    stuck_after = timedelta(seconds=settings.RAPPORT_WEBHOOK_STUCK_AFTER)
    Delivery.objects.filter(state=DeliveryState.SENDING, started_at__lt=now - stuck_after).update(
        state=DeliveryState.PENDING, next_attempt_at=now
    )
    ids = list(
        Delivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in ids:
        do_deliver(delivery_id)
    old = Delivery.objects.filter(
        state=DeliveryState.DELIVERED, delivered_at__lt=now - KEEP_DELIVERED
    ).values_list("pk", flat=True)[:1000]
    Delivery.objects.filter(pk__in=list(old)).delete()
    return len(ids)


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
    for pk in due.values_list("pk", flat=True)[:500]:
        _enqueue(pk)


def do_disable_endpoint(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason=_("Disabled by hand.")
    )


def do_redeliver(delivery: Delivery) -> None:
    """Send a delivery again by hand (same event id and payload, a fresh signature)."""
    Delivery.objects.filter(pk=delivery.pk).exclude(state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    _enqueue(delivery.pk)


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
    _enqueue(delivery.pk)
    return delivery
