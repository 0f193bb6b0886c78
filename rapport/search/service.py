"""The search service: `search(user, text)` → ranked, permission-filtered results grouped by
ticket, with highlighted snippets and a keyset cursor (docs/search.md).

The public API for the rest of Rapport (the search page; later the knowledge base, the help
centre and answer suggestions, KN1/KN6):

    results = search(user, 'refund status:open', after=None, limit=20)
    results.groups        # [Group(ticket | customer, score, hits=[Hit(kind, object, snippet)])]
    results.total         # tickets and customers found, exact up to the cap …
    results.capped        # … True when more matched: shown as "1000+"
    results.next_cursor   # pass as `after` for the next page, None on the last
    results.errors        # problems with the query text, to show the agent

Permissions are part of the SQL, so a hit an agent may not open is never fetched, counted or
ranked: the rule is Ticket.objects.visible_to (every ticket for supervisors, else their teams'
tickets) and customers.views.visible_customers (a customer with a ticket in their teams).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rapport.accounts.models import Team
from rapport.customers.models import Customer
from rapport.lib.channels import Channel
from rapport.tickets.models import Message, Note, Ticket

from . import backends
from .highlight import snippet
from .indexing import article_text, customer_text, message_text, ticket_text
from .models import Kind, SearchDocument
from .query import Query, _phrase_node, _term_nodes, parse

CAP = 1000  # candidates per query: see docs/search.md, "Ranking, the cap, permissions"
HITS_PER_GROUP = 3


@dataclass
class Hit:
    kind: str
    object_id: int
    score: float
    snippet: SafeString | str = ""
    created_at: dt.datetime | None = None
    author: str = ""


@dataclass
class Group:
    key: str  # "t123" (a ticket), "c45" (a customer) or "a6" (an article translation)
    score: float
    hits: list[Hit] = field(default_factory=list)
    ticket: Ticket | None = None
    customer: Customer | None = None
    article: object | None = None  # a rapport.kb ArticleTranslation


@dataclass
class Results:
    query: Query
    groups: list[Group] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    next_cursor: str | None = None
    errors: list[str] = field(default_factory=list)


def _in(column: str, values) -> tuple[str, list]:
    values = list(values)
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def visibility(user) -> tuple[list[str], list]:
    """The permission rule as SQL on the document table `d` (see the module docstring).
    Knowledge-base articles (only published ones are indexed): public ones and internal ones
    without a team for every agent, a team's internal ones for its members (docs/kb.md)."""
    if user.sees_all_teams:
        return [], []
    team_sql, team_args = _in("d.team_id", user.team_ids)
    ticket_team_sql, ticket_team_args = _in("t.team_id", user.team_ids)
    # A scalar subquery, not EXISTS: a per-row probe of ticket_customer_updated. PostgreSQL
    # turns an EXISTS here into a hash of every ticket of the agent's teams, once per query.
    sql = (
        f"({team_sql} OR (d.kind = 'customer' AND (SELECT 1 FROM "  # noqa: S608 — values are bound
        f"{Ticket._meta.db_table} t WHERE t.customer_id = d.customer_id AND {ticket_team_sql} "
        "LIMIT 1) = 1) OR (d.kind = 'article' AND (d.status = 'public'"
        # A team-less internal article is company-wide: not for partner-team agents (MG5).
        + ("" if user.is_partner else " OR d.team_id IS NULL")
        + ")))"
    )
    return [sql], [*team_args, *ticket_team_args]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _customer_ids(value: str, errors: list[str]) -> list[int]:
    """Customers named `value` or reachable at it (an e-mail, a phone…), by their documents."""
    q = Query()
    node = _phrase_node(value, q, positive=False)
    if node is None:
        nodes = _term_nodes(value, q, positive=False)
        node = nodes[0] if nodes else None
    if node is None:
        errors.append(_("Say which customer: customer:name or customer:e-mail."))
        return []
    found = backends.candidates([node], [], ["d.kind = 'customer'"], [], 50, newest_first=False)
    return [row[4] for row in found]  # Candidate.customer_id


def _team_ids(names: list[str], errors: list[str]) -> list[int]:
    ids: list[int] = []
    for name in names:
        match = Q(name__iexact=name) | (Q(pk=int(name)) if name.isdigit() else Q())
        found = list(Team.objects.filter(match).values_list("pk", flat=True))
        if not found:
            errors.append(_("No team is called “%(name)s”.") % {"name": name})
        ids += found
    return ids


def _where(user, q: Query, errors: list[str]) -> tuple[list[str], list] | None:
    """SQL conditions for the filters and permissions; None when nothing can match."""
    where, args = visibility(user)
    f = q.filters

    def add(sql_args):
        where.append(sql_args[0])
        args.extend(sql_args[1])

    if f.statuses:
        add(_in("d.status", f.statuses))
    if f.channels:
        add(_in("d.channel", f.channels))
    if f.teams:
        add(_in("d.team_id", _team_ids(f.teams, errors)))
    if f.kinds:
        # Internal requests apart (CH8): documents of customers of that kind.
        kind_sql, kind_args = _in("c.kind", f.kinds)
        where.append(
            f"d.customer_id IN (SELECT c.id FROM {Customer._meta.db_table} c "  # noqa: S608 — values are bound
            f"WHERE {kind_sql})"
        )
        args.extend(kind_args)
    for value in f.customers:
        ids = _customer_ids(value, errors)
        if not ids:
            return None
        add(_in("d.customer_id", ids))
    tag_table = Ticket.tags.through._meta.db_table
    tag_model = Ticket.tags.field.related_model._meta.db_table
    for tag in f.tags:
        few = _tagged_tickets(tag)
        if few is not None:
            # Few tickets: their ids, so the planner knows how few (PostgreSQL took a new
            # tag on 40 tickets for a common one and walked every document: 11 s at 1M).
            add(_in("d.ticket_id", few))
            continue
        where.append(
            f"d.ticket_id IN (SELECT tt.ticket_id FROM {tag_table} tt "  # noqa: S608 — values are bound
            f"JOIN {tag_model} g ON g.id = tt.tag_id WHERE g.name = %s)"
        )
        args.append(tag)
    if f.after:
        where.append("d.created_at >= %s")
        args.append(_day_start(f.after))
    if f.before:
        where.append("d.created_at < %s")
        args.append(_day_start(f.before))
    return where, args


def _date_ids(q: Query) -> tuple[int, int] | None:
    """The document ids `after:`/`before:` can match (SQLite: FTS5 knows no date, see
    backends.date_ids)."""
    f = q.filters
    return backends.date_ids(
        _day_start(f.after) if f.after else None, _day_start(f.before) if f.before else None
    )


FEW_TAGGED = 500  # tickets: below, a tag: filter starts from the tagged tickets' documents


def _few_tagged(tags: list[str]) -> bool:
    """Whether one of `tags` is on at most FEW_TAGGED tickets. Then SQLite reads those
    tickets' documents and lets FTS5 check each by rowid, instead of walking a common word's
    matches newest first until enough of them carry the tag (at 1M tickets, a tag on 40
    tickets and "order": the word's whole doclist). At most FEW_TAGGED + 1 rows counted."""
    return any(_tagged_tickets(tag) is not None for tag in tags)


def _tagged_tickets(tag: str) -> list[int] | None:
    """The ids of the tickets tagged `tag` when there are at most FEW_TAGGED, else None."""
    ids = list(
        Ticket.tags.through.objects.filter(tag__name=tag).values_list("ticket_id", flat=True)[
            : FEW_TAGGED + 1
        ]
    )
    return ids if len(ids) <= FEW_TAGGED else None


def _cursor(group: Group) -> str:
    return f"{group.score!r}:{group.key}"


def _order(group: Group) -> tuple[float, str, int]:
    """Best first; equal scores: articles, then customers, then tickets; newer (higher id)
    first."""
    return (-group.score, group.key[0], -int(group.key[1:]))


def _after(groups: list[Group], cursor: str | None) -> list[Group]:
    """The groups after the keyset cursor "<score>:<key>" of the previous page's last one."""
    if not cursor:
        return groups
    try:
        score_text, key = cursor.rsplit(":", 1)
        position = _order(Group(key=key, score=float(score_text)))
    except (ValueError, IndexError):
        return groups
    return [g for g in groups if _order(g) > position]


def search(user, text: str, *, after: str | None = None, limit: int = 20) -> Results:
    q = parse(text, valid_channels=tuple(Channel.values))
    results = Results(query=q, errors=list(q.errors))
    if q.empty or q.errors:
        return results
    built = _where(user, q, results.errors)
    if built is None or results.errors:
        return results
    where, args = built
    # A customer: filter, or a tag few tickets have, is selective on its own: let the database
    # start from its documents (an indexed condition: d.customer_id, d.ticket_id).
    found = backends.candidates(
        q.must,
        q.must_not,
        where,
        args,
        CAP,
        newest_first=not q.filters.customers,
        from_documents=bool(q.filters.customers) or _few_tagged(q.filters.tags),
        ids=_date_ids(q),
    )
    results.capped = len(found) >= CAP

    # Group by ticket (a customer's own document by customer) with plain tuples: a thousand
    # candidates, and only the page's best hits become objects.
    grouped: dict[str, list[tuple[float, str, int]]] = {}
    for _id, kind, object_id, ticket_id, customer_id, score in found:
        if kind == Kind.ARTICLE:
            key = f"a{object_id}"
        else:
            key = f"t{ticket_id}" if ticket_id else f"c{customer_id}"
        grouped.setdefault(key, []).append((score, kind, object_id))
    ordered = sorted(
        (Group(key=key, score=max(h[0] for h in hits), hits=hits) for key, hits in grouped.items()),
        key=_order,
    )
    results.total = len(ordered)
    page = _after(ordered, after)
    if len(page) > limit:
        results.next_cursor = _cursor(page[limit - 1])
    results.groups = page[:limit]
    for g in results.groups:
        best = sorted(g.hits, key=lambda h: (-h[0], -h[2]))[:HITS_PER_GROUP]
        g.hits = [Hit(kind, object_id, score) for score, kind, object_id in best]
    _fill(results.groups, q)
    return results


def _fill(groups: list[Group], q: Query) -> None:
    """Load the page's tickets, customers and the texts of their best hits; make snippets."""
    wanted: dict[str, set[int]] = {kind: set() for kind in Kind.values}
    for g in groups:
        for h in g.hits:
            wanted[h.kind].add(h.object_id)
    tickets = Ticket.objects.select_related("customer", "team", "assignee").in_bulk(
        [int(g.key[1:]) for g in groups if g.key[0] == "t"]
    )
    customers = (
        Customer.objects.select_related("organisation")
        .prefetch_related("identities")
        .in_bulk({int(g.key[1:]) for g in groups if g.key[0] == "c"} | wanted[Kind.CUSTOMER])
    )
    texts: dict[tuple[str, int], tuple[str, dt.datetime | None, str]] = {}
    for m in Message.objects.filter(pk__in=wanted[Kind.MESSAGE]).select_related("author"):
        who = m.author.display_name if m.author else ""
        texts[Kind.MESSAGE, m.pk] = (message_text(m.subject, m.body_text), m.created_at, who)
    for n in Note.objects.filter(pk__in=wanted[Kind.NOTE]).select_related("author"):
        who = n.author.display_name if n.author else ""
        texts[Kind.NOTE, n.pk] = (n.body, n.created_at, who)
    articles = {}
    if wanted[Kind.ARTICLE]:
        translation_model = apps.get_model("kb", "ArticleTranslation")
        articles = translation_model.objects.select_related("article").in_bulk(wanted[Kind.ARTICLE])
    for a in articles.values():
        texts[Kind.ARTICLE, a.pk] = (article_text(a.title, a.body), a.updated_at, "")
    for t in tickets.values():
        texts[Kind.TICKET, t.pk] = (ticket_text(t.subject, t.summary), t.created_at, "")
    for c in customers.values():
        identities = [i.value for i in c.identities.all()]
        org = c.organisation.name if c.organisation else ""
        texts[Kind.CUSTOMER, c.pk] = (customer_text(c.name, org, identities, c.notes), None, "")
    for g in groups:
        if g.key[0] == "t":
            g.ticket = tickets.get(int(g.key[1:]))
        elif g.key[0] == "a":
            g.article = articles.get(int(g.key[1:]))
        else:
            g.customer = customers.get(int(g.key[1:]))
        for h in g.hits:
            text, h.created_at, h.author = texts.get((h.kind, h.object_id), ("", None, ""))
            h.snippet = snippet(text, q.marks, q.han)


def document_count() -> int:
    return SearchDocument.objects.count()
