"""Customer profiles: one per person, found by any identity (TR6); flags (TR4); merging."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.lib.identities import normalise_identity
from rapport.lib.text import clean_text, truncate
from rapport.tickets.events import record_event
from rapport.tickets.models import Event, EventKind, Message, Ticket

from .models import Anniversary, Customer, CustomerFlag, Identity, Organisation

# Functions (identity kind, value) -> fields of a new profile reachable there, registered by
# other apps: rapport.sideconv makes colleagues writing from the company's own addresses
# internal customers of their department (CH8).
_NEW_PROFILE_DEFAULTS: list[Callable[[str, str], dict]] = []


def register_new_profile_defaults(hook: Callable[[str, str], dict]) -> None:
    if hook not in _NEW_PROFILE_DEFAULTS:
        _NEW_PROFILE_DEFAULTS.append(hook)


def _new_profile_fields(kind: str, value: str) -> dict:
    fields: dict = {}
    for hook in _NEW_PROFILE_DEFAULTS:
        fields.update(hook(kind, value))
    return fields


def do_resolve_customer(
    kind: str, value: str, *, name: str = "", language: str = "", preferred_channel: str = ""
) -> tuple[Customer, bool]:
    """The customer reachable at (kind, value), created with that identity if none is.

    Safe under concurrency: the identity's unique constraint decides who creates the profile;
    a loser rolls back its savepoint and reads the winner's row.
    """
    value = normalise_identity(kind, value)
    identity = Identity.objects.select_related("customer").filter(kind=kind, value=value).first()
    if identity:
        return identity.customer, False
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=truncate(clean_text(name).strip(), 200),
                language=language[:10],
                preferred_channel=preferred_channel,
                **_new_profile_fields(kind, value),
            )
            Identity.objects.create(customer=customer, kind=kind, value=value)
    except IntegrityError:
        winner = Identity.objects.select_related("customer").get(kind=kind, value=value)
        return winner.customer, False
    record_event(
        EventKind.CUSTOMER_CREATED, customer=customer, after={"identity": f"{kind}:{value}"}
    )
    return customer, True


def do_add_identity(customer: Customer, kind: str, value: str, *, actor=None) -> Identity:
    value = normalise_identity(kind, value)
    existing = Identity.objects.filter(kind=kind, value=value).first()
    if existing and existing.customer_id != customer.pk:
        raise ValidationError(
            _("%(value)s already belongs to another customer; merge the two profiles instead.")
            % {"value": value},
            code="taken",
        )
    if existing:
        return existing
    identity = Identity.objects.create(customer=customer, kind=kind, value=value)
    record_event(
        EventKind.CUSTOMER_UPDATED,
        customer=customer,
        actor=actor,
        after={"identity": f"{kind}:{value}"},
    )
    return identity


def organisation_named(name: str) -> Organisation | None:
    """The organisation called `name` (created when new); None for an empty name."""
    name = truncate(clean_text(name).strip(), 200)
    if not name:
        return None
    return Organisation.objects.get_or_create(name=name)[0]


def do_update_customer(customer: Customer, *, actor, **fields) -> Customer:
    before, after = {}, {}
    for name, value in fields.items():
        old = getattr(customer, name)
        if old != value:
            before[name], after[name] = (
                str(old) if old is not None else None,
                (str(value) if value is not None else None),
            )
            setattr(customer, name, value)
    if after:
        customer.save()
        record_event(
            EventKind.CUSTOMER_UPDATED, customer=customer, actor=actor, before=before, after=after
        )
    return customer


def do_flag_customer(customer: Customer, *, kind: str, reason: str, actor) -> CustomerFlag:
    """Warn the next agent (TR4). A flag of the same kind that still holds is not doubled."""
    reason = truncate(clean_text(reason).strip(), 500)
    existing = customer.flags.filter(kind=kind, cleared_at=None).first()
    if existing:
        return existing
    flag = CustomerFlag.objects.create(customer=customer, kind=kind, reason=reason, set_by=actor)
    record_event(
        EventKind.CUSTOMER_FLAGGED,
        customer=customer,
        actor=actor,
        after={"kind": kind, "reason": reason},
    )
    return flag


def check_flag_customer(customer: Customer, *, kind: str, reason: str, actor) -> CustomerFlag:
    if not (reason or "").strip():
        raise ValidationError(_("Say why, so the next agent understands the flag."), code="reason")
    return do_flag_customer(customer, kind=kind, reason=reason, actor=actor)


def do_clear_flag(flag: CustomerFlag, *, actor) -> None:
    if flag.cleared_at:
        return
    flag.cleared_at = timezone.now()
    flag.cleared_by = actor
    flag.save(update_fields=["cleared_at", "cleared_by"])
    record_event(
        EventKind.CUSTOMER_UNFLAGGED,
        customer=flag.customer,
        actor=actor,
        before={"kind": flag.kind, "reason": flag.reason},
    )


@transaction.atomic
def do_merge_customers(source: Customer, target: Customer, *, actor) -> Customer:
    """Two profiles are one person: everything of `source` moves to `target`."""
    moved = {
        "identities": Identity.objects.filter(customer=source).update(customer=target),
        "tickets": Ticket.objects.filter(customer=source).update(customer=target),
        "messages": Message.objects.filter(customer=source).update(customer=target),
        "flags": CustomerFlag.objects.filter(customer=source).update(customer=target),
        "anniversaries": Anniversary.objects.filter(customer=source).update(customer=target),
        "events": Event.objects.filter(customer=source).update(customer=target),
    }
    # Two flags of one kind that both still hold become one: the older one stays.
    seen: set[str] = set()
    active = CustomerFlag.objects.filter(customer=target, cleared_at=None)
    for flag in active.order_by("created_at"):
        if flag.kind in seen:
            flag.cleared_at, flag.cleared_by = timezone.now(), actor
            flag.save(update_fields=["cleared_at", "cleared_by"])
        seen.add(flag.kind)
    changed = []
    for name in ("organisation_id", "language", "preferred_channel", "birthday", "name"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
            changed.append(name)
    if source.notes:
        target.notes = f"{target.notes}\n\n{source.notes}".strip()
        changed.append("notes")
    if target.kind != source.kind and source.kind == "internal":
        target.kind = source.kind
        changed.append("kind")
    if changed:
        target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    record_event(
        EventKind.CUSTOMER_MERGED,
        customer=target,
        actor=actor,
        after={"from": source.pk, "name": source.name, **moved},
    )
    return target


def check_merge_customers(source: Customer, target: Customer, *, actor) -> Customer:
    if source.pk == target.pk:
        raise ValidationError(_("A customer cannot be merged into itself."), code="same")
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("That profile was already merged."), code="merged")
    return do_merge_customers(source, target, actor=actor)
