"""Promises and callbacks (RS2, RS6): tracking, keeping, reminders and the kept rate.

House style: `access_x` fetches with a permission check, `check_x` validates, `do_x` changes.
See docs/promises.md.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.accounts.models import Role, User
from rapport.coach.promises import PromiseFound, find_promise
from rapport.notify.actions import do_notify, role_members
from rapport.notify.models import Kind
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import Direction, Message, Ticket

from .models import Promise, PromiseKind, PromiseState

REMIND_BEFORE = timedelta(minutes=30)  # the agent is reminded this long before a promise is due
OFFER_WITHIN = timedelta(days=2)  # a reply older than this is not offered for tracking any more


# --- who sees what ------------------------------------------------------------------------------


def visible_promises(user: User) -> QuerySet[Promise]:
    """Promises on tickets the user may see: all for supervisors, else their teams' tickets."""
    qs = Promise.objects.all()
    if user.sees_all_teams:
        return qs
    return qs.filter(ticket__team_id__in=user.team_ids)


def access_promise(user: User, pk: int, *, for_update: bool = False) -> Promise:
    qs = visible_promises(user).select_related("ticket", "agent", "customer")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


# --- tracking a promise ---------------------------------------------------------------------


def do_add_promise(
    ticket: Ticket,
    *,
    agent: User | None,
    text: str,
    kind: str,
    due_at,
    actor: User | None,
    source_message: Message | None = None,
    at=None,
) -> Promise:
    return Promise.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        agent=agent,
        text=text.strip()[:500],
        kind=kind,
        due_at=due_at,
        source_message=source_message,
        created_by=actor,
        created_at=at or timezone.now(),
    )


def check_add_promise(
    ticket: Ticket,
    *,
    actor: User,
    text: str,
    kind: str,
    due_at,
    agent: User | None = None,
    source_message: Message | None = None,
) -> Promise:
    """Validate and track. Tracking the same sentence of the same reply twice (a double click,
    two tabs) returns the promise already tracked."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Say what was promised."), code="empty")
    if kind not in PromiseKind.values:
        raise ValidationError(_("Unknown kind of promise."), code="kind")
    if due_at is None or timezone.is_naive(due_at):
        raise ValidationError(_("Give the time it is due."), code="due")
    if due_at < timezone.now() - timedelta(minutes=5):
        raise ValidationError(_("The due time is in the past."), code="past")
    agent = agent or actor
    if not agent.sees_all_teams and ticket.team_id not in agent.team_ids:
        raise ValidationError(
            _("%(agent)s is not in the ticket's team.") % {"agent": agent.display_name},
            code="not_member",
        )
    if source_message is not None:
        if source_message.ticket_id != ticket.pk or source_message.direction != Direction.OUT:
            raise ValidationError(_("That reply is not on this ticket."), code="source")
        existing = Promise.objects.filter(source_message=source_message, text=text[:500]).first()
        if existing is not None:
            return existing
    return do_add_promise(
        ticket,
        agent=agent,
        text=text,
        kind=kind,
        due_at=due_at,
        actor=actor,
        source_message=source_message,
    )


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def offer_for(
    ticket: Ticket, user: User, *, dismissed=(), now=None, messages=None
) -> tuple[Message, PromiseFound] | None:
    """The promise the coach finds in this agent's latest reply on the ticket, to offer "Track
    this promise" — unless it is tracked already, dismissed, or the reply is old. `messages`:
    all of the ticket's messages when the caller has them (the ticket page): no query."""
    now = now or timezone.now()
    if messages is not None:
        replies = [
            m
            for m in messages
            if m.direction == Direction.OUT
            and m.author_id == user.pk
            and m.created_at >= now - OFFER_WITHIN
        ]
        message = max(replies, key=lambda m: (m.created_at, m.pk), default=None)
    else:
        message = (
            Message.objects.filter(
                ticket=ticket,
                direction=Direction.OUT,
                author=user,
                created_at__gte=now - OFFER_WITHIN,
            )
            .order_by("-created_at", "-id")
            .first()
        )
    if message is None or message.pk in set(dismissed):
        return None
    if Promise.objects.filter(source_message=message).exists():
        return None
    found = find_promise(message.body_text, now=message.created_at, tz=_zone(user))
    return (message, found) if found is not None else None


# --- keeping, breaking, cancelling --------------------------------------------------------------


def _close(promise: Promise, state: str, *, at) -> None:
    promise.state, promise.closed_at = state, at
    if state == PromiseState.KEPT:
        promise.kept_at = at
    promise.save(update_fields=["state", "closed_at", "kept_at", "outcome"])


@transaction.atomic
def do_keep(promise: Promise, *, actor: User, outcome: str = "", at=None) -> Promise:
    """Kept (RS2). A callback is kept when the agent logs it done: the outcome becomes an
    internal note on the ticket, so the next colleague knows what was said (TR3)."""
    at = at or timezone.now()
    promise.outcome = (outcome or "").strip()[:2000]
    _close(promise, PromiseState.KEPT, at=at)
    if promise.kind == PromiseKind.CALLBACK or promise.outcome:
        label = _("Callback done") if promise.kind == PromiseKind.CALLBACK else _("Promise kept")
        body = f"{label}: {promise.text}" + (f"\n{promise.outcome}" if promise.outcome else "")
        ticket_actions.do_add_note(promise.ticket, author=actor, body=body, at=at)
    return promise


def do_break(promise: Promise, *, actor: User, at=None) -> Promise:
    _close(promise, PromiseState.BROKEN, at=at or timezone.now())
    return promise


def do_cancel(promise: Promise, *, actor: User, at=None) -> Promise:
    _close(promise, PromiseState.CANCELLED, at=at or timezone.now())
    return promise


def check_close(promise: Promise, state: str, *, actor: User, outcome: str = "") -> Promise:
    if not promise.is_open:
        raise ValidationError(
            _("This promise is already %(state)s.")
            % {"state": promise.get_state_display().lower()},
            code="closed",
        )
    if state == PromiseState.BROKEN and not (actor.sees_all_teams or actor.pk == promise.agent_id):
        raise PermissionDenied(_("Only its agent or a supervisor marks a promise broken."))
    if state == PromiseState.KEPT:
        return do_keep(promise, actor=actor, outcome=outcome)
    if state == PromiseState.BROKEN:
        return do_break(promise, actor=actor)
    return do_cancel(promise, actor=actor)


# --- reminders (the periodic task) --------------------------------------------------------------


def _recipients(promise: Promise) -> list[User]:
    if promise.agent is not None and promise.agent.is_active:
        return [promise.agent]
    return role_members(Role.SUPERVISOR, team=promise.ticket.team)


def _notify(promise: Promise, kind_key: str, message: str) -> None:
    for user in _recipients(promise):
        with translation.override(user.language):
            text = _(message) % {
                "id": promise.ticket_id,
                "text": promise.text,
                "due": timezone.localtime(promise.due_at, _zone(user)).strftime("%Y-%m-%d %H:%M"),
            }
        do_notify(
            [user],
            text,
            kind=Kind.PROMISE,
            ticket=promise.ticket,
            dedupe_key=f"promise:{promise.pk}:{kind_key}",
        )


# Marked for translation here, translated in each recipient's language in _notify.
REMINDER = gettext_noop("Promise due at %(due)s on ticket #%(id)s: “%(text)s”.")
OVERDUE = gettext_noop("Promise overdue since %(due)s on ticket #%(id)s: “%(text)s”.")


def do_remind(*, now=None, limit: int = 500) -> tuple[int, int]:
    """Remind each open promise's agent once shortly before it is due and once when overdue.
    Each reminder is claimed by a conditional UPDATE (…WHERE reminded_at IS NULL): two scans
    running at once notify once; the notification's dedupe key guards a retry after a crash."""
    now = now or timezone.now()
    counts = []
    for field, window, message in (
        ("reminded_at", Q(due_at__gt=now, due_at__lte=now + REMIND_BEFORE), REMINDER),
        ("overdue_notified_at", Q(due_at__lte=now), OVERDUE),
    ):
        done = 0
        due = list(
            Promise.objects.filter(window, state=PromiseState.OPEN, **{field: None})
            .select_related("ticket__team", "agent")
            .order_by("due_at", "id")[:limit]
        )
        for promise in due:
            with transaction.atomic():
                claimed = Promise.objects.filter(
                    pk=promise.pk, state=PromiseState.OPEN, **{field: None}
                ).update(**{field: now})
                if claimed:
                    _notify(promise, field.split("_")[0], message)
                    done += 1
        counts.append(done)
    return counts[0], counts[1]


# --- reports -------------------------------------------------------------------------------------


def kept_rate(promises: QuerySet[Promise], *, since=None, until=None, now=None) -> dict:
    """RS2 for reports: of the promises due in [since, until) (cancelled ones aside), how many
    were kept on time, kept late, broken, or are still open past due. The rate is kept on time
    over all that came due (kept + broken + overdue); None when nothing came due."""
    now = now or timezone.now()
    until = min(until or now, now)
    qs = promises.exclude(state=PromiseState.CANCELLED).filter(due_at__lt=until)
    if since is not None:
        qs = qs.filter(due_at__gte=since)
    kept = Q(state=PromiseState.KEPT)
    figures = qs.aggregate(
        kept_on_time=Count("id", filter=kept & Q(kept_at__lte=F("due_at"))),
        kept_late=Count("id", filter=kept & Q(kept_at__gt=F("due_at"))),
        broken=Count("id", filter=Q(state=PromiseState.BROKEN)),
        overdue=Count("id", filter=Q(state=PromiseState.OPEN)),
    )
    came_due = sum(figures.values())
    figures["came_due"] = came_due
    figures["rate"] = figures["kept_on_time"] / came_due if came_due else None
    return figures
