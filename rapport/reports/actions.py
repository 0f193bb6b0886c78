"""Keeping the rollup (docs/reports.md): fold changed tickets in, rebuild from scratch.

Folding a ticket = compute its contributions now (facts.contributions), compare them with the
ones stored on TicketFacts, add the difference to the Rollup cells and store the new ones —
all in one transaction with the watermark, so a crash leaves either the old state or the
new one, and folding the same ticket again is a no-op (the difference is zero).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from rapport.promises.models import Promise
from rapport.sla.actions import Calendars
from rapport.tickets.models import Event, Ticket

from . import facts
from .models import LEVELS, TAG_LEVEL, Rollup, RollupMonth, RollupState, TicketFacts, project

log = logging.getLogger(__name__)

BATCH = 500
# Ids are taken before commit: an event with a smaller id than the watermark may commit
# later. Each run re-reads this many ids below the watermark (cheap: re-folding an unchanged
# ticket changes nothing) and the time-stamped sources this far back.
EVENT_OVERLAP = 500
TIME_OVERLAP = timedelta(minutes=10)

CELL_FIELDS = ["level", "tag_id", "day", "team_id", "agent_id", "channel", "kind", "measure", "key"]


def _state() -> RollupState:
    state, _ = RollupState.objects.get_or_create(pk=1)
    return state


def _apply(delta: dict[tuple, float]) -> None:
    """Add `delta` (level-0 cells: tag, day, team, agent, channel, kind, measure, key; tag 0
    for the plain levels) to every level of the daily cells and of the monthly ones
    (models.LEVELS; a tag's cells to the tag levels, TAG_LEVEL + level)."""
    daily: dict[tuple, float] = defaultdict(float)
    monthly: dict[tuple, float] = defaultdict(float)
    for (tag, day, team, agent, channel, kind, measure, key), v in delta.items():
        month = day[:8] + "01"
        offset = TAG_LEVEL if tag else 0
        for level in LEVELS:
            dims = project(level, team, agent, channel, kind)
            daily[(level + offset, tag, day, *dims, measure, key)] += v
            monthly[(level + offset, tag, month, *dims, measure, key)] += v
    _apply_to(Rollup, daily)
    _apply_to(RollupMonth, monthly)


def _apply_to(model, delta: dict[tuple, float]) -> None:
    """Add `delta` ({(level, tag, day, team, agent, channel, kind, measure, key): value}) to
    the cells of `model` (read, change, write; cells that reach 0 are deleted so the table
    holds only what is there)."""
    delta = {k: v for k, v in delta.items() if abs(v) > 1e-9}
    if not delta:
        return
    by_measure_day: dict[tuple, set] = defaultdict(set)
    for k in delta:
        by_measure_day[(k[0], k[1], k[7])].add(k[2])
    existing: dict[tuple, Rollup] = {}
    for (level, tag, measure), days in by_measure_day.items():
        for row in model.objects.filter(
            level=level, tag_id=tag, measure=measure, day__in=sorted(days)
        ):
            existing[
                (
                    row.level,
                    row.tag_id,
                    row.day.isoformat(),
                    row.team_id,
                    row.agent_id,
                    row.channel,
                    row.kind,
                    row.measure,
                    row.key,
                )
            ] = row
    create, update, delete = [], [], []
    for k, v in delta.items():
        row = existing.get(k)
        if row is None:
            create.append(model(**dict(zip(CELL_FIELDS, k, strict=True)), value=v))
        else:
            row.value += v
            (delete if abs(row.value) < 1e-9 else update).append(row)
    model.objects.bulk_create(create, batch_size=1000)
    model.objects.bulk_update(update, ["value"], batch_size=1000)
    if delete:
        model.objects.filter(pk__in=[r.pk for r in delete]).delete()


def do_fold(ticket_ids: Iterable[int], calendars: Calendars | None = None) -> int:
    """Fold these tickets' current state into the rollup. Call inside a transaction."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    new = facts.contributions(ids, calendars)
    new_tags = facts.tags_of(ids)
    for tid in ids:
        if not new[tid]:
            new_tags[tid] = []  # deleted: nothing to add under its tags either
    old: dict[int, tuple[list, list]] = {
        tid: (rows, tags or [])
        for tid, rows, tags in TicketFacts.objects.filter(ticket_id__in=ids).values_list(
            "ticket_id", "rows", "tags"
        )
    }
    delta: dict[tuple, float] = defaultdict(float)
    for cell, v in facts.aggregate((new[t] for t in ids), (new_tags[t] for t in ids)).items():
        delta[cell] += v
    for cell, v in facts.aggregate(
        (rows for rows, _ in old.values()), (tags for _, tags in old.values())
    ).items():
        delta[cell] -= v
    _apply(delta)
    now = timezone.now()
    changed = [tid for tid in ids if (new[tid], new_tags[tid]) != old.get(tid)]
    gone = [tid for tid in changed if not new[tid]]
    TicketFacts.objects.filter(ticket_id__in=gone).delete()
    keep = [
        TicketFacts(ticket_id=tid, rows=new[tid], tags=new_tags[tid], computed_at=now)
        for tid in changed
        if new[tid]
    ]
    TicketFacts.objects.bulk_create(
        keep,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["ticket_id"],
        update_fields=["rows", "tags", "computed_at"],
    )
    return len(ids)


def _changed_by_time(since: datetime | None) -> set[int]:
    """Tickets whose promises, surveys or reviews changed since then (they log no event);
    all of them when `since` is None (the first run)."""

    def since_q(*fields):
        if since is None:
            return Q()
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}__gte": since})
        return q

    ids = set(
        Promise.objects.filter(since_q("created_at", "closed_at")).values_list(
            "ticket_id", flat=True
        )
    )
    Survey, Review = facts._optional_models()  # noqa: N806
    if Survey is not None:
        ids |= set(
            Survey.objects.filter(since_q("answered_at"), level__isnull=False).values_list(
                "ticket_id", flat=True
            )
        )
    if Review is not None:
        ids |= set(
            Review.objects.filter(since_q("received_at", "replied_at")).values_list(
                "ticket_id", flat=True
            )
        )
    return ids


def do_update_rollups(now: datetime | None = None, max_events: int = 20000) -> int:
    """The worker's periodic fold: tickets touched by events after the watermark, and by
    promises, surveys and reviews since the last run. Returns the tickets folded."""
    now = now or timezone.now()
    folded = 0
    calendars = Calendars()
    with transaction.atomic():
        RollupState.objects.get_or_create(pk=1)
        # A write first: it takes the write lock (SQLite) or the row lock (PostgreSQL), so two
        # overlapping runs are serialised rather than both folding from the same watermark.
        RollupState.objects.filter(pk=1).update(tickets_folded=F("tickets_folded"))
        state = RollupState.objects.select_for_update().get(pk=1)
        previous = state.last_run_at or state.rebuilt_at
        start = max(0, state.last_event_id - EVENT_OVERLAP)
        rows = list(
            Event.objects.filter(pk__gt=start, ticket__isnull=False)
            .order_by("pk")
            .values_list("pk", "ticket_id")[:max_events]
        )
        ids = {tid for _, tid in rows}
        top = max([state.last_event_id, *(pk for pk, _ in rows)])
        ids |= _changed_by_time(previous - TIME_OVERLAP if previous else None)
        # The FAQ mining's new questions (no ticket event): by id, with the same overlap.
        faq_rows = _new_faq_questions(state.last_faq_id, max_events)
        ids |= {tid for _, tid in faq_rows}
        faq_top = max([state.last_faq_id, *(pk for pk, _ in faq_rows)])
        ordered = sorted(ids)
        for i in range(0, len(ordered), BATCH):
            folded += do_fold(ordered[i : i + BATCH], calendars)
        RollupState.objects.filter(pk=1).update(
            last_event_id=top,
            last_faq_id=faq_top,
            last_run_at=now,
            tickets_folded=state.tickets_folded + folded,
        )
    return folded


def _new_faq_questions(last_id: int, limit: int) -> list[tuple[int, int]]:
    """(id, ticket id) of the FAQ questions after `last_id` less EVENT_OVERLAP (ids are
    taken before commit, as events'), oldest first."""
    FaqQuestion = facts._faq_question_model()  # noqa: N806
    if FaqQuestion is None:
        return []
    start = max(0, last_id - EVENT_OVERLAP)
    return list(
        FaqQuestion.objects.filter(pk__gt=start)
        .order_by("pk")
        .values_list("pk", "ticket_id")[:limit]
    )


def _last_faq_id() -> int:
    FaqQuestion = facts._faq_question_model()  # noqa: N806
    if FaqQuestion is None:
        return 0
    return FaqQuestion.objects.aggregate(m=Max("pk"))["m"] or 0


def do_rebuild(
    since: date | None = None,
    batch: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute the rollup from raw data. Without `since`: empty it and fold every ticket.
    With `since`: re-fold the tickets created since that day (their contributions fall on
    or after it); the rest stay as they are. The watermark is set first, so the periodic fold
    continues from here. A full rebuild that stops half-way leaves a partial rollup: run it
    again (it starts by emptying). Run it while the scheduler's fold is not (a fold during a
    full rebuild could count a ticket twice); `--since` is safe at any time."""
    now = timezone.now()
    with transaction.atomic():
        state = _state()
        top = Event.objects.aggregate(m=Max("pk"))["m"] or 0
        RollupState.objects.filter(pk=state.pk).update(
            last_event_id=top, last_faq_id=_last_faq_id(), rebuilt_at=now
        )
        if since is None:
            Rollup.objects.all().delete()
            RollupMonth.objects.all().delete()
            TicketFacts.objects.all().delete()
    qs = Ticket.objects.order_by("pk")
    if since is not None:
        start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
        qs = qs.filter(created_at__gte=start)
    ids = list(qs.values_list("pk", flat=True))
    total = len(ids)
    calendars = Calendars()
    done = 0
    pending: dict[tuple, float] = defaultdict(float)
    for i in range(0, total, batch):
        chunk = ids[i : i + batch]
        with transaction.atomic():
            if since is None:
                _insert_fresh(chunk, calendars, pending)
                if len(pending) > FLUSH_CELLS:
                    _add_fresh(pending)
                    pending.clear()
            else:
                do_fold(chunk, calendars)
        done += len(chunk)
        if progress:
            progress(done, total)
    if pending:
        with transaction.atomic():
            _add_fresh(pending)
    if since is None:
        # Every ticket was folded with its tags and FAQ questions: the tag levels and the
        # questions' cells are complete.
        done_at = timezone.now()
        RollupState.objects.filter(pk=state.pk).update(complete_at=done_at, problems_at=done_at)
    _analyze()
    return total


def _analyze() -> None:
    """Refresh the planner's statistics of the tables a rebuild rewrote. Without it the
    planner keeps what it knew before (an empty rollup after a fresh install or a seed): at 1M
    tickets PostgreSQL then estimated one row for a dashboard read and walked 120,000 index
    entries to find 2,190 (530 ms against 15 ms after ANALYZE); autovacuum gets there only
    later. SQLite's ANALYZE likewise refreshes sqlite_stat1."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Rollup, RollupMonth, TicketFacts):
            cursor.execute(f"ANALYZE {q(model._meta.db_table)}")


# A full rebuild sums cells in memory and writes them when this many are pending (and at the
# end): each cell is written once or a few times instead of once per batch.
FLUSH_CELLS = 1_000_000


def _add_fresh(pending: dict[tuple, float]) -> None:
    """The full rebuild's write: add the pending level-0 cells (only positive sums: nothing
    is taken back in a rebuild) to every level, daily and monthly, by plain multi-row upserts
    (INSERT … ON CONFLICT DO UPDATE value = value + excluded.value; SQLite and PostgreSQL)
    rather than model instances — the same cells _apply writes, a fraction of the CPU."""
    daily: dict[tuple, float] = defaultdict(float)
    monthly: dict[tuple, float] = defaultdict(float)
    for (tag, day, team, agent, channel, kind, measure, key), v in pending.items():
        month = day[:8] + "01"
        offset = TAG_LEVEL if tag else 0
        for level in LEVELS:
            dims = project(level, team, agent, channel, kind)
            daily[(level + offset, tag, day, *dims, measure, key)] += v
            monthly[(level + offset, tag, month, *dims, measure, key)] += v
    for model, cells in ((Rollup, daily), (RollupMonth, monthly)):
        _upsert(model, cells)


def _upsert(model, cells: dict[tuple, float], rows_per_statement: int = 500) -> None:
    q = connection.ops.quote_name
    cols = [*CELL_FIELDS, "value"]
    one = "(" + ", ".join(["%s"] * len(cols)) + ")"
    head = f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in cols)}) VALUES "  # noqa: S608
    tail = (
        f" ON CONFLICT ({', '.join(q(c) for c in CELL_FIELDS)}) DO UPDATE SET "
        f"{q('value')} = {q(model._meta.db_table)}.{q('value')} + excluded.{q('value')}"
    )
    days: dict[str, date] = {}
    items = [
        (*k[:2], days.get(k[2]) or days.setdefault(k[2], date.fromisoformat(k[2])), *k[3:], v)
        for k, v in cells.items()
        if abs(v) > 1e-9
    ]
    if connection.vendor == "postgresql":
        _upsert_copy(model, items)
        return
    with connection.cursor() as cur:
        for i in range(0, len(items), rows_per_statement):
            part = items[i : i + rows_per_statement]
            cur.execute(
                head + ", ".join([one] * len(part)) + tail, [x for row in part for x in row]
            )


# The cells' columns as a temporary table for COPY (PostgreSQL): the same types as the models'.
_COPY_COLUMNS = (
    "level smallint, tag_id integer, day date, team_id integer, agent_id integer, "
    "channel text, kind text, measure text, key text, value double precision"
)


def _upsert_copy(model, items: list[tuple]) -> None:
    """PostgreSQL's full-rebuild write: COPY the cells into a temporary table, then one
    INSERT … SELECT … ON CONFLICT adds them. Multi-row VALUES with thousands of placeholders
    made psycopg split every statement's text anew (too long for its query cache): at 1M
    tickets one flush of a million cells took over ten minutes of this process's CPU."""
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = ", ".join(q(c) for c in [*CELL_FIELDS, "value"])
    keys = ", ".join(q(c) for c in CELL_FIELDS)
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS rapport_cells ({_COPY_COLUMNS})")
        cur.execute("TRUNCATE rapport_cells")
        with cur.cursor.copy(f"COPY rapport_cells ({cols}) FROM STDIN") as copy:
            for row in items:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM rapport_cells "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {q('value')} = "
            f"{table}.{q('value')} + excluded.{q('value')}"
        )
        cur.execute("TRUNCATE rapport_cells")


def _insert_fresh(ids: list[int], calendars: Calendars, pending: dict[tuple, float]) -> None:
    """The full rebuild's path: the rollup was emptied, so facts are only inserted and the
    batch's cells are added to `pending`."""
    new = facts.contributions(ids, calendars)
    tags = facts.tags_of(ids)
    for cell, v in facts.aggregate(new.values(), (tags[t] for t in new)).items():
        pending[cell] += v
    now = timezone.now()
    TicketFacts.objects.bulk_create(
        [
            TicketFacts(ticket_id=t, rows=r, tags=tags[t], computed_at=now)
            for t, r in new.items()
            if r
        ],
        batch_size=1000,
    )
