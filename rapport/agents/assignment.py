"""Automatic assignment of new tickets within a team (issue 5, item 8): round-robin or
least-loaded, skipping agents who are away or on a break (ES6). See docs/agents.md.

Concurrency: the team's TeamAssignment row is locked (SELECT … FOR UPDATE) for the whole
choice, so two workers assigning two new tickets of one team at the same moment take turns and
move the round-robin pointer one after the other; the ticket is re-read under that lock, so a
ticket assigned meanwhile (by an agent, a rule or a second run of the task) is left alone. On
SQLite the IMMEDIATE write transaction serialises the same way.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.notify.actions import do_notify
from rapport.notify.models import Kind
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import OPEN_STATUSES, Ticket
from rapport.training.actions import untrained_agent_ids

from .models import AssignmentMode, Availability, TeamAssignment


def available_members(team: Team, now=None) -> list[User]:
    """Active members of the team who take tickets now (not away, not on a break), by id."""
    now = now or timezone.now()
    return list(
        team.members.filter(is_active=True)
        .exclude(agent_settings__availability=Availability.AWAY)
        .exclude(agent_settings__paused_until__gt=now)
        .exclude(pk__in=untrained_agent_ids())  # KN4: required training first (docs/training.md)
        .order_by("id")
    )


def _after(candidates: list[User], last_id: int | None) -> list[User]:
    """The candidates in round-robin order: those after the last one assigned, then the rest."""
    if last_id is None:
        return candidates
    later = [u for u in candidates if u.pk > last_id]
    return later + [u for u in candidates if u.pk <= last_id]


def choose(mode: str, candidates: list[User], last_id: int | None) -> User | None:
    ordered = _after(candidates, last_id)
    if not ordered:
        return None
    if mode == AssignmentMode.ROUND_ROBIN:
        return ordered[0]
    loads = dict(
        Ticket.objects.filter(status__in=OPEN_STATUSES, assignee_id__in=[u.pk for u in ordered])
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    # min() keeps the first of equals: ties go round-robin, so equal loads share fairly.
    return min(ordered, key=lambda u: loads.get(u.pk, 0))


def do_auto_assign(ticket: Ticket, *, now=None) -> User | None:
    """Assign an open, unassigned ticket to the next agent of its team, by the team's mode.
    Returns the agent, or None when the team assigns by hand or nobody is available."""
    if ticket.team_id is None:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            TeamAssignment.objects.select_for_update()
            .filter(team_id=ticket.team_id)
            .exclude(mode=AssignmentMode.NONE)
            .first()
        )
        if row is None:
            return None
        fresh = (
            Ticket.objects.filter(
                pk=ticket.pk, assignee=None, status__in=OPEN_STATUSES, team_id=row.team_id
            )
            .select_related("team", "customer")
            .first()
        )
        if fresh is None:
            return None
        agent = choose(row.mode, available_members(fresh.team, now), row.last_assignee_id)
        if agent is None:
            return None
        TeamAssignment.objects.filter(pk=row.pk).update(last_assignee=agent, last_assigned_at=now)
        ticket_actions.do_assign(fresh, team=None, assignee=agent, actor=None, at=now)
        ticket.assignee = agent
        with translation.override(agent.language):
            text = _("Ticket #%(id)s “%(subject)s” was assigned to you (%(mode)s).") % {
                "id": fresh.pk,
                "subject": fresh.subject,
                "mode": AssignmentMode(row.mode).label,
            }
        do_notify(
            [agent],
            text,
            kind=Kind.ASSIGNED,
            ticket=fresh,
            dedupe_key=f"assigned:{fresh.pk}:{agent.pk}",
        )
    return agent


# Which teams assign automatically, cached: every new ticket asks, modes change rarely. Saving
# a TeamAssignment forgets it in this process; other processes (with the in-process cache)
# see a change within ASSIGNING_TEAMS_SECONDS.
ASSIGNING_TEAMS_KEY = "rapport:agents:assigning-teams"
ASSIGNING_TEAMS_SECONDS = 30


def assigning_team_ids() -> frozenset[int]:
    ids = cache.get(ASSIGNING_TEAMS_KEY)
    if ids is None:
        ids = frozenset(
            TeamAssignment.objects.exclude(mode=AssignmentMode.NONE).values_list(
                "team_id", flat=True
            )
        )
        cache.set(ASSIGNING_TEAMS_KEY, ids, ASSIGNING_TEAMS_SECONDS)
    return ids


def forget_assigning_teams() -> None:
    cache.delete(ASSIGNING_TEAMS_KEY)


def do_set_team_mode(team: Team, mode: str) -> TeamAssignment:
    row, _created = TeamAssignment.objects.get_or_create(team=team)
    if row.mode != mode:
        row.mode = mode
        row.save(update_fields=["mode"])
    return row
