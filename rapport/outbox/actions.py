"""The one outbox (ARCHITECTURE: "sending goes through one outbox"). See docs/outbox.md.

A channel registers a composer (message → payload and bytes to send) and a sender. An agent's
reply is committed with its Delivery in the same transaction; a worker sends it afterwards,
retrying temporary failures with back-off. A worker that dies before it hands a delivery over
(killed while connecting, or waiting for the database) leaves nothing sent: the delivery is
taken back and sent again. One that dies after handing it over might have sent it: it is never
sent again automatically, but marked failed with that reason for an agent to resend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Delivery, DeliveryState

log = logging.getLogger(__name__)

BACKOFF = [timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600, 7200, 14400, 28800)]
MAX_ATTEMPTS = len(BACKOFF) + 1
INTERRUPTED_AFTER = timedelta(minutes=10)
# A claim still "sending" this long but never handed over: its worker died before anything
# left (a live worker hands over within seconds, or gives up on the SMTP timeout).
UNSENT_AFTER = timedelta(minutes=1)


class TemporaryFailure(Exception):
    """Try again later (connection refused, 4xx)."""


class PermanentFailure(Exception):
    """Give up now (5xx, no recipient): retrying would not help."""


class ClaimLost(Exception):  # noqa: N818 — a decision, not an error
    """The delivery was taken back from this worker (its claim looked dead): do not send."""


@dataclass
class Composed:
    payload: dict
    raw: bytes
    external_id: str = ""  # the channel's id for the message (e-mail: its Message-ID)


@dataclass
class ChannelOutbox:
    compose: Callable[..., Composed | None]  # (message) -> Composed, None: nothing to send
    # Returns an optional note (e.g. "refused for one Cc"); raises Temporary/PermanentFailure.
    send: Callable[[Delivery], str | None]
    # The sender calls handing_over() itself, right before the bytes leave; otherwise the
    # outbox calls it before send() (the whole send is then the point of no return).
    marks_handover: bool = False


CHANNELS: dict[str, ChannelOutbox] = {}


def register_channel(channel: str, *, compose, send, marks_handover: bool = False) -> None:
    CHANNELS[channel] = ChannelOutbox(compose=compose, send=send, marks_handover=marks_handover)


def do_queue(message, **options) -> Delivery | None:
    """Queue `message` for its channel (inside the caller's transaction). Channels without an
    outbox (phone, desk) have nothing to send."""
    outbox = CHANNELS.get(message.channel)
    if outbox is None:
        return None
    composed = outbox.compose(message, **options)
    if composed is None:
        return None
    if composed.external_id and not message.external_id:
        message.external_id = composed.external_id
        type(message).objects.filter(pk=message.pk).update(external_id=composed.external_id)
    delivery = Delivery.objects.create(
        message=message, channel=message.channel, payload=composed.payload, raw=composed.raw
    )
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_task

    try:
        deliver_task.enqueue(delivery_id)
    except Exception:  # noqa: BLE001 — the worker's sweep sends it anyway
        log.warning("outbox: could not enqueue delivery %s; the sweep will send it", delivery_id)


def _claim(delivery_id: int) -> bool:
    """Atomically move a due delivery from queued to sending; False if someone else has it."""
    now = timezone.now()
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state=DeliveryState.QUEUED, next_attempt_at__lte=now
        ).update(
            state=DeliveryState.SENDING, attempts=F("attempts") + 1, started_at=now, sent_at=None
        )
    )


def handing_over(delivery: Delivery) -> None:
    """The point of no return, called right before the bytes leave (e-mail: after connecting,
    just before the SMTP transaction). It records the moment in `sent_at` while the delivery
    is still "sending": a worker that dies after this might have sent it (never resent
    automatically); one that dies before it sent nothing (taken back and sent again, see
    recover_interrupted). Conditional on this worker's claim (its attempt number), so a claim
    taken back meanwhile raises ClaimLost instead of sending a second copy."""
    if not Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, attempts=delivery.attempts, sent_at=None
    ).update(sent_at=timezone.now()):
        raise ClaimLost(f"delivery {delivery.pk} was taken back from this worker")


def do_deliver(delivery_id: int) -> Delivery:
    if not _claim(delivery_id):
        return Delivery.objects.get(pk=delivery_id)
    delivery = Delivery.objects.select_related("message").get(pk=delivery_id)
    outbox = CHANNELS[delivery.channel]
    try:
        if not outbox.marks_handover:
            handing_over(delivery)
        note = outbox.send(delivery)
    except ClaimLost:
        return Delivery.objects.get(pk=delivery_id)  # another worker has it now
    except PermanentFailure as exc:
        _finish(delivery, DeliveryState.FAILED, error=str(exc) or type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 — network errors and 4xx: try again later
        error = f"{type(exc).__name__}: {exc}"
        if delivery.attempts >= MAX_ATTEMPTS:
            _finish(
                delivery,
                DeliveryState.FAILED,
                error=f"gave up after {delivery.attempts} attempts: {error}",
            )
        else:
            wait = BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
            # A channel may say when to try again (Telegram's 429 retry_after): never sooner.
            wait = max(wait, timedelta(seconds=getattr(exc, "retry_after", 0) or 0))
            _finish(
                delivery, DeliveryState.QUEUED, error=error, next_attempt_at=timezone.now() + wait
            )
    else:
        _finish(delivery, DeliveryState.SENT, error=note or "", sent_at=timezone.now())
    return delivery


def _finish(delivery: Delivery, state: str, **fields) -> None:
    fields["last_error"] = fields.pop("error")[:5000]
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=state, **fields
    )
    delivery.state = state
    for name, value in fields.items():
        setattr(delivery, name, value)


def flush_due(limit: int = 200) -> int:
    """Send what is due (the worker's sweep: retries, and anything whose task was lost)."""
    recover_interrupted()
    ids = list(
        Delivery.objects.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in ids:
        do_deliver(delivery_id)
    return len(ids)


def recover_interrupted() -> int:
    """Deliveries whose worker died. Before handing over (`sent_at` empty) nothing went out:
    they are queued again. After it we cannot know whether the message went out, so we do not
    send it twice behind anyone's back: an agent sees the reason and can resend."""
    now = timezone.now()
    requeued = Delivery.objects.filter(
        state=DeliveryState.SENDING, sent_at=None, started_at__lt=now - UNSENT_AFTER
    ).update(
        state=DeliveryState.QUEUED,
        next_attempt_at=now,
        last_error="The worker stopped before sending it; sent again.",
    )
    return requeued + Delivery.objects.filter(
        state=DeliveryState.SENDING,
        sent_at__isnull=False,
        started_at__lt=now - INTERRUPTED_AFTER,
    ).update(
        state=DeliveryState.FAILED,
        last_error="Interrupted while sending: it may or may not have gone out. Not retried "
        "automatically, to never send twice; resend it if the customer did not get it.",
    )


def do_resend(delivery: Delivery) -> None:
    """An agent's explicit resend of a failed delivery (same bytes, same Message-ID)."""
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.QUEUED, next_attempt_at=timezone.now(), last_error="", sent_at=None
    )
    transaction.on_commit(lambda: _enqueue(delivery.pk))
