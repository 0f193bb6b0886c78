"""Evaluating rules against a ticket: facts read lazily (each at most once per evaluation),
conditions checked cheapest first, each firing logged once with why (docs/rules.md).

    evaluate(ticket, trigger=Trigger.MESSAGE, message=m)   on a customer message (after the coach)
    evaluate(ticket, trigger=Trigger.TIMER)                from the timer (rapport.rules.timer)
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.tickets.models import Direction, Message, Ticket

from .models import Rule, RuleFiring, Trigger
from .schema import FIELDS

log = logging.getLogger(__name__)


# --- facts ------------------------------------------------------------------------------------


class Facts:
    """What conditions look at, for one ticket (and the customer message being handled).
    Every value is computed on first use and kept, so 200 rules cost a handful of queries."""

    def __init__(self, ticket: Ticket, message: Message | None, now: datetime | None = None):
        self.ticket = ticket
        self._message = message
        self.now = now or timezone.now()
        self._cache: dict = {}

    def invalidate(self) -> None:
        """After a rule changed the ticket or the customer (a later rule sees the change)."""
        keep = {k: v for k, v in self._cache.items() if k in ("_times", "_message")}
        self._cache = keep

    # -- the customer message: the one that arrived, or (timer) the latest one
    @property
    def message(self) -> Message | None:
        if self._message is None and "_message" not in self._cache:
            self._cache["_message"] = (
                Message.objects.filter(ticket=self.ticket, direction=Direction.IN, auto="")
                .order_by("-created_at", "-id")
                .first()
            )
        return self._message or self._cache.get("_message")

    @property
    def analysis(self) -> dict:
        m = self.message
        return (m.analysis or {}) if m is not None else {}

    # -- times: the last customer message and the last agent reply
    def _times(self) -> tuple[datetime | None, datetime | None]:
        """The last customer message and the last agent reply (automatic ones aside), in one
        query over the ticket's messages (index ticket, created_at)."""
        if "_times" not in self._cache:
            times = Message.objects.filter(ticket=self.ticket, auto="").aggregate(
                last_in=Max("created_at", filter=Q(direction=Direction.IN)),
                last_out=Max("created_at", filter=Q(direction=Direction.OUT)),
            )
            self._cache["_times"] = (times["last_in"], times["last_out"])
        return self._cache["_times"]

    def anchor(self, name: str) -> datetime | None:
        """When the clock of a time field started (None: it is not running)."""
        last_in, last_out = self._times()
        if name == "time.customer_waiting":
            if last_in and (last_out is None or last_in > last_out):
                return last_in
            return None
        if name == "time.since_agent_reply":
            return last_out
        raise KeyError(name)

    def state_key(self) -> str:
        """The ticket's state for timer rules: a timer rule fires once per such state (the
        times of the last customer message and agent reply, the SLA state, the status)."""
        last_in, last_out = self._times()
        return "t{}.{}.{}.{}".format(
            int(last_in.timestamp() * 1000) if last_in else 0,
            int(last_out.timestamp() * 1000) if last_out else 0,
            getattr(self.ticket, "sla_state", "") or "-",
            self.ticket.status,
        )

    def get(self, name: str, value=None):
        key = (name, value["days"]) if isinstance(value, dict) else name
        if key not in self._cache:
            self._cache[key] = self._compute(name, value)
        return self._cache[key]

    def _compute(self, name: str, value):
        t = self.ticket
        if name == "message.signals":
            return frozenset(self.analysis.get("signals") or ())
        if name == "message.mood":
            return self.analysis.get("mood")
        if name == "message.language":
            return self.analysis.get("language")
        if name == "ticket.status":
            return t.status
        if name == "ticket.priority":
            return t.priority
        if name == "ticket.channel":
            return t.channel
        if name == "ticket.team":
            return t.team.name if t.team_id else None
        if name == "ticket.assignee":
            return t.assignee_id
        if name == "ticket.sla_state":
            # The SLA engineer's field (tickets 0006); "" until it lands.
            return getattr(t, "sla_state", "") or ""
        if name == "ticket.tags":
            return frozenset(t.tags.values_list("name", flat=True))
        if name == "customer.kind":
            return t.customer.kind
        if name == "customer.flags":
            return frozenset(
                t.customer.flags.filter(cleared_at=None).values_list("kind", flat=True)
            )
        if name in ("time.customer_waiting", "time.since_agent_reply"):
            start = self.anchor(name)
            return None if start is None else int((self.now - start).total_seconds() // 60)
        since = self.now - timedelta(days=value["days"])
        if name == "customer.recent_tickets":
            return Ticket.objects.filter(customer_id=t.customer_id, created_at__gte=since).count()
        if name == "customer.recent_messages":
            return Message.objects.filter(
                customer_id=t.customer_id, direction=Direction.IN, created_at__gte=since
            ).count()
        raise KeyError(name)


# --- conditions -------------------------------------------------------------------------------


def _at_least(actual, limit) -> bool:
    return actual is not None and actual >= limit


def _at_most(actual, limit) -> bool:
    return actual is not None and actual <= limit


TESTS = {
    "is": lambda actual, value: actual == value,
    "is_not": lambda actual, value: actual != value,
    "in": lambda actual, value: actual in value,
    "not_in": lambda actual, value: actual not in value,
    "contains": lambda actual, value: value in actual,
    "not_contains": lambda actual, value: value not in actual,
    "is_set": lambda actual, value: actual not in (None, ""),
    "is_not_set": lambda actual, value: actual in (None, ""),
    "gte": _at_least,
    "lte": _at_most,
}


def _plain(actual):
    return sorted(actual) if isinstance(actual, frozenset) else actual


def compile_condition(condition: dict):
    """A function facts -> why (the condition with its actual value) or None. Compiled once per
    rule change: evaluating 200 rules is then a few hundred small calls (bench/rules_eval.py)."""
    if "any" in condition:
        subs = [compile_condition(c) for c in condition["any"]]

        def any_of(facts):
            for sub in subs:
                why = sub(facts)
                if why is not None:
                    return {"any": [why]}
            return None

        return any_of
    name, op, value = condition["field"], condition["op"], condition.get("value")
    if name == "ticket.tags" and isinstance(value, str):
        value = value.strip().lower()  # tags are stored lower-case (tickets.actions.do_set_tags)
    window = isinstance(value, dict)
    key = (name, value["days"]) if window else name
    limit = value["count"] if window else value
    test = TESTS[op]

    def one(facts):
        cache = facts._cache
        actual = cache[key] if key in cache else facts.get(name, value)
        if not test(actual, limit):
            return None
        return {"field": name, "op": op, "value": value, "actual": _plain(actual)}

    return one


def check(condition: dict, facts: Facts) -> dict | None:
    """The condition with its actual value when it holds, else None."""
    return compile_condition(condition)(facts)


def _cost(condition: dict) -> int:
    if "any" in condition:
        return max(_cost(c) for c in condition["any"])
    return FIELDS[condition["field"]].cost


def run(tests: list, facts: Facts) -> list | None:
    """`tests`: (position in the rule, compiled condition), cheapest first. Why the conditions
    all hold, in the rule's order, or None."""
    why = []
    for position, test in tests:
        found = test(facts)
        if found is None:
            return None
        why.append((position, found))
    return [found for _, found in sorted(why, key=lambda pair: pair[0])]


def compile_conditions(conditions: list) -> list:
    """The conditions compiled, cheapest first, each with its position in the rule."""
    ordered = sorted(enumerate(conditions), key=lambda pair: _cost(pair[1]))
    return [(position, compile_condition(c)) for position, c in ordered]


def match(conditions: list, facts: Facts) -> list | None:
    """Why the conditions all hold (each with its actual value), or None."""
    return run(compile_conditions(conditions), facts)


# --- the rules, compiled once per change ------------------------------------------------------


@dataclass
class Compiled:
    rule: Rule
    conditions: list  # compiled (compile_condition), cheapest first
    actions: list
    on_message: bool
    on_timer: bool
    stop: bool
    time_thresholds: list = field(default_factory=list)  # (time field, minutes) for "gte"


_compiled: dict = {"version": None, "rules": [], "windows": []}


def active_rules(version=None) -> list[Compiled]:
    """Enabled rules in order. One aggregate query tells whether anything changed since they
    were last compiled (every worker process sees edits made in another)."""
    if version is None:
        with connection.cursor() as cursor:
            cursor.execute(_VERSION)
            version = ("raw", *cursor.fetchone()[2:])
    if _compiled["version"] != version:
        rules = []
        for rule in Rule.objects.filter(enabled=True).order_by("order", "id"):
            thresholds = []
            for c in _flatten(rule.conditions):
                if c["field"] in ("time.customer_waiting", "time.since_agent_reply") and (
                    c["op"] == "gte"
                ):
                    thresholds.append((c["field"], c["value"]))
            rules.append(
                Compiled(
                    rule=rule,
                    conditions=compile_conditions(rule.conditions),
                    actions=rule.actions,
                    on_message=rule.on_message,
                    on_timer=rule.on_timer,
                    stop=rule.stop_processing,
                    time_thresholds=thresholds,
                )
            )
        windows = {
            (c["field"], c["value"]["days"])
            for r in rules
            for c in _flatten(r.rule.conditions)
            if c["field"] in ("customer.recent_tickets", "customer.recent_messages")
        }
        _compiled.update(version=version, rules=rules, windows=sorted(windows))
    return _compiled["rules"]


def _flatten(conditions: list):
    for c in conditions:
        if "any" in c:
            yield from c["any"]
        else:
            yield c


# --- evaluation -------------------------------------------------------------------------------


# One round trip for what every evaluation reads: the rules' version (as active_rules reads
# it), the rules already fired on this ticket for this key, and the facts most rules look at
# (the ticket's tags, the customer's active flags, the last customer message and agent reply).
# On PostgreSQL each query is a network round trip (bench/rules_eval.py: 5 queries → 2).
# Standard SQL, the same text on SQLite and PostgreSQL; every value is a parameter.
_VERSION = 'SELECT 0, NULL, COUNT(*), MAX("updated_at"), MAX("id") FROM "rules_rule"'
_PRELOAD = (
    'SELECT 0, NULL, COUNT(*), MAX("updated_at"), MAX("id") FROM "rules_rule"'
    ' UNION ALL SELECT 1, NULL, "rule_id", NULL, NULL FROM "rules_rulefiring"'
    ' WHERE "ticket_id" = %s AND "key" = %s'
    ' UNION ALL SELECT 2, tag."name", NULL, NULL, NULL FROM "tickets_ticket_tags" tt'
    ' JOIN "tickets_tag" tag ON tag."id" = tt."tag_id" WHERE tt."ticket_id" = %s'
    ' UNION ALL SELECT 3, "kind", NULL, NULL, NULL FROM "customers_customerflag"'
    ' WHERE "customer_id" = %s AND "cleared_at" IS NULL'
    ' UNION ALL SELECT 4, "direction", NULL, MAX("created_at"), NULL FROM "tickets_message"'
    ' WHERE "ticket_id" = %s AND "auto" = \'\' GROUP BY "direction"'
)


def _datetime(value):
    """SQLite hands raw aggregates of datetimes back as text (UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


# Repeated-contact counts the compiled rules read, one branch per (field, days) window.
_WINDOW_SQL = {
    "customer.recent_tickets": ' UNION ALL SELECT 5, %s, COUNT(*), NULL, NULL FROM "tickets_ticket"'
    ' WHERE "customer_id" = %s AND "created_at" >= %s',
    "customer.recent_messages": " UNION ALL SELECT 6, %s, COUNT(*), NULL, NULL"
    ' FROM "tickets_message" WHERE "customer_id" = %s AND "direction" = %s AND "created_at" >= %s',
}


def _preload(facts: Facts, key: str) -> tuple[tuple, set[int]]:
    ticket = facts.ticket
    sql, params = [_PRELOAD], [ticket.pk, key, ticket.pk, ticket.customer_id, ticket.pk]
    # The windows of the rules compiled last time (if the rules changed meanwhile, a window
    # missing here is counted on demand by Facts).
    for name, days in _compiled["windows"]:
        since = connection.ops.adapt_datetimefield_value(facts.now - timedelta(days=days))
        sql.append(_WINDOW_SQL[name])
        params += [str(days), ticket.customer_id]
        params += [Direction.IN, since] if name == "customer.recent_messages" else [since]
    with connection.cursor() as cursor:
        cursor.execute("".join(sql), params)
        rows = cursor.fetchall()
    version = ("raw", *next(r[2:] for r in rows if r[0] == 0))
    fired = {r[2] for r in rows if r[0] == 1}
    times = {r[1]: _datetime(r[3]) for r in rows if r[0] == 4}
    cache = facts._cache
    cache.setdefault("ticket.tags", frozenset(r[1] for r in rows if r[0] == 2))
    cache.setdefault("customer.flags", frozenset(r[1] for r in rows if r[0] == 3))
    cache.setdefault("_times", (times.get(Direction.IN), times.get(Direction.OUT)))
    for r in rows:
        if r[0] in (5, 6):
            name = "customer.recent_tickets" if r[0] == 5 else "customer.recent_messages"
            cache.setdefault((name, int(r[1])), r[2])
    return version, fired


def evaluate(
    ticket: Ticket,
    *,
    trigger: str,
    message: Message | None = None,
    now=None,
    facts: Facts | None = None,
) -> list[RuleFiring]:
    """Run the rules of `trigger` in order on `ticket`; returns the new firings."""
    from .actions import do_fire  # actions import the engine's helpers

    if ticket.merged_into_id:
        return []
    facts = facts or Facts(ticket, message, now)
    key = f"m{message.pk}" if trigger == Trigger.MESSAGE else facts.state_key()
    version, done_before = _preload(facts, key)
    if trigger == Trigger.MESSAGE and done_before:
        # This message was evaluated before (a retried or duplicated task): its firings were
        # committed together, so that evaluation was complete. Evaluating again could fire a
        # rule that only matches because of the first run's own actions (an insult flags the
        # customer; "angry and flagged abusive" would then escalate on the re-run).
        return []
    rules = [
        c
        for c in active_rules(version)
        if (c.on_message if trigger == Trigger.MESSAGE else c.on_timer)
    ]
    if not rules:
        return []
    fired = []
    # One transaction for the firings of an evaluation (one commit, not one per firing),
    # opened at the first match: most messages fire nothing and then cost no BEGIN/COMMIT
    # round trips. Each rule in its own savepoint, so a failing rule is rolled back alone.
    with ExitStack() as stack:
        in_transaction = False
        for compiled in rules:
            if compiled.rule.pk in done_before:
                if compiled.stop:
                    break  # it stopped the rules after it when it fired; it still does
                continue
            why = run(compiled.conditions, facts)
            if why is None:
                continue
            if not in_transaction:
                stack.enter_context(transaction.atomic())
                in_transaction = True
            try:
                with transaction.atomic():
                    firing = RuleFiring.objects.create(
                        rule=compiled.rule,
                        ticket=ticket,
                        message=facts.message,
                        key=key,
                        trigger=trigger,
                        why=why,
                        at=facts.now,
                    )
                    do_fire(firing, compiled, facts)
            except IntegrityError:
                continue  # fired by a concurrent evaluation of the same ticket
            except Exception:  # noqa: BLE001 — a broken rule must not stop the ones after it
                log.exception("rules: rule %s failed on ticket %s", compiled.rule.pk, ticket.pk)
                facts.invalidate()
                continue
            fired.append(firing)
            facts.invalidate()
            if compiled.stop:
                break
    return fired
