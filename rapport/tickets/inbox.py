"""The inbox: saved views, filters, sort orders and capped live counts.

Agents' saved searches are views too (`?view=s12`, rapport.tickets.saved_searches): their
tickets come from the search index under the agent's permission rule.

Every combination is served by an index on (…, updated_at|created_at, id) and paginated by
keyset, so page 50 of a million tickets costs what page 1 costs. Counts are exact up to
settings.RAPPORT_COUNT_CAP and shown as "1000+" beyond: a live count never scans the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, F, Func, QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.customers.models import CustomerFlag

from .models import OPEN_STATUSES, SavedSearch, Ticket
from .saved_searches import SIDEBAR_MAX, tickets_of, visible_saved_searches

SAVED_VIEWS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "teams": _("My teams"),
    "open": _("All open"),
    "flagged": _("Flagged customers"),
    "all": _("All tickets"),
}

SORTS = {
    "-updated": ("updated_at", True, _("Last activity, newest first")),
    "updated": ("updated_at", False, _("Last activity, oldest first")),
    "-created": ("created_at", True, _("Created, newest first")),
    "created": ("created_at", False, _("Created, oldest first")),
    # Tickets whose SLA clock runs, overdue first (index ticket_sla_due; rapport.sla).
    "due": ("sla_due", False, _("SLA due soonest")),
}


@dataclass
class Filters:
    view: str = "teams"
    status: str = ""
    channel: str = ""
    priority: int | None = None
    team: int | None = None
    tag: str = ""
    customer: int | None = None
    kind: str = ""  # the customer's kind: internal requests apart (CH8)
    sort: str = "-updated"


def _in_constants(field: str, values) -> Func:
    """`field IN ('a', 'b', ...)` with the constants written into the SQL instead of bound.

    SQLite can use a partial index only when the query's WHERE visibly implies the index's
    condition, and it plans before parameters are bound: with `status IN (?, ?, ?)` the
    open-ticket indexes (ticket_open_updated, ticket_team_open_updated) are never chosen and
    the inbox reads every ticket of the agent's teams. Only code constants go in here.
    """
    quoted = ", ".join("'{}'".format(str(v).replace("'", "''")) for v in values)
    return Func(F(field), template=f"%(expressions)s IN ({quoted})", output_field=BooleanField())


# Same values, same order as the partial indexes' condition in Ticket.Meta.indexes.
IS_OPEN = _in_constants("status", OPEN_STATUSES)


_SAVED_SEARCH_VIEW = re.compile(r"s([1-9][0-9]{0,17})")


def saved_search_id(view: str) -> int | None:
    """The saved search's id of a view key "s12"; None for the built-in views."""
    m = _SAVED_SEARCH_VIEW.fullmatch(view or "")
    return int(m.group(1)) if m else None


def is_view(view: str) -> bool:
    """A key the inbox knows: a built-in view or a saved search's (whether this agent may
    open that one is decided when it is listed)."""
    return view in SAVED_VIEWS or saved_search_id(view) is not None


def current_saved_search(user, view: str) -> SavedSearch | None:
    """The saved search a view key opens, if this agent may (no query for built-in views)."""
    pk = saved_search_id(view)
    return None if pk is None else visible_saved_searches(user).filter(pk=pk).first()


def _base(user, view: str) -> QuerySet[Ticket]:
    qs = Ticket.objects.visible_to(user)
    if saved_search_id(view) is not None:
        # Another agent's private search, or one no longer there: no tickets, no name.
        return tickets_of(user, current_saved_search(user, view), qs)
    if view == "mine":
        return qs.filter(assignee=user)
    if view == "unassigned":
        return qs.filter(assignee=None)
    if view == "teams":
        return qs.filter(team_id__in=user.team_ids)
    if view == "flagged":
        flagged = CustomerFlag.objects.filter(cleared_at=None).values("customer_id")
        return qs.filter(customer_id__in=flagged)
    return qs


def saved_view(user, view: str) -> QuerySet[Ticket]:
    """A saved view: every view but "all" shows tickets still waiting on the desk. A saved
    search shows what its query finds (write status:open in it to keep to waiting ones)."""
    qs = _base(user, view)
    return qs if view == "all" or saved_search_id(view) else qs.filter(IS_OPEN)


def filtered(user, filters: Filters) -> QuerySet[Ticket]:
    # An explicit status filter replaces the view's "still open" default.
    if filters.status:
        qs = _base(user, filters.view).filter(status=filters.status)
    else:
        qs = saved_view(user, filters.view)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.kind:
        qs = qs.filter(customer__kind=filters.kind)
    if filters.sort == "due":
        qs = qs.filter(sla_due__isnull=False)  # keyset pages need a value to seek on
    return qs


def capped_count(qs: QuerySet) -> tuple[int, bool]:
    """(count, capped): an exact count up to the cap, computed over at most cap+1 rows.

    Counted in the inbox's order on purpose: the database then walks the same
    (updated_at, id, …) index as the page and stops after cap+1 entries. Unordered, SQLite
    prefers the plain team_id index and reads every ticket of the agent's teams to find the
    open ones (50 ms at a million tickets).
    """
    cap = settings.RAPPORT_COUNT_CAP
    n = qs.order_by("-updated_at", "-id")[: cap + 1].count()
    return min(n, cap), n > cap


def sidebar_saved_searches(user) -> list[SavedSearch]:
    return list(visible_saved_searches(user)[:SIDEBAR_MAX])


def view_counts(user, saved_searches: list[SavedSearch] = ()) -> dict[str, tuple[int, bool]]:
    counts = {key: capped_count(saved_view(user, key)) for key in SAVED_VIEWS if key != "all"}
    visible = Ticket.objects.visible_to(user)
    for saved in saved_searches:
        counts[saved.view_key] = capped_count(tickets_of(user, saved, visible))
    return counts
