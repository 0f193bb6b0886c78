"""Changes to agents' limits and availability, and escalation (ES2, ES3, ES6).

House style: `access_x` fetches with a permission check, `check_x` validates, `do_x` changes.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.notify.actions import do_notify, role_members
from rapport.notify.models import Kind
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import OPEN_STATUSES, Ticket

from .models import AgentSettings, Availability

ESCALATED_TAG = "escalated"


def _row(user: User) -> AgentSettings:
    return AgentSettings.objects.get_or_create(user=user)[0]


def access_agent_settings(actor: User, agent: User) -> AgentSettings:
    """Limits are set by supervisors and administrators (ES2: the agent tells them)."""
    if not actor.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators change agents' limits."))
    return _row(agent)


def do_update_limits(
    row: AgentSettings, *, hostility_limit: int, conversation_minutes: int, break_minutes: int
) -> AgentSettings:
    row.hostility_limit = hostility_limit
    row.conversation_minutes = conversation_minutes
    row.break_minutes = break_minutes
    row.save()
    return row


def do_set_availability(user: User, availability: str) -> AgentSettings:
    row = _row(user)
    row.availability = Availability(availability)
    if row.availability == Availability.AVAILABLE:
        row.paused_until = None  # back at the desk: a running break ends too
    row.save(update_fields=["availability", "paused_until", "updated_at"])
    return row


def do_take_break(user: User, minutes: int | None = None, *, now=None) -> AgentSettings:
    """ES6: pause from auto-assignment for a few minutes (the agent's break length)."""
    now = now or timezone.now()
    row = _row(user)
    minutes = minutes or row.break_minutes or 10
    row.paused_until = now + timedelta(minutes=max(1, min(minutes, 240)))
    row.save(update_fields=["paused_until", "updated_at"])
    return row


def do_end_break(user: User) -> AgentSettings:
    row = _row(user)
    row.paused_until = None
    row.save(update_fields=["paused_until", "updated_at"])
    return row


def _supervisor_for(ticket: Ticket) -> User | None:
    """A supervisor who is a member of the ticket's team, the least loaded one, if any."""
    if ticket.team_id is None:
        return None
    return (
        User.objects.filter(is_active=True, role=Role.SUPERVISOR, teams=ticket.team_id)
        .annotate(
            load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES))
        )
        .order_by("load", "id")
        .first()
    )


@transaction.atomic
def do_escalate(ticket: Ticket, *, actor: User, reason: str = "") -> list:
    """ES2/ES3: hand the conversation up. The ticket is tagged "escalated", the reason kept
    as an internal note, the team's supervisor (if the team has one) becomes the assignee, and
    every supervisor of the team is notified."""
    reason = (reason or "").strip()[:500]
    note = ticket_actions.do_add_note(
        ticket,
        author=actor,
        body=_("Escalated to a supervisor by %(agent)s.") % {"agent": actor.display_name}
        + (f"\n{reason}" if reason else ""),
    )
    tags = set(ticket.tags.values_list("name", flat=True)) | {ESCALATED_TAG}
    ticket_actions.do_set_tags(ticket, tags, actor=actor)
    supervisor = _supervisor_for(ticket)
    if supervisor is not None and supervisor.pk != ticket.assignee_id:
        ticket_actions.do_assign(ticket, team=None, assignee=supervisor, actor=actor)
    notified = []
    for user in role_members(Role.SUPERVISOR, team=ticket.team):
        with translation.override(user.language):
            text = _("%(agent)s escalated ticket #%(id)s “%(subject)s”.") % {
                "agent": actor.display_name,
                "id": ticket.pk,
                "subject": ticket.subject,
            }
        notified += do_notify(
            [user],
            text + (f" {reason}" if reason else ""),
            kind=Kind.ESCALATION,
            ticket=ticket,
            dedupe_key=f"escalation:{ticket.pk}:{note.pk}",
        )
    return notified
