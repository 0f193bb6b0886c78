"""Timer rules without scanning every open ticket on every tick (docs/rules.md).

A tick looks at three small sets of tickets:
1. those with a message newer than the last one the timer read (by primary key, an index
   range): their times changed;
2. those whose RuleWatch is due (an index range): a "waited at least N minutes" condition
   may have become true;
3. if a timer rule reads the SLA state, those whose SLA due time passed since the last tick
   (the SLA fields are indexed for open tickets), looked at again for a few ticks so that the
   SLA scanner has marked them breached.
Each is evaluated, then its watch is moved to the next time a condition may become true, or
dropped.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from rapport.tickets.models import OPEN_STATUSES, Message, Ticket

from .engine import Facts, active_rules, evaluate
from .models import RuleWatch, TimerState, Trigger

BATCH = 2000
SLA_LOOKBACK = timedelta(minutes=10)
SLA_DUE_FIELDS = ("first_response_due", "next_response_due", "resolution_due")


def _sla_fields() -> list[str]:
    """The indexed SLA due fields (rapport.sla, tickets 0006): `sla_due` (the soonest due time)
    when it exists, else the three; none before the SLA app's migration."""
    names = {f.name for f in Ticket._meta.get_fields()}
    if "sla_due" in names:
        return ["sla_due"]
    return [f for f in SLA_DUE_FIELDS if f in names]


def do_watch_open_tickets(now=None) -> int:
    """Look at every open ticket on the next tick (a timer rule was added or enabled).
    One pass when rules change, never per tick."""
    now = now or timezone.now()
    count = 0
    ids = Ticket.objects.open().order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        chunk = list(ids.filter(pk__gt=last)[:BATCH])
        if not chunk:
            return count
        RuleWatch.objects.bulk_create(
            [RuleWatch(ticket_id=pk, due=now) for pk in chunk], ignore_conflicts=True
        )
        RuleWatch.objects.filter(ticket_id__in=chunk, due__gt=now).update(due=now)
        count += len(chunk)
        last = chunk[-1]


def next_check(rules, facts: Facts):
    """The earliest future time at which a "time ≥ N minutes" condition may become true."""
    times = []
    for compiled in rules:
        for name, minutes in compiled.time_thresholds:
            start = facts.anchor(name)
            if start is not None:
                at = start + timedelta(minutes=minutes)
                if at > facts.now:
                    times.append(at)
    return min(times, default=None)


def run_tick(now=None) -> int:
    """One tick of the timer; returns the number of firings."""
    now = now or timezone.now()
    rules = [c for c in active_rules() if c.on_timer]
    with transaction.atomic():
        # One tick at a time: the row lock orders ticks from several schedulers.
        state = TimerState.objects.select_for_update().filter(pk=1).first()
        if state is None:
            top = Message.objects.aggregate(top=Max("pk"))["top"] or 0
            try:
                with transaction.atomic():
                    state = TimerState.objects.create(pk=1, last_message_id=top, last_tick_at=now)
            except IntegrityError:  # another scheduler's first tick won
                state = TimerState.objects.select_for_update().get(pk=1)
            else:
                do_watch_open_tickets(now)
        if not rules:
            # Nothing to evaluate: keep the cursor at the end of the stream (saving a timer
            # rule watches every open ticket then).
            top = Message.objects.aggregate(top=Max("pk"))["top"] or 0
            state.last_message_id, state.last_tick_at = top, now
            state.save(update_fields=["last_message_id", "last_tick_at"])
            RuleWatch.objects.all().delete()
            return 0
        candidates: set[int] = set()
        new = list(
            Message.objects.filter(pk__gt=state.last_message_id)
            .order_by("pk")
            .values_list("pk", "ticket_id")[:BATCH]
        )
        if new:
            state.last_message_id = new[-1][0]
            candidates.update(t for _, t in new)
        due = list(
            RuleWatch.objects.filter(due__lte=now)
            .order_by("due")
            .values_list("ticket_id", flat=True)[:BATCH]
        )
        candidates.update(due)
        reads_sla = any(
            c.get("field") == "ticket.sla_state" for r in rules for c in _flat(r.rule.conditions)
        )
        sla_fields = _sla_fields() if reads_sla else []
        if sla_fields:
            since = (state.last_tick_at or now) - SLA_LOOKBACK
            window = Q()
            for name in sla_fields:
                window |= Q(**{f"{name}__gt": since, f"{name}__lte": now})
            candidates.update(
                Ticket.objects.open().filter(window).values_list("pk", flat=True)[:BATCH]
            )
        state.last_tick_at = now
        state.save(update_fields=["last_message_id", "last_tick_at"])
    fired = 0
    tickets = Ticket.objects.select_related("customer", "team", "assignee").filter(
        pk__in=candidates
    )
    for ticket in tickets:
        fired += _tick_ticket(ticket, rules, now)
    return fired


def _tick_ticket(ticket: Ticket, rules, now) -> int:
    if ticket.status not in OPEN_STATUSES or ticket.merged_into_id or not rules:
        RuleWatch.objects.filter(ticket=ticket).delete()
        return 0
    facts = Facts(ticket, None, now)
    fired = evaluate(ticket, trigger=Trigger.TIMER, facts=facts)
    at = next_check(rules, facts)
    if at is None:
        RuleWatch.objects.filter(ticket=ticket).delete()
    else:
        RuleWatch.objects.update_or_create(ticket=ticket, defaults={"due": at})
    return len(fired)


def _flat(conditions):
    for c in conditions:
        yield from (c["any"] if "any" in c else [c])
