"""Grants within the agent's limit and approval requests above it (RS7, docs/approvals.md).
Each is recorded on the ticket: an Event for the audit trail (TR2) and an internal note, the
line everyone on the ticket reads."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.notify.actions import do_notify, role_members
from rapport.notify.models import Kind
from rapport.tickets.actions import do_add_note
from rapport.tickets.events import record_event
from rapport.tickets.models import EventKind, Ticket

from .models import EmpowermentLimit, Grant, GrantKind, GrantStatus, LimitRole

EVENT_GRANTED = EventKind.GRANT_RECORDED
EVENT_REQUESTED = EventKind.APPROVAL_REQUESTED
EVENT_DECIDED = EventKind.APPROVAL_DECIDED


def is_unlimited(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def limit_for(user: User, kind: str, currency: str) -> Decimal | None:
    """What `user` may grant of `kind` in `currency` without approval; None: no cap
    (administrators). Without a configured limit, nothing (every grant is asked for)."""
    if is_unlimited(user):
        return None
    if user.is_partner:
        return Decimal("0")  # MG5: an outside contractor's agent asks a supervisor for any grant
    role = LimitRole.SUPERVISOR if user.role == Role.SUPERVISOR else LimitRole.AGENT
    row = EmpowermentLimit.objects.filter(role=role, kind=kind, currency=currency).first()
    return row.max_amount if row else Decimal("0")


def can_decide(user: User, grant: Grant) -> bool:
    """Supervisors of the ticket's team, supervisors of no team (global) and administrators;
    never the requester themself."""
    if not user.is_active:
        return False
    if is_unlimited(user):
        return True
    if user.role != Role.SUPERVISOR or user.pk == grant.requested_by_id:
        return False
    return not user.team_ids or grant.ticket.team_id in user.team_ids


def deciders(ticket: Ticket, exclude: User | None = None) -> list[User]:
    users = role_members(Role.SUPERVISOR, team=ticket.team)
    users += list(User.objects.filter(is_active=True, role=Role.ADMIN))
    return [u for u in users if exclude is None or u.pk != exclude.pk]


def access_grant(user: User, pk: int) -> Grant:
    """A grant on a ticket `user` may see; 404 otherwise (Charlie learns nothing)."""
    return get_object_or_404(
        Grant.objects.select_related("ticket", "requested_by").filter(
            ticket__in=Ticket.objects.visible_to(user)
        ),
        pk=pk,
    )


def _describe(grant: Grant) -> dict:
    return {
        "kind": grant.get_kind_display(),
        "amount": f"{grant.amount} {grant.currency}",
        "reason": grant.reason,
    }


def do_grant(
    ticket: Ticket,
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    currency: str,
    reason: str,
    limit: Decimal | None,
) -> Grant:
    grant = Grant.objects.create(
        ticket=ticket,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason,
        status=GrantStatus.GRANTED,
        limit=limit,
        requested_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    record_event(EVENT_GRANTED, ticket=ticket, actor=actor, after=_payload(grant))
    do_add_note(
        ticket,
        author=actor,
        body=_("%(kind)s of %(amount)s granted within my limit (RS7): %(reason)s")
        % _describe(grant),
    )
    return grant


def do_request_approval(
    ticket: Ticket,
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    currency: str,
    reason: str,
    limit: Decimal | None,
) -> Grant:
    grant = Grant.objects.create(
        ticket=ticket,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason,
        status=GrantStatus.PENDING,
        limit=limit,
        requested_by=actor,
    )
    record_event(EVENT_REQUESTED, ticket=ticket, actor=actor, after=_payload(grant))
    do_add_note(
        ticket,
        author=actor,
        body=_("Approval requested (RS7): %(kind)s of %(amount)s, above my limit: %(reason)s")
        % _describe(grant),
    )
    who = actor.display_name
    do_notify(
        deciders(ticket, exclude=actor),
        lambda: (
            _("%(agent)s asks you to approve a %(kind)s of %(amount)s on ticket #%(id)s")
            % {**_describe(grant), "agent": who, "id": ticket.pk}
        ),
        kind=Kind.ESCALATION,
        ticket=ticket,
        dedupe_key=f"approval:{grant.pk}",
    )
    return grant


def _payload(grant: Grant) -> dict:
    return {
        "grant": grant.pk,
        "kind": grant.kind,
        "amount": str(grant.amount),
        "currency": grant.currency,
        "status": grant.status,
    }


def clean_amount(amount, currency: str) -> tuple[Decimal, str]:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount."), code="amount") from None
    if value <= 0:
        raise ValidationError(_("The amount must be above zero."), code="amount")
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(_("A currency is three letters, like EUR."), code="currency")
    return value, currency


def check_grant(
    ticket: Ticket, *, actor: User, kind: str, amount, currency: str, reason: str
) -> Grant:
    """Grant at once within the actor's limit, else ask the team's supervisors (RS7)."""
    if kind not in GrantKind.values:
        raise ValidationError(_("Unknown kind."), code="kind")
    amount, currency = clean_amount(amount, currency)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValidationError(_("Say why."), code="reason")
    limit = limit_for(actor, kind, currency)
    fields = dict(
        actor=actor, kind=kind, amount=amount, currency=currency, reason=reason, limit=limit
    )
    if limit is None or amount <= limit:
        return do_grant(ticket, **fields)
    return do_request_approval(ticket, **fields)


def do_decide(grant: Grant, *, actor: User, approve: bool, note: str = "") -> Grant:
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.DENIED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.decision_note = (note or "").strip()[:500]
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    ticket = grant.ticket
    record_event(
        EVENT_DECIDED,
        ticket=ticket,
        actor=actor,
        before=GrantStatus.PENDING.value,
        after={**_payload(grant), "note": grant.decision_note},
    )
    values = {**_describe(grant), "note": grant.decision_note or "—"}
    body = (
        _("Approved (RS7): %(kind)s of %(amount)s. %(note)s")
        if approve
        else _("Denied (RS7): %(kind)s of %(amount)s. %(note)s")
    ) % values
    do_add_note(ticket, author=actor, body=body)
    who = actor.display_name
    do_notify(
        [grant.requested_by],
        lambda: (
            (
                _("%(who)s approved your %(kind)s of %(amount)s on ticket #%(id)s")
                if approve
                else _("%(who)s denied your %(kind)s of %(amount)s on ticket #%(id)s")
            )
            % {**_describe(grant), "who": who, "id": ticket.pk}
        ),
        kind=Kind.INFO,
        ticket=ticket,
        dedupe_key=f"approval-decided:{grant.pk}",
    )
    return grant


def check_decide(grant_id: int, *, actor: User, approve: bool, note: str = "") -> Grant:
    """One click: approve or deny a pending request. Locked, so two supervisors clicking at
    once decide it once; the second is told it was already decided."""
    with transaction.atomic():
        grant = access_grant(actor, grant_id)
        grant = (
            Grant.objects.select_for_update()
            .select_related("ticket", "requested_by")
            .get(pk=grant.pk)
        )
        if not can_decide(actor, grant):
            raise PermissionDenied(_("Only a supervisor of this ticket's team decides this."))
        if grant.status != GrantStatus.PENDING:
            raise ValidationError(_("This request was already decided."), code="decided")
        return do_decide(grant, actor=actor, approve=approve, note=note)
