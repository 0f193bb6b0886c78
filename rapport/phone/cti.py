"""The CTI webhook's work (CH4): validate an event, pop the caller's card on ringing, record
the call and log it on a ticket when it ends. See docs/phone.md.

    parse_cti_event(data) -> CtiEventData   or CtiRejected(reason, status)
    do_cti_event(integration, event)        exactly once per (call id, event)
"""

from __future__ import annotations

import contextlib
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from rapport.accounts.models import Team, User
from rapport.customers.models import CustomerFlag
from rapport.lib.channels import IdentityKind
from rapport.lib.identities import normalise_identity
from rapport.promises.models import Promise, PromiseState
from rapport.realtime.publish import push, user_group
from rapport.tickets.models import OPEN_STATUSES, Ticket

from .actions import customer_by_phone, log_call_on_ticket
from .models import Call, CallDirection, CallOutcome, CtiEvent, CtiIntegration, Extension

CTI_EVENTS = ("ringing", "answered", "ended")
CARD_TICKETS = 5
CARD_PROMISES = 5


# --- the CTI webhook ------------------------------------------------------------------------


class CtiRejected(Exception):  # noqa: N818 — a refusal with its HTTP status
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class CtiEventData:
    event: str
    call_id: str
    from_number: str
    to_number: str
    agent: str
    direction: str
    recording_url: str
    at: datetime
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration: int | None
    raw: dict


def _when(value, name: str) -> datetime | None:
    """An ISO 8601 time with its offset, or Unix seconds; None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise CtiRejected(f"'{name}' must be an ISO 8601 time or Unix seconds.")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise CtiRejected(f"'{name}' is out of range.") from None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise CtiRejected(f"'{name}' must be an ISO 8601 time or Unix seconds.")
        if timezone.is_naive(parsed):
            raise CtiRejected(f"'{name}' must carry a UTC offset (e.g. 2026-01-31T09:00:00Z).")
        return parsed
    raise CtiRejected(f"'{name}' must be an ISO 8601 time or Unix seconds.")


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise CtiRejected(f"'{name}' must be a string.")
    value = value.strip()
    if len(value) > limit:
        raise CtiRejected(f"'{name}' is longer than {limit} characters.")
    return value


def parse_cti_event(data) -> CtiEventData:
    """Validate a webhook body; CtiRejected names what is wrong."""
    if not isinstance(data, dict):
        raise CtiRejected("The body must be a JSON object.")
    event = _text(data, "event", 32).lower()
    if event not in CTI_EVENTS:
        raise CtiRejected(
            f"Unknown event {event!r}: expected one of {', '.join(CTI_EVENTS)}."
            if event
            else "'event' is required."
        )
    call_id = _text(data, "call_id", 128)
    if not call_id:
        raise CtiRejected("'call_id' is required.")
    direction = _text(data, "direction", 16).lower() or CallDirection.INBOUND
    aliases = {"in": "inbound", "incoming": "inbound", "out": "outbound", "outgoing": "outbound"}
    direction = aliases.get(direction, direction)
    if direction not in CallDirection.values:
        raise CtiRejected("'direction' must be 'inbound' or 'outbound'.")
    recording_url = _text(data, "recording_url", 1000)
    if recording_url and not recording_url.startswith(("https://", "http://")):
        raise CtiRejected("'recording_url' must be an http(s) URL.")
    duration = data.get("duration")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0:
            raise CtiRejected("'duration' must be a number of seconds.")
        duration = min(int(duration), 7 * 24 * 3600)
    return CtiEventData(
        event=event,
        call_id=call_id,
        from_number=_text(data, "from", 64),
        to_number=_text(data, "to", 64),
        agent=_text(data, "agent", 32) or _text(data, "extension", 32),
        direction=direction,
        recording_url=recording_url,
        at=_when(data.get("timestamp"), "timestamp") or timezone.now(),
        started_at=_when(data.get("started_at"), "started_at"),
        answered_at=_when(data.get("answered_at"), "answered_at"),
        ended_at=_when(data.get("ended_at"), "ended_at"),
        duration=duration,
        raw=data,
    )


def count_rejection(integration: CtiIntegration, reason: str) -> None:
    CtiIntegration.objects.filter(pk=integration.pk).update(
        events_rejected=F("events_rejected") + 1, last_rejection=reason[:300]
    )


def _extension_agents(integration: CtiIntegration, ev: CtiEventData) -> list[User]:
    keys = {k for k in (ev.agent, ev.to_number) if k}
    if ev.to_number:
        # The extension map may hold the number as typed or normalised.
        with contextlib.suppress(ValidationError):
            keys.add(normalise_identity(IdentityKind.PHONE, ev.to_number))
    if not keys:
        return []
    rows = Extension.objects.filter(
        integration=integration, extension__in=keys, agent__is_active=True
    ).select_related("agent")
    # The named agent extension wins over the dialled number.
    rows = sorted(rows, key=lambda e: e.extension != ev.agent)
    return [rows[0].agent] if rows else []


def ring_targets(integration: CtiIntegration, ev: CtiEventData) -> list[User]:
    """Who sees the card: the extension's agent, else every agent of the integration's team."""
    agents = _extension_agents(integration, ev)
    if agents:
        return agents
    return list(integration.team.members.filter(is_active=True).order_by("id"))


def customer_number(direction: str, from_number: str, to_number: str) -> str:
    return from_number if direction == CallDirection.INBOUND else to_number


CARD_SCAN = 50  # open tickets / promises read once per ring, then filtered per agent


@dataclass
class CardData:
    """What every card of one ring shares, read once whatever the number of agents."""

    call: Call
    flags: list
    open_tickets: list[Ticket]
    promises: list
    ticket_team_ids: set  # teams of every ticket of the customer (who may open the profile)


def card_data(call: Call) -> CardData:
    customer = call.customer
    if customer is None:
        return CardData(call, [], [], [], set())
    return CardData(
        call=call,
        flags=list(CustomerFlag.objects.filter(customer=customer, cleared_at=None)),
        open_tickets=list(
            Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES, merged_into=None)
            .only("id", "subject", "status", "team_id", "updated_at")
            .order_by("-updated_at")[:CARD_SCAN]
        ),
        promises=list(
            Promise.objects.filter(customer=customer, state=PromiseState.OPEN)
            .select_related("ticket")
            .only("id", "text", "due_at", "state", "ticket__team_id")
            .order_by("due_at")[:CARD_SCAN]
        ),
        ticket_team_ids=set(
            Ticket.objects.filter(customer=customer).values_list("team_id", flat=True).distinct()
        ),
    )


def agents_team_ids(agents: list[User]) -> dict[int, set[int]]:
    """Each agent's teams, in one query (instead of one per agent)."""
    teams: dict[int, set[int]] = {agent.pk: set() for agent in agents}
    rows = Team.members.through.objects.filter(user_id__in=list(teams)).values_list(
        "user_id", "team_id"
    )
    for user_id, team_id in rows:
        teams[user_id].add(team_id)
    return teams


def card_context(agent: User, data: CardData, team_ids: set[int]) -> dict:
    """What the agent needs before saying hello (CH4, TR4): who calls, their flags, the open
    tickets the agent may open (and how many others) and the promises made to them."""
    call = data.call
    context = {"call": call, "customer": call.customer, "number": call.customer_number}
    if call.customer is None:
        return context
    sees_all = agent.sees_all_teams

    def mine(team_id) -> bool:
        return sees_all or team_id in team_ids

    tickets = [t for t in data.open_tickets if mine(t.team_id)]
    context.update(
        flags=data.flags,
        tickets=tickets[:CARD_TICKETS],
        other_tickets=len(data.open_tickets) - len(tickets),
        promises=[p for p in data.promises if mine(p.ticket.team_id)][:CARD_PROMISES],
        customer_visible=sees_all or bool(data.ticket_team_ids & team_ids),
    )
    return context


def render_card(agent: User, data: CardData, team_ids: set[int]) -> str:
    """The card, in the agent's language and time zone (it is pushed, not requested)."""
    try:
        zone = zoneinfo.ZoneInfo(agent.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(agent.language or "en"), timezone.override(zone):
        return render_to_string("phone/_card.html", card_context(agent, data, team_ids))


def _call_for(integration: CtiIntegration, ev: CtiEventData) -> Call:
    call = (
        Call.objects.select_for_update(of=("self",))
        .filter(integration=integration, call_id=ev.call_id)
        .select_related("customer", "agent", "ticket")
        .first()
    )
    if call is not None:
        return call
    number = customer_number(ev.direction, ev.from_number, ev.to_number)
    try:
        with transaction.atomic():
            return Call.objects.create(
                integration=integration,
                call_id=ev.call_id,
                direction=ev.direction,
                from_number=ev.from_number,
                to_number=ev.to_number,
                team=integration.team,
                customer=customer_by_phone(number),
                started_at=ev.started_at or ev.at,
            )
    except IntegrityError:  # the same call's other event won the race: use its row
        return Call.objects.select_for_update().get(integration=integration, call_id=ev.call_id)


def do_cti_event(integration: CtiIntegration, ev: CtiEventData) -> dict:
    """Apply one CTI event exactly once per (call, event). Returns what the webhook answers."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CtiEvent.objects.create(
                    integration=integration, call_id=ev.call_id, event=ev.event, payload=ev.raw
                )
        except IntegrityError:
            call = Call.objects.filter(integration=integration, call_id=ev.call_id).first()
            return {"duplicate": True, "call": call.pk if call else None}
        call = _call_for(integration, ev)
        result = {"duplicate": False, "call": call.pk}
        agents = _extension_agents(integration, ev)
        if agents and call.agent_id is None and ev.event != "ringing":
            call.agent = agents[0]
        if ev.recording_url:
            call.recording_url = ev.recording_url
        if ev.event == "ringing":
            targets = ring_targets(integration, ev)
            data = card_data(call)
            teams = agents_team_ids(targets)
            for agent in targets:
                push(
                    user_group(agent.pk),
                    "cti.ringing",
                    call=call.pk,
                    number=call.customer_number,
                    customer=call.customer_id,
                    html=render_card(agent, data, teams[agent.pk]),
                )
            result["pushed"] = len(targets)
        elif ev.event == "answered":
            call.answered_at = ev.answered_at or ev.at
            _tell_targets(integration, ev, call, "cti.answered")
        else:
            call.ended_at = ev.ended_at or ev.at
            if ev.answered_at and not call.answered_at:
                call.answered_at = ev.answered_at
            if ev.duration is not None:
                call.duration = ev.duration
            elif call.answered_at:
                call.duration = max(0, int((call.ended_at - call.answered_at).total_seconds()))
            else:
                call.duration = 0
            if not call.answered_at and not call.outcome:
                call.outcome = CallOutcome.NO_ANSWER
        call.save()
        if ev.event == "ended":
            _tell_targets(integration, ev, call, "cti.ended")
            if call.ticket_id is None:
                result.update(log_call_on_ticket(call, actor=None))
            result["ticket"] = call.ticket_id
        CtiIntegration.objects.filter(pk=integration.pk).update(
            events_accepted=F("events_accepted") + 1, last_event_at=timezone.now()
        )
    return result


def _tell_targets(integration: CtiIntegration, ev: CtiEventData, call: Call, event: str) -> None:
    """The card on every ringing screen learns the call was answered (by whom) or ended."""
    agent_name = call.agent.display_name if call.agent else ""
    for agent in ring_targets(integration, ev):
        push(user_group(agent.pk), event, call=call.pk, agent=agent_name)
