"""Who sees what, in one place (docs/permissions.md).

Three rules decide every list, page, search result, export and API answer of the desk:

1. Supervisors and administrators see every team (`sees_all_teams`).
2. Everyone else sees what belongs to one of their teams: tickets by `Ticket.team`, and through
   the ticket its messages, notes, events, promises, grants, reviews, surveys, and the
   customers who have such a ticket (`Ticket.objects.visible_to` is the rule for tickets).
3. What belongs to no team (an internal knowledge-base article without a team, an idea raised
   outside a ticket) is company-wide: the company's own agents see it, a partner-team agent
   (Role.PARTNER, an outside contractor: MG5) does not. A partner sees only their teams'
   things, and the public help centre like anyone.

`team_q` builds the filter for rule 2 and 3 on any model with a team foreign key; apps call it
rather than writing `team_id__in=user.team_ids` again, so a change of the rules is one change.
"""

from __future__ import annotations

from django.db.models import Q


def sees_all_teams(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.sees_all_teams)


def is_partner(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_partner)


def sees_company_wide(user) -> bool:
    """Company-wide, team-less material: every authenticated desk user but a partner."""
    return bool(getattr(user, "is_authenticated", False) and not user.is_partner)


def team_q(user, field: str = "team", *, unowned: bool = True) -> Q:
    """The rows of `user`'s teams (all rows for supervisors). `unowned`: rows whose `field` is
    empty are company-wide and included for everyone but partner-team agents."""
    if sees_all_teams(user):
        return Q()
    q = Q(**{f"{field}_id__in": list(user.team_ids)})
    if unowned and sees_company_wide(user):
        q |= Q(**{f"{field}__isnull": True})
    return q


def shares_a_team(user, team_id: int | None, *, unowned: bool = True) -> bool:
    """`team_q` for one row: may `user` see a thing of team `team_id` (None: no team)?"""
    if sees_all_teams(user):
        return True
    if team_id is None:
        return unowned and sees_company_wide(user)
    return team_id in user.team_ids
