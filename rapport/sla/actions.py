"""SLA clocks of tickets: started, paused, stopped and re-targeted by the ticket actions, scanned
for warnings and breaches, recomputed when a calendar or policy changes (RS1). See docs/sla.md.

rapport.tickets.actions calls the `on_*` hooks below from inside its own actions (explicit
calls, no signals). Each hook loads the ticket's live clocks (one indexed query), appends an
event to each affected clock's history, folds the history with rapport.sla.clock.evaluate and
writes the result back, then copies the due times onto the Ticket row, where the inbox sort and
the breach scan read them from partial indexes.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import BooleanField, F, Func
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.customers.models import CustomerFlag
from rapport.lib.memo import memoised
from rapport.tickets.models import OPEN_STATUSES, EventKind, SlaState, Status, Ticket

from . import clock
from .models import (
    ANY_FLAG,
    BusinessCalendar,
    ClockKind,
    ClockStatus,
    SlaClock,
    SlaPolicy,
)

log = logging.getLogger(__name__)

RESPONSE_KINDS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE)
LIVE = (ClockStatus.RUNNING, ClockStatus.PAUSED)
# `status IN ('running', 'paused')` with the constants in the SQL: SQLite plans before binding
# and uses the partial index slaclock_live only when the WHERE visibly implies its condition
# (the same trick as rapport.tickets.inbox.IS_OPEN). Code constants only.
IS_LIVE = Func(
    F("status"),
    template="%(expressions)s IN ('running', 'paused')",
    output_field=BooleanField(),
)
ALWAYS_OPEN_UTC = clock.Calendar.open_24_7("UTC")

# --- calendars -----------------------------------------------------------------------------

# Built calendars per (calendar id, its updated_at, first year): importing holidays for four
# years costs milliseconds, so a process builds each calendar version once.
_BUILT: dict[tuple, clock.Calendar] = {}


def _years(now: datetime) -> range:
    """Holidays are imported from last year to two years ahead of now (re-built each year)."""
    return range(now.year - 1, now.year + 3)


def build_calendar(row: BusinessCalendar | None, now: datetime | None = None) -> clock.Calendar:
    if row is None:
        return ALWAYS_OPEN_UTC
    now = now or timezone.now()
    key = (row.pk, row.updated_at, now.year)
    cal = _BUILT.get(key)
    if cal is None:
        if len(_BUILT) > 256:
            _BUILT.clear()
        cal = _BUILT[key] = row.to_clock(_years(now))
    return cal


class Calendars:
    """Team → clock calendar, looked up once per team within one action or scan tick."""

    def __init__(self, now: datetime | None = None):
        self.now = now
        self._by_team: dict[int | None, clock.Calendar] = {}

    def __call__(self, team_id: int | None) -> clock.Calendar:
        if team_id not in self._by_team:
            row = None
            if team_id is not None:
                row = BusinessCalendar.objects.filter(team_id=team_id).first()
            if row is None:
                row = BusinessCalendar.objects.filter(is_default=True).first()
            self._by_team[team_id] = build_calendar(row, self.now)
        return self._by_team[team_id]


def calendar_for_team(team_id: int | None) -> clock.Calendar:
    return Calendars()(team_id)


# --- policies ------------------------------------------------------------------------------


def match_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by order, whose conditions all hold for the ticket."""
    policies = memoised(  # once per intake batch (rapport/lib/memo.py)
        "sla.active_policies",
        lambda: list(SlaPolicy.objects.filter(is_active=True).order_by("order", "id")),
    )
    if not policies:
        return None
    customer = ticket.customer
    flags: set[str] | None = None
    for p in policies:
        if p.priority and p.priority != ticket.priority:
            continue
        if p.channel and p.channel != ticket.channel:
            continue
        if p.customer_kind and p.customer_kind != customer.kind:
            continue
        if p.organisation_id and p.organisation_id != customer.organisation_id:
            continue
        if p.team_id and p.team_id != ticket.team_id:
            continue
        if p.customer_flag:
            if flags is None:
                flags = set(
                    CustomerFlag.objects.filter(
                        customer_id=ticket.customer_id, cleared_at=None
                    ).values_list("kind", flat=True)
                )
            if not flags or (p.customer_flag != ANY_FLAG and p.customer_flag not in flags):
                continue
        return p
    return None


# --- one ticket's clocks ---------------------------------------------------------------------


def _hour_of_week(at: datetime, cal: clock.Calendar) -> int:
    local = at.astimezone(cal.zone)
    return local.weekday() * 24 + local.hour


def _refresh(row: SlaClock, cal: clock.Calendar, now: datetime, warn_share: float) -> None:
    """Fold the clock's history into its stored state as of `now`."""
    state = clock.evaluate(row.clock_events(), cal, now, warn_share)
    row.status = {
        clock.ClockStatus.RUNNING: ClockStatus.RUNNING,
        clock.ClockStatus.PAUSED: ClockStatus.PAUSED,
    }.get(state.status, ClockStatus.STOPPED)
    row.target_seconds = int(state.target.total_seconds())
    row.due = state.due
    row.warn_at = state.warn_at
    row.breached_at = state.breached_at
    if row.status == ClockStatus.STOPPED:
        row.elapsed_seconds = state.elapsed.total_seconds()
    else:
        row.stopped_at = row.elapsed_seconds = None
        # A re-target or a new calendar can move a warning or a breach back into the future:
        # then it is raised again when it comes (each once per target).
        if row.warned and (row.warn_at is None or row.warn_at > now) and not state.breached:
            row.warned = False
        if row.breach_notified and not state.breached:
            row.breach_notified = False


def _warn_share(row: SlaClock, policy: SlaPolicy | None) -> float:
    return policy.warn_share if policy is not None else 0.8


def _state_fields(ticket: Ticket, rows: Iterable[SlaClock], now: datetime) -> dict:
    """The Ticket columns that mirror its live clocks."""
    dues = {k: None for k in ClockKind.values}
    check: list[datetime] = []
    state = SlaState.NONE
    rank = {
        SlaState.NONE: 0,
        SlaState.PAUSED: 1,
        SlaState.OK: 2,
        SlaState.WARNING: 3,
        SlaState.BREACHED: 4,
    }
    for row in rows:
        if row.status == ClockStatus.PAUSED:
            s = SlaState.PAUSED
        elif row.status == ClockStatus.RUNNING:
            if row.due is not None:
                prev = dues[row.kind]
                dues[row.kind] = row.due if prev is None else min(prev, row.due)
            if row.due is not None and row.due < now:
                s = SlaState.BREACHED
            elif row.warned or (row.warn_at is not None and row.warn_at <= now):
                s = SlaState.WARNING
            else:
                s = SlaState.OK
            if not row.warned and row.warn_at is not None:
                check.append(row.warn_at)
            if not row.breach_notified and row.due is not None:
                check.append(row.due)
        else:
            continue
        if rank[s] > rank[state]:
            state = s
    running = [d for d in dues.values() if d is not None]
    return {
        "first_response_due": dues[ClockKind.FIRST_RESPONSE],
        "next_response_due": dues[ClockKind.NEXT_RESPONSE],
        "resolution_due": dues[ClockKind.RESOLUTION],
        "sla_due": min(running) if running else None,
        "sla_check_at": min(check) if check else None,
        "sla_state": state,
    }


@dataclass
class _Work:
    """One hook's view of a ticket: its live clocks, calendar and policy."""

    ticket: Ticket
    rows: list[SlaClock]
    policy: SlaPolicy | None
    now: datetime
    dirty: set

    @classmethod
    def load(cls, ticket: Ticket, at: datetime | None) -> _Work:
        now = max(timezone.now(), at) if at else timezone.now()
        rows = list(SlaClock.objects.filter(ticket=ticket, status__in=LIVE).select_for_update())
        policy = ticket.sla_policy if ticket.sla_policy_id else None
        return cls(ticket, rows, policy, now, set())

    @functools.cached_property
    def cal(self) -> clock.Calendar:
        """The team's calendar, looked up only when a clock is started or re-evaluated."""
        return Calendars(self.now)(self.ticket.team_id)

    def live(self, *kinds: str) -> list[SlaClock]:
        return [r for r in self.rows if r.kind in kinds]

    def start(self, kind: str, at: datetime) -> None:
        target = self.policy.target(kind) if self.policy else None
        if target is None:
            return
        row = SlaClock(
            ticket=self.ticket,
            kind=kind,
            policy=self.policy,
            team_id=self.ticket.team_id,
            hour_of_week=_hour_of_week(at, self.cal),
            status=ClockStatus.RUNNING,
            target_seconds=int(target.total_seconds()),
            started_at=at,
        )
        row.add_event(clock.EventKind.START, at, target)
        if self.ticket.status == Status.PENDING:
            row.add_event(clock.EventKind.PAUSE, at)
        self.rows.append(row)
        self.dirty.add(id(row))

    def event(self, row: SlaClock, kind: str, at: datetime, target=None) -> None:
        row.add_event(kind, at, target)
        if kind == clock.EventKind.STOP:
            row.stopped_at = at
        self.dirty.add(id(row))

    def save(self) -> None:
        for row in self.rows:
            if id(row) in self.dirty:
                _refresh(row, self.cal, self.now, _warn_share(row, self.policy))
                if row.status == ClockStatus.STOPPED and row.stopped_at is None:
                    row.stopped_at = self.now
                row.save()
        fields = _state_fields(self.ticket, self.rows, self.now)
        fields["sla_policy_id"] = self.policy.pk if self.policy else None
        changed = {k: v for k, v in fields.items() if getattr(self.ticket, k) != v}
        for name, value in changed.items():
            setattr(self.ticket, name, value)
        if changed:  # a desk without SLA policies writes nothing here
            Ticket.objects.filter(pk=self.ticket.pk).update(**changed)


def _reset_policy(w: _Work, at: datetime) -> None:
    """Re-match the policy (priority, team, ... changed) and re-target the live clocks: the new
    target counts the time already elapsed (docs/sla-clock.md, RETARGET)."""
    policy = match_policy(w.ticket)
    w.policy = policy
    for row in w.rows:
        target = policy.target(row.kind) if policy else None
        if target is None:
            w.event(row, clock.EventKind.STOP, at)  # no target any more: the clock ends
        elif target.total_seconds() != row.target_seconds:
            w.event(row, clock.EventKind.RETARGET, at, target)
        row.policy = policy
        row.team_id = w.ticket.team_id
        w.dirty.add(id(row))
    if (
        policy is not None
        and w.ticket.status in OPEN_STATUSES
        and not SlaClock.objects.filter(ticket=w.ticket).exists()
    ):
        # The open ticket had no SLA until now: its clocks start from its creation, as if the
        # policy had applied all along (the same rule as a re-target).
        if w.ticket.first_response_at is None:
            w.start(ClockKind.FIRST_RESPONSE, w.ticket.created_at)
        w.start(ClockKind.RESOLUTION, w.ticket.created_at)


@transaction.atomic
def on_ticket_created(ticket: Ticket, at: datetime) -> None:
    policy = match_policy(ticket)
    if policy is None:
        return
    w = _Work(ticket, [], policy, max(timezone.now(), at), set())
    w.start(ClockKind.FIRST_RESPONSE, at)
    w.start(ClockKind.RESOLUTION, at)
    w.save()


@transaction.atomic
def on_customer_message(ticket: Ticket, at: datetime) -> None:
    """A customer's message waits for an answer: unless one already waits (the first
    response, or an earlier unanswered message), a next-response clock starts."""
    if not ticket.sla_policy_id or not ticket.is_open:
        return
    w = _Work.load(ticket, at)
    if w.live(*RESPONSE_KINDS):
        return
    if (
        ticket.first_response_at is None
        and not SlaClock.objects.filter(ticket=ticket, kind=ClockKind.FIRST_RESPONSE).exists()
    ):
        w.start(ClockKind.FIRST_RESPONSE, at)
    else:
        w.start(ClockKind.NEXT_RESPONSE, at)
    w.save()


@transaction.atomic
def on_agent_reply(ticket: Ticket, at: datetime) -> None:
    """An agent answered: every response clock waiting on the customer's messages stops."""
    # No early return without a policy: a deleted policy leaves its tickets' clocks running.
    w = _Work.load(ticket, at)
    for row in w.live(*RESPONSE_KINDS):
        w.event(row, clock.EventKind.STOP, at)
    w.save()


@transaction.atomic
def on_status_changed(ticket: Ticket, before: str, after: str, at: datetime) -> None:
    """Pending pauses every clock (waiting for the customer); leaving pending resumes them;
    solved/closed stops them; reopening continues the resolution clock from where it was."""
    w = _Work.load(ticket, at)
    if after == Status.PENDING:
        for row in w.rows:
            w.event(row, clock.EventKind.PAUSE, at)
    elif after in (Status.SOLVED, Status.CLOSED):
        for row in w.rows:
            w.event(row, clock.EventKind.STOP, at)
    elif before == Status.PENDING:
        for row in w.rows:
            w.event(row, clock.EventKind.RESUME, at)
    elif before in (Status.SOLVED, Status.CLOSED):
        # Reopen: the time while solved does not count, the time before does.
        last = (
            SlaClock.objects.filter(ticket=ticket, kind=ClockKind.RESOLUTION)
            .order_by("-started_at", "-id")
            .select_for_update()
            .first()
        )
        if last is None:
            w.start(ClockKind.RESOLUTION, at)
        else:
            w.event(last, clock.EventKind.REOPEN, at)
            w.rows.append(last)
            target = w.policy.target(ClockKind.RESOLUTION) if w.policy else None
            if target and target.total_seconds() != last.target_seconds:
                w.event(last, clock.EventKind.RETARGET, at, target)
    w.save()


@transaction.atomic
def on_ticket_changed(ticket: Ticket, at: datetime) -> None:
    """Priority or team changed: the policy is matched again, the clocks re-targeted and
    (for a new team) measured on the new team's calendar."""
    w = _Work.load(ticket, at)
    _reset_policy(w, at)
    w.save()


@transaction.atomic
def on_merged(source: Ticket, target: Ticket, at: datetime) -> None:
    """The source was closed by the merge (its clocks stopped); a customer message that was
    waiting on it now waits on the target, since the moment it arrived."""
    waiting = (
        SlaClock.objects.filter(ticket=source, kind__in=RESPONSE_KINDS, stopped_at=at)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    if waiting is None or not target.sla_policy_id or not target.is_open:
        return
    w = _Work.load(target, at)
    if not w.live(*RESPONSE_KINDS):
        kind = (
            ClockKind.FIRST_RESPONSE
            if target.first_response_at is None
            and not (SlaClock.objects.filter(ticket=target, kind=ClockKind.FIRST_RESPONSE).exists())
            else ClockKind.NEXT_RESPONSE
        )
        w.start(kind, waiting)
    w.save()


# --- the breach scan -------------------------------------------------------------------------


def _bulk_set(model, fields: list[str], objs: list) -> None:
    """UPDATE ... WHERE id = ? for many rows, as one executemany.

    Django's bulk_update builds a CASE WHEN per field and row: 5 s for 20,000 clocks, most of
    it spent building expressions. executemany sends one prepared statement per row instead.
    """
    if not objs:
        return
    meta = model._meta
    cols = [meta.get_field(f) for f in fields]
    qn = connection.ops.quote_name
    # Identifiers come from the model's meta, quoted; every value is a bound parameter.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        qn(meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in cols),
        qn(meta.pk.column),
    )
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in cols] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cur:
        cur.executemany(sql, params)


def _claim(flag: str, ids: list[int]) -> set[int]:
    """Set `flag` (and `warned`) on these clocks where it is still false; the ids changed.

    The conditional UPDATE is what makes a warning or breach raised once: of two scans racing
    for the same clock, only one UPDATE matches the row.
    """
    if not ids:
        return set()
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    also = ", warned = %s" if flag != "warned" else ""
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET {flag} = %s{also} "  # noqa: S608 - constant identifiers
        f"WHERE id IN ({marks}) AND {flag} = %s RETURNING id"
    )
    params = [True, *([True] if also else []), *ids, False]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {r[0] for r in cur.fetchall()}


SCAN_CLOCK_FIELDS = [
    "id",
    "ticket_id",
    "kind",
    "status",
    "target_seconds",
    "due",
    "warn_at",
    "warned",
    "breach_notified",
]
TICKET_SLA_FIELDS = [
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "sla_due",
    "sla_check_at",
    "sla_state",
]


class _Recipients:
    """Who hears of a ticket's SLA: the assignee, else the team's members; on a breach also the
    supervisors (of the ticket's team, or of no team: as rapport.notify.role_members). User
    ids, read in two queries per tick whatever the number of teams."""

    def __init__(self, tickets: list[Ticket]):
        from rapport.accounts.models import Role, Team, User

        assignees = {t.assignee_id for t in tickets if t.assignee_id}
        teams = {t.team_id for t in tickets if t.team_id}
        self._active = set(
            User.objects.filter(pk__in=assignees, is_active=True).values_list("pk", flat=True)
        )
        self._members: dict[int, list[int]] = {}
        self._supervisors: dict[int | None, list[int]] = {}
        everywhere: list[int] = []
        for team_id, user_id, role in Team.members.through.objects.filter(
            team_id__in=teams, user__is_active=True
        ).values_list("team_id", "user_id", "user__role"):
            self._members.setdefault(team_id, []).append(user_id)
            if role == Role.SUPERVISOR:
                self._supervisors.setdefault(team_id, []).append(user_id)
        for user_id in User.objects.filter(
            is_active=True, role=Role.SUPERVISOR, teams=None
        ).values_list("pk", flat=True):
            everywhere.append(user_id)
        self._everywhere = everywhere

    def agents(self, ticket: Ticket) -> list[int]:
        if ticket.assignee_id in self._active:
            return [ticket.assignee_id]
        return self._members.get(ticket.team_id, [])

    def supervisors(self, ticket: Ticket) -> list[int]:
        return self._supervisors.get(ticket.team_id, []) + self._everywhere


def _notice(ticket: Ticket, row: SlaClock, *, breach: bool, zone: str = "UTC") -> str:
    """The notification's text, in the active language, the due time in the agent's zone."""
    if breach:
        text = _("SLA breached: %(target)s of ticket #%(id)s (%(subject)s) was due %(due)s.")
    else:
        text = _("SLA nearly due: %(target)s of ticket #%(id)s (%(subject)s) is due %(due)s.")
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ValueError, KeyError):
        tz = ZoneInfo("UTC")
    return text % {
        "target": ClockKind(row.kind).label,
        "id": ticket.pk,
        "subject": ticket.subject[:80],
        "due": f"{row.due.astimezone(tz):%Y-%m-%d %H:%M} {zone or 'UTC'}",
    }


def _localised_notifications(pending: list[tuple]) -> list:
    """One notification per (user, clock) in that agent's language and time zone."""
    from django.utils import translation

    from rapport.accounts.models import User
    from rapport.notify.models import Kind, Notification

    people = {
        pk: (language, zone)
        for pk, language, zone in User.objects.filter(pk__in={p[0] for p in pending}).values_list(
            "pk", "language", "time_zone"
        )
    }
    notes = []
    for user_id, ticket, row, breach, key, now in pending:
        language, zone = people.get(user_id, ("en", "UTC"))
        with translation.override(language):
            text = _notice(ticket, row, breach=breach, zone=zone)
        notes.append(
            Notification(
                user_id=user_id,
                kind=Kind.SLA_BREACH if breach else Kind.SLA_WARNING,
                text=text[:500],
                ticket=ticket,
                dedupe_key=key,
                created_at=now,
            )
        )
    return notes


def do_scan(now: datetime | None = None, limit: int = 500) -> int:
    """Raise every warning and breach that has come due; returns how many were raised.

    Reads only the index range `sla_check_at <= now` (each ticket's next warning or breach
    instant), up to `limit` tickets, in one transaction. Each warning and breach is raised
    once: its flag on the clock is flipped by a conditional UPDATE (`... AND warned = false`)
    and only the scan whose UPDATE changed the row raises it, so two workers scanning at once,
    or a retried task, raise it once. Notifications are deduplicated by key as well.
    """
    from rapport.notify.models import Notification
    from rapport.tickets.models import Event

    now = now or timezone.now()
    with transaction.atomic():
        tickets = list(
            Ticket.objects.filter(sla_check_at__lte=now)
            .order_by("sla_check_at")
            .only("id", "subject", "customer_id", "team_id", "assignee_id", *TICKET_SLA_FIELDS)[
                :limit
            ]
        )
        if not tickets:
            return 0
        by_ticket: dict[int, list[SlaClock]] = {}
        # Locked (PostgreSQL), in id order so that two scans cannot deadlock: a ticket action
        # changing one of these clocks meanwhile waits for this tick, or this tick waits for
        # it and then reads its result. The ticket columns are derived from these rows only,
        # so what is written below is never older than the clocks.
        live = SlaClock.objects.filter(
            ticket_id__in=[t.pk for t in tickets], status=ClockStatus.RUNNING
        ).only(*SCAN_CLOCK_FIELDS)
        for row in live.order_by("id").select_for_update():
            by_ticket.setdefault(row.ticket_id, []).append(row)
        recipients = _Recipients(tickets)
        events: list[Event] = []
        notes: list[tuple] = []  # (user id, ticket, clock, breach, key, now)
        raised = 0
        # What came due, then claimed in one UPDATE per kind: only the ids this scan flipped
        # are raised here (RETURNING: PostgreSQL, SQLite >= 3.35).
        due_breach, due_warn = [], []
        for rows in by_ticket.values():
            for row in rows:
                if row.due is not None and row.due < now and not row.breach_notified:
                    due_breach.append(row.pk)
                elif not row.warned and row.warn_at is not None and row.warn_at <= now:
                    due_warn.append(row.pk)
        won_breach = _claim("breach_notified", due_breach)
        won_warn = _claim("warned", due_warn)
        due_breach, due_warn = set(due_breach), set(due_warn)
        for ticket in tickets:
            for row in by_ticket.get(ticket.pk, []):
                breach = row.pk in won_breach
                if breach:
                    row.breach_notified = row.warned = True
                elif row.pk in won_warn:
                    row.warned = True
                else:
                    if row.pk in due_breach or row.pk in due_warn:  # another scan raised it
                        row.warned = True
                        row.breach_notified = row.breach_notified or row.pk in due_breach
                    continue
                raised += 1
                events.append(
                    Event(
                        kind=EventKind.SLA_BREACH if breach else EventKind.SLA_WARNING,
                        ticket=ticket,
                        customer_id=ticket.customer_id,
                        created_at=now,
                        after={"target": row.kind, "due": row.due.isoformat()},
                    )
                )
                key = f"sla:{row.pk}:{row.target_seconds}:{'breach' if breach else 'warning'}"
                users = list(recipients.agents(ticket))
                if breach:
                    users += recipients.supervisors(ticket)
                for user_id in dict.fromkeys(users):
                    notes.append((user_id, ticket, row, breach, key, now))
            for name, value in _state_fields(ticket, by_ticket.get(ticket.pk, []), now).items():
                setattr(ticket, name, value)
        Event.objects.bulk_create(events)
        # The (user, dedupe_key) constraint drops a notification already given (as do_notify).
        Notification.objects.bulk_create(_localised_notifications(notes), ignore_conflicts=True)
        _bulk_set(Ticket, TICKET_SLA_FIELDS, tickets)
    return raised


# --- recomputation -------------------------------------------------------------------------

CLOCK_STATE_FIELDS = [
    "events",
    "status",
    "target_seconds",
    "due",
    "warn_at",
    "breached_at",
    "team",
    "warned",
    "breach_notified",
    "stopped_at",
    "elapsed_seconds",
]


def do_recompute(
    *, team_id: int | None = None, batch: int = 2000, now: datetime | None = None
) -> int:
    """Re-evaluate every live clock (after a calendar or policy change): re-target to the
    current policy's targets, recompute due and warning times, refresh the tickets' columns.
    Walks the live clocks by id in batches; returns the number of tickets updated."""
    now = now or timezone.now()
    cals = Calendars(now)
    policies = {p.pk: p for p in SlaPolicy.objects.all()}
    last_id = 0
    done = 0
    qs = SlaClock.objects.filter(IS_LIVE)
    if team_id is not None:
        qs = qs.filter(ticket__team_id=team_id)
    while True:
        ids = list(qs.filter(id__gt=last_id).order_by("id").values_list("id", "ticket_id")[:batch])
        if not ids:
            break
        last_id = ids[-1][0]
        tids = {t for _, t in ids}
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(pk__in=tids).only(
                "id", "team_id", "sla_policy_id", "status"
            )
        }
        rows = list(SlaClock.objects.filter(ticket_id__in=tids, status__in=LIVE))
        by_ticket: dict[int, list[SlaClock]] = {}
        for row in rows:
            ticket = tickets[row.ticket_id]
            policy = policies.get(ticket.sla_policy_id)
            target = policy.target(row.kind) if policy else None
            if target is not None and target.total_seconds() != row.target_seconds:
                row.add_event(clock.EventKind.RETARGET, now, target)
            row.team_id = ticket.team_id
            _refresh(row, cals(ticket.team_id), now, _warn_share(row, policy))
            if row.status == ClockStatus.STOPPED:
                row.stopped_at = now
            by_ticket.setdefault(row.ticket_id, []).append(row)
        for tid, ticket in tickets.items():
            for name, value in _state_fields(ticket, by_ticket.get(tid, []), now).items():
                setattr(ticket, name, value)
        with transaction.atomic():
            _bulk_set(SlaClock, CLOCK_STATE_FIELDS, rows)
            _bulk_set(Ticket, TICKET_SLA_FIELDS, list(tickets.values()))
        done += len(tickets)
    return done


# --- the honest acknowledgement (RS3, RS5) ---------------------------------------------------

PROMISE_WINDOW = timedelta(days=28)
PROMISE_MIN_SAMPLES = 5
PROMISE_PERCENTILE = 0.9


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the value at or below which `share` of values lie)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def round_up(duration: timedelta) -> timedelta:
    """A sensible unit to promise in: 15 minutes up to 2 hours, whole hours up to a business
    day, then half business days (4 h)."""
    seconds = duration.total_seconds()
    if seconds <= 2 * 3600:
        unit = 15 * 60
    elif seconds <= 8 * 3600:
        unit = 3600
    else:
        unit = 4 * 3600
    return timedelta(seconds=max(1, math.ceil(seconds / unit)) * unit)


def expected_first_response(ticket: Ticket, now: datetime) -> timedelta | None:
    """The 90th percentile of the team's recent first-response times (business time) at this
    hour of the week; the whole week's if that hour has too few; else the policy's target;
    None without any of them (nothing to base a promise on)."""
    cal = calendar_for_team(ticket.team_id)
    recent = SlaClock.objects.filter(
        team_id=ticket.team_id,
        kind=ClockKind.FIRST_RESPONSE,
        started_at__gte=now - PROMISE_WINDOW,
        status=ClockStatus.STOPPED,
        elapsed_seconds__isnull=False,
    )
    samples = list(
        recent.filter(hour_of_week=_hour_of_week(now, cal)).values_list(
            "elapsed_seconds", flat=True
        )[:1000]
    )
    if len(samples) < PROMISE_MIN_SAMPLES:
        samples = list(recent.values_list("elapsed_seconds", flat=True)[:5000])
    if len(samples) >= PROMISE_MIN_SAMPLES:
        return timedelta(seconds=percentile(samples, PROMISE_PERCENTILE))
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    return policy.target(ClockKind.FIRST_RESPONSE) if policy else None


def do_promise_response(ticket: Ticket, now: datetime | None = None) -> datetime | None:
    """The answer time to tell the customer (RS3): stored once on the ticket, then reused.

    Business time from now by the expected first-response time, rounded up to a sensible unit,
    then up to the next quarter hour of the team's clock. None when there is nothing to base
    it on (no SLA policy and no history): the acknowledgement then keeps its fixed wording.
    """
    if ticket.promised_response_at is not None:
        return ticket.promised_response_at
    now = now or timezone.now()
    expected = expected_first_response(ticket, now)
    if expected is None:
        return None
    cal = calendar_for_team(ticket.team_id)
    promised = clock.add_business_time(now, round_up(expected), cal)
    local = promised.astimezone(cal.zone)
    extra = (-local.minute) % 15
    if extra or local.second or local.microsecond:
        promised = local.replace(second=0, microsecond=0) + timedelta(minutes=extra or 15)
    ticket.promised_response_at = promised
    Ticket.objects.filter(pk=ticket.pk, promised_response_at=None).update(
        promised_response_at=promised
    )
    return promised


# --- configuration (supervisors, rapport.sla.views) ------------------------------------------


def _enqueue_recompute() -> None:
    from .tasks import recompute_sla_task

    try:
        recompute_sla_task.enqueue()
    except Exception:  # the dues are recomputed by the next edit or by hand; never lose the edit
        log.exception("sla: could not queue the recomputation")


@transaction.atomic
def do_save_calendar(calendar: BusinessCalendar, *, week: list[str], days) -> BusinessCalendar:
    """Save a calendar with its manual dates (replaced as a whole); open tickets' due times
    are recomputed in the background after the commit."""
    calendar.week = week
    calendar.save()
    calendar.days.all().delete()
    for day in days:
        day.calendar = calendar
    calendar.days.model.objects.bulk_create(days)
    transaction.on_commit(_enqueue_recompute)
    return calendar


@transaction.atomic
def do_save_policy(policy: SlaPolicy) -> SlaPolicy:
    policy.save()
    transaction.on_commit(_enqueue_recompute)
    return policy


@transaction.atomic
def do_delete_policy(policy: SlaPolicy) -> None:
    policy.delete()  # tickets keep their clocks; their sla_policy becomes empty
    transaction.on_commit(_enqueue_recompute)
