"""Retention policies applied (storage limitation: GDPR art. 5(1)(e), 152-FZ art. 5(7);
docs/privacy.md). One function per data type: given a cutoff, the rows it would touch
(`candidates`) and what it does to them (`expire`). Statistics survive as in an erasure: rows
stay, their personal content goes; only logs (webhook deliveries, the audit log) are deleted.

`apply(dry_run=True)` counts without changing anything: `manage.py retention --dry-run`.
The daily `apply_retention_task` runs `apply()`. Work goes in batches of BATCH rows, each in its
own short transaction, so a first run over years of data does not hold SQLite's write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rapport.lib.channels import IdentityKind
from rapport.tickets.models import Attachment, Message, Status, Ticket

from . import appendonly
from .audit import record
from .models import MIN_AUDIT_DAYS, Action, AuditEntry, DataType, RetentionPolicy

log = logging.getLogger(__name__)

BATCH = 500
EXPIRED = "[expired]"
# Sensible starting points, created (disabled) so an admin sees every type and decides.
DEFAULT_DAYS = {
    DataType.RAW_INBOUND: 90,
    DataType.ATTACHMENTS: 730,
    DataType.CLOSED_MESSAGES: 1825,
    DataType.ANONYMOUS_CHATS: 180,
    DataType.OUTBOX_COPIES: 90,
    DataType.WEBHOOK_DELIVERIES: 30,
    DataType.AUDIT_LOG: 1095,
}


@dataclass(frozen=True)
class Rule:
    candidates: Callable[[datetime], QuerySet]
    expire: Callable[[list[int]], None]
    what: str  # what `expire` does, for the dry run's listing


def _closed_before(cutoff: datetime) -> Q:
    return Q(ticket__status=Status.CLOSED, ticket__closed_at__lt=cutoff)


# --- raw inbound copies: the bytes on the wire, once the message is processed --------------


def _raw_candidates(cutoff):
    raw = apps.get_model("intake.InboundRaw")
    return raw.objects.filter(received_at__lt=cutoff, state__in=["processed", "ignored"]).exclude(
        raw=b""
    )


def _raw_expire(ids):
    apps.get_model("intake.InboundRaw").objects.filter(pk__in=ids).update(raw=b"")


# --- attachments of closed tickets ---------------------------------------------------------


def _attachment_candidates(cutoff):
    return Attachment.objects.filter(
        Q(message__ticket__status=Status.CLOSED, message__ticket__closed_at__lt=cutoff)
    ).exclude(file="")


def _attachment_expire(ids):
    names = list(Attachment.objects.filter(pk__in=ids).values_list("file", flat=True))
    Attachment.objects.filter(pk__in=ids).update(file="")
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names if n])


# --- message texts of closed tickets ---------------------------------------------------------


def _message_candidates(cutoff):
    return Message.objects.filter(_closed_before(cutoff)).exclude(body_text=EXPIRED)


def _blank_messages(ids):
    from rapport.search import indexing

    Message.objects.filter(pk__in=ids).update(
        body_text=EXPIRED, body_html="", body_quoted="", subject=""
    )
    for m in Message.objects.filter(pk__in=ids):
        indexing.index_message(m)


# --- chats of anonymous visitors (no e-mail or phone on their profile) ---------------------


def _anonymous_chat_candidates(cutoff):
    identity = apps.get_model("customers.Identity")
    known = identity.objects.filter(
        customer_id=OuterRef("customer_id"), kind__in=[IdentityKind.EMAIL, IdentityKind.PHONE]
    )
    tickets = (
        Ticket.objects.filter(
            channel="webchat", status__in=[Status.SOLVED, Status.CLOSED], updated_at__lt=cutoff
        )
        .annotate(known=Exists(known))
        .filter(known=False)
    )
    return Message.objects.filter(ticket__in=tickets.values("pk")).exclude(body_text=EXPIRED)


# --- sent copies in the outbox --------------------------------------------------------------


def _outbox_candidates(cutoff):
    delivery = apps.get_model("outbox.Delivery")
    return delivery.objects.filter(state="sent", created_at__lt=cutoff).exclude(raw=b"", payload={})


def _outbox_expire(ids):
    apps.get_model("outbox.Delivery").objects.filter(pk__in=ids).update(raw=b"", payload={})


# --- webhook delivery log ---------------------------------------------------------------------


def _webhook_candidates(cutoff):
    delivery = apps.get_model("webhooks.Delivery")
    return delivery.objects.filter(created_at__lt=cutoff, state__in=["delivered", "failed"])


def _webhook_expire(ids):
    apps.get_model("webhooks.Delivery").objects.filter(pk__in=ids).delete()


# --- the audit log ------------------------------------------------------------------------------


def _audit_candidates(cutoff):
    return AuditEntry.objects.filter(at__lt=cutoff)


def _audit_expire(ids):
    # The one DELETE the append-only trigger lets through (appendonly.unlocked). Plain SQL:
    # the ORM's delete() on this model refuses by design.
    from django.db import connection

    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    with appendonly.unlocked(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", ids)  # noqa: S608


RULES: dict[str, Rule] = {
    DataType.RAW_INBOUND: Rule(_raw_candidates, _raw_expire, "original bytes wiped"),
    DataType.ATTACHMENTS: Rule(_attachment_candidates, _attachment_expire, "files deleted"),
    DataType.CLOSED_MESSAGES: Rule(_message_candidates, _blank_messages, "texts replaced"),
    DataType.ANONYMOUS_CHATS: Rule(_anonymous_chat_candidates, _blank_messages, "texts replaced"),
    DataType.OUTBOX_COPIES: Rule(_outbox_candidates, _outbox_expire, "sent copies wiped"),
    DataType.WEBHOOK_DELIVERIES: Rule(_webhook_candidates, _webhook_expire, "rows deleted"),
    DataType.AUDIT_LOG: Rule(_audit_candidates, _audit_expire, "entries deleted"),
}


def ensure_policies() -> None:
    """One row per data type (disabled until an admin turns it on)."""
    for data_type, days in DEFAULT_DAYS.items():
        RetentionPolicy.objects.get_or_create(
            data_type=data_type, defaults={"keep_days": days, "enabled": False}
        )


@dataclass
class Outcome:
    data_type: str
    keep_days: int
    cutoff: datetime
    count: int
    what: str


def apply(*, dry_run: bool = False, now: datetime | None = None) -> list[Outcome]:
    """Apply every enabled policy (or, with dry_run, count what each would touch)."""
    now = now or timezone.now()
    outcomes = []
    for policy in RetentionPolicy.objects.filter(enabled=True):
        rule = RULES[policy.data_type]
        days = policy.keep_days
        if policy.data_type == DataType.AUDIT_LOG:
            days = max(days, MIN_AUDIT_DAYS)
        cutoff = now - timedelta(days=days)
        qs = rule.candidates(cutoff)
        if dry_run:
            count = qs.count()
        else:
            count = 0
            while ids := list(qs.order_by("pk").values_list("pk", flat=True)[:BATCH]):
                with transaction.atomic():
                    rule.expire(ids)
                count += len(ids)
            RetentionPolicy.objects.filter(pk=policy.pk).update(
                last_applied_at=now, last_result={"count": count, "cutoff": cutoff.isoformat()}
            )
            if count:
                record(
                    Action.RETENTION,
                    policy.data_type,
                    detail={"count": count, "cutoff": cutoff.isoformat()},
                )
        outcomes.append(Outcome(policy.data_type, days, cutoff, count, rule.what))
    return outcomes
