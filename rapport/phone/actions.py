"""Phone calls (CH4, ES7, RS6) and the walk-in desk (CH5). See docs/phone.md.

    log_call_on_ticket(call)              a call on a ticket (CTI's ended event, the form)
    check_log_call(actor, ...)            the agent's call-log form (with or without CTI)
    check_log_visit(actor, ...)           the walk-in desk form

What the customer said on an incoming call (or the fact that they called and nobody answered)
reaches the ticket through the one intake path, like any inbound message (CH1, TR1); an
outgoing call is the agent's own work and is logged as an internal note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.customers.actions import do_add_identity, do_resolve_customer
from rapport.customers.models import Customer, Identity
from rapport.intake.actions import InboundMessage, do_receive
from rapport.lib.channels import Channel, IdentityKind
from rapport.lib.identities import normalise_identity
from rapport.promises.actions import check_add_promise
from rapport.promises.models import PromiseKind
from rapport.tickets.actions import default_team, do_add_note, do_create_ticket
from rapport.tickets.models import OPEN_STATUSES, Ticket

from .models import (
    Call,
    CallDirection,
    CallOutcome,
    Visit,
    VisitOutcome,
)

# --- who sees what ------------------------------------------------------------------------------


def visible_calls(user: User) -> QuerySet[Call]:
    """Calls of the user's teams (and the user's own); every call for supervisors."""
    qs = Call.objects.all()
    if user.sees_all_teams:
        return qs
    return qs.filter(Q(team_id__in=user.team_ids) | Q(agent=user))


def access_call(user: User, pk: int) -> Call:
    return get_object_or_404(
        visible_calls(user).select_related("customer", "ticket", "agent", "team"), pk=pk
    )


def visible_visits(user: User) -> QuerySet[Visit]:
    qs = Visit.objects.all()
    if user.sees_all_teams:
        return qs
    return qs.filter(Q(team_id__in=user.team_ids) | Q(agent=user))


def is_agent(user) -> bool:
    """Agents of a team and supervisors use the phone and the desk (TR1); nobody else."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.sees_all_teams or user.team_ids)
    )


def customers_for_lookup(user: User, query: str, *, limit: int = 10) -> list[Customer]:
    """Customers matching a name, e-mail or phone, for the call and desk forms.

    An agent sees customers with a ticket in their teams; the exact phone number or e-mail a
    caller gives finds their profile whoever served them before (they are on the line).
    """
    from rapport.customers.views import visible_customers  # the one visibility rule

    query = (query or "").strip()[:200]
    if len(query) < 2:
        return []
    visible = visible_customers(user)
    match = Q(name__icontains=query) | Q(
        Exists(Identity.objects.filter(customer=OuterRef("pk"), value__startswith=query.lower()))
    )
    digits = "".join(ch for ch in query if ch.isdigit() or ch == "+")
    if len(digits) >= 3:
        match |= Q(
            Exists(
                Identity.objects.filter(
                    customer=OuterRef("pk"), kind=IdentityKind.PHONE, value__contains=digits
                )
            )
        )
    found = list(visible.filter(match).order_by("name", "id")[:limit])
    exact = exact_identity_customer(query)
    if exact is not None and exact.pk not in {c.pk for c in found}:
        found.insert(0, exact)
    return found


def exact_identity_customer(value: str) -> Customer | None:
    """The customer whose phone number or e-mail is exactly `value` (normalised), if any."""
    for kind in (IdentityKind.PHONE, IdentityKind.EMAIL):
        try:
            normal = normalise_identity(kind, value)
        except ValidationError:
            continue
        identity = (
            Identity.objects.select_related("customer").filter(kind=kind, value=normal).first()
        )
        if identity is not None:
            return _live_customer(identity.customer)
    return None


def _live_customer(customer: Customer | None) -> Customer | None:
    """Follow profile merges to the profile in use."""
    seen = 0
    while customer is not None and customer.merged_into_id and seen < 20:
        customer = customer.merged_into
        seen += 1
    return customer


def customer_by_phone(number: str) -> Customer | None:
    try:
        value = normalise_identity(IdentityKind.PHONE, number)
    except ValidationError:
        return None
    identity = (
        Identity.objects.select_related("customer")
        .filter(kind=IdentityKind.PHONE, value=value)
        .first()
    )
    return _live_customer(identity.customer) if identity else None


# --- logging a call on a ticket -------------------------------------------------------------


def _minutes(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}


def call_summary(call: Call) -> str:
    """The call as one readable text for the ticket's timeline (CH4)."""
    number = call.customer_number or _("an unknown number")
    lines = []
    if call.direction == CallDirection.INBOUND:
        if call.outcome == CallOutcome.NO_ANSWER and not call.answered_at:
            lines.append(_("Missed call from %(number)s.") % {"number": number})
        elif call.agent:
            lines.append(
                _("Incoming call from %(number)s, answered by %(agent)s.")
                % {"number": number, "agent": call.agent.display_name}
            )
        else:
            lines.append(_("Incoming call from %(number)s.") % {"number": number})
    else:
        lines.append(
            _("Outgoing call to %(number)s by %(agent)s.")
            % {"number": number, "agent": call.agent.display_name if call.agent else "—"}
        )
    if call.duration:
        lines.append(_("Duration: %(duration)s.") % {"duration": _minutes(call.duration)})
    if call.outcome:
        lines.append(_("Outcome: %(outcome)s.") % {"outcome": call.get_outcome_display()})
    if call.recording_url:
        lines.append(_("Recording: %(url)s") % {"url": call.recording_url})
    if call.notes:
        lines.append("")
        lines.append(call.notes)
    return "\n".join(lines)


def _sender(call: Call) -> tuple[str, str] | None:
    """(identity kind, value) intake finds the caller by: the number they called from, else
    any address the chosen customer has."""
    try:
        return IdentityKind.PHONE, normalise_identity(IdentityKind.PHONE, call.customer_number)
    except ValidationError:
        pass
    if call.customer is None:
        return None
    identities = list(call.customer.identities.all())
    identities.sort(key=lambda i: (i.kind != IdentityKind.PHONE, i.kind != IdentityKind.EMAIL))
    return (identities[0].kind, identities[0].value) if identities else None


def log_call_on_ticket(call: Call, *, actor: User | None, ticket: Ticket | None = None) -> dict:
    """Put the call on a ticket: the given one, else the customer's open phone ticket, else a
    new one. Incoming calls go through intake; outgoing calls are the agent's note."""
    if call.direction == CallDirection.INBOUND:
        sender = _sender(call)
        if sender is None:
            return {"logged": False, "reason": "The caller's number is withheld or invalid."}
        kind, value = sender
        receipt = do_receive(
            InboundMessage(
                channel=Channel.PHONE,
                sender=value,
                sender_kind=kind,
                sender_name=call.customer.name if call.customer else "",
                external_id=_external_id(call),
                subject=_("Phone call"),
                body_text=call_summary(call),
                ticket_id=ticket.pk if ticket else None,
                team_id=(ticket.team_id if ticket else None) or call.team_id,
                received_at=call.ended_at or call.answered_at or call.started_at,
            )
        )
        message = receipt.message
        if message is None:
            return {"logged": False, "reason": receipt.raw.error}
        call.ticket_id = message.ticket_id
        call.customer_id = call.customer_id or message.customer_id
        call.save(update_fields=["ticket", "customer"])
        return {"logged": True, "ticket": message.ticket_id}
    if call.customer is None or call.agent is None:
        return {"logged": False, "reason": "An outgoing call needs a known customer and agent."}
    ticket = ticket or _ticket_for_outgoing(call, actor)
    do_add_note(ticket, author=call.agent, body=call_summary(call))
    call.ticket = ticket
    call.save(update_fields=["ticket"])
    return {"logged": True, "ticket": ticket.pk}


def _external_id(call: Call) -> str:
    # Namespaced by integration: two phone systems may number their calls alike.
    if call.integration_id and call.call_id:
        return f"call:{call.integration_id}:{call.call_id}"
    return f"call:manual:{call.pk}"


def _ticket_for_outgoing(call: Call, actor: User | None) -> Ticket:
    open_tickets = Ticket.objects.filter(
        customer=call.customer, status__in=OPEN_STATUSES, merged_into=None
    ).order_by("-updated_at")
    ticket = (
        open_tickets.filter(channel=Channel.PHONE, team=call.team).first()
        or open_tickets.filter(team=call.team).first()
    )
    if ticket is not None:
        return ticket
    return do_create_ticket(
        customer=call.customer,
        subject=_("Call with %(name)s") % {"name": call.customer.display_name},
        channel=Channel.PHONE,
        actor=actor,
        team=call.team,
        at=call.started_at,
    )


# --- the call-log form ------------------------------------------------------------------------


def agent_teams(user: User) -> QuerySet[Team]:
    return Team.objects.all() if user.sees_all_teams else Team.objects.filter(members=user)


def _team_for(actor: User, team: Team | None) -> Team | None:
    if team is not None:
        if not actor.sees_all_teams and team.pk not in actor.team_ids:
            raise PermissionDenied
        return team
    return agent_teams(actor).order_by("name").first() or default_team()


def resolve_customer(
    actor: User,
    *,
    customer: Customer | None,
    lookup: str = "",
    name: str = "",
    phone: str = "",
    email: str = "",
) -> Customer | None:
    """The customer chosen by lookup, or a profile found/created from the number or e-mail.

    A chosen customer must be one the agent may see, or the one the typed lookup text names
    exactly (the caller gave their number or address). A number given for a chosen customer
    becomes their identity (refused if it is someone else's).
    """
    from rapport.customers.views import visible_customers

    if customer is not None:
        customer = _live_customer(customer)
        allowed = visible_customers(actor).filter(pk=customer.pk).exists()
        if not allowed:
            exact = exact_identity_customer(lookup) if lookup else None
            allowed = exact is not None and exact.pk == customer.pk
        if not allowed:
            raise PermissionDenied
        if phone:
            do_add_identity(customer, IdentityKind.PHONE, phone, actor=actor)
        if email:
            do_add_identity(customer, IdentityKind.EMAIL, email, actor=actor)
        return customer
    if not (phone or email):
        return None
    kind, value = (IdentityKind.PHONE, phone) if phone else (IdentityKind.EMAIL, email)
    customer, created = do_resolve_customer(kind, value, name=name, preferred_channel="")
    customer = _live_customer(customer)
    if phone and email:
        do_add_identity(customer, IdentityKind.EMAIL, email, actor=actor)
    return customer


@dataclass
class CallLog:
    direction: str
    outcome: str
    notes: str = ""
    number: str = ""
    greeted: bool | None = None
    asked_before_hold: bool | None = None
    thanked: bool | None = None
    duration: int | None = None
    callback_due: datetime | None = None
    callback_text: str = ""


def check_log_call(
    actor: User,
    log: CallLog,
    *,
    customer: Customer | None,
    call: Call | None = None,
    ticket: Ticket | None = None,
    team: Team | None = None,
) -> Call:
    """Record a call the agent made or took (or complete one CTI recorded), its etiquette
    checklist (CH4, ES7), and a callback promise (RS6). One transaction: all or nothing."""
    if not is_agent(actor):
        raise PermissionDenied
    if ticket is not None and not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        raise PermissionDenied
    if call is not None and not visible_calls(actor).filter(pk=call.pk).exists():
        raise PermissionDenied
    if log.direction not in CallDirection.values or log.outcome not in CallOutcome.values:
        raise ValidationError(_("Choose the direction and the outcome."), code="choice")
    if customer is None:
        customer = (call.customer if call else None) or (ticket.customer if ticket else None)
    if customer is None:
        raise ValidationError(
            _("Choose the customer, or give a new customer's phone number or e-mail."),
            code="customer",
        )
    if log.callback_due is not None and log.callback_due < timezone.now() - timedelta(minutes=5):
        raise ValidationError(_("The callback time is in the past."), code="past")
    now = timezone.now()
    with transaction.atomic():
        fresh = call is None
        if fresh:
            call = Call(
                direction=log.direction,
                started_at=now - timedelta(seconds=log.duration or 0),
                ended_at=now,
                duration=log.duration,
                team=ticket.team if ticket and ticket.team_id else _team_for(actor, team),
            )
            number = log.number
            if number and log.direction == CallDirection.INBOUND:
                call.from_number = number
            elif number:
                call.to_number = number
        else:
            call = Call.objects.select_for_update().get(pk=call.pk)
            if log.duration and not call.duration:
                call.duration = log.duration
        call.customer = customer
        call.agent = call.agent or actor
        call.outcome = log.outcome
        call.notes = (log.notes or "").strip()[:5000]
        call.greeted, call.asked_before_hold, call.thanked = (
            log.greeted,
            log.asked_before_hold,
            log.thanked,
        )
        call.checklist_at = now
        call.logged_by = actor
        call.save()
        if call.ticket_id is None:
            outcome = log_call_on_ticket(call, actor=actor, ticket=ticket)
            if not outcome["logged"]:
                raise ValidationError(outcome["reason"], code="not_logged")
            call.refresh_from_db()
        else:
            # CTI already put the call on the ticket (through intake); the agent's account
            # of it is a note beside it.
            do_add_note(call.ticket, author=actor, body=_checklist_note(call))
        if log.callback_due is not None:
            text = log.callback_text.strip() or _("Call %(name)s back") % {
                "name": customer.display_name
            }
            promise = check_add_promise(
                call.ticket,
                actor=actor,
                text=text,
                kind=PromiseKind.CALLBACK,
                due_at=log.callback_due,
            )
            call.callback = promise
            call.save(update_fields=["callback"])
    return call


def _checklist_note(call: Call) -> str:
    lines = [call_summary(call)]
    marks = {True: _("yes"), False: _("no"), None: "—"}
    lines.append("")
    lines.append(_("Greeted and introduced self: %(v)s") % {"v": marks[call.greeted]})
    lines.append(
        _("Asked permission before hold or transfer: %(v)s") % {"v": marks[call.asked_before_hold]}
    )
    lines.append(_("Thanked the caller: %(v)s") % {"v": marks[call.thanked]})
    return "\n".join(lines)


def checklist_figures(calls: QuerySet[Call]) -> dict:
    """For reports: of the calls with a checklist, how often each item was done (CH4, ES7)."""

    figures = calls.exclude(checklist_at=None).aggregate(
        n_calls=Count("id"),
        n_greeted=Count("id", filter=Q(greeted=True)),
        n_greeted_of=Count("id", filter=~Q(greeted=None)),
        n_asked=Count("id", filter=Q(asked_before_hold=True)),
        n_asked_of=Count("id", filter=~Q(asked_before_hold=None)),
        n_thanked=Count("id", filter=Q(thanked=True)),
        n_thanked_of=Count("id", filter=~Q(thanked=None)),
    )
    return {key.removeprefix("n_"): value for key, value in figures.items()}


# --- the walk-in desk ------------------------------------------------------------------------


def check_log_visit(
    actor: User,
    *,
    topic: str,
    outcome: str,
    notes: str = "",
    customer: Customer | None = None,
    visitor_name: str = "",
    team: Team | None = None,
) -> Visit:
    """Log a walk-in visit (CH5). One that needs follow-up becomes a ticket on the desk
    channel, through intake, in the agent's team; it needs someone to follow up with."""
    if not is_agent(actor):
        raise PermissionDenied
    topic = (topic or "").strip()
    if not topic:
        raise ValidationError(_("Say what the visit was about."), code="topic")
    if outcome not in VisitOutcome.values:
        raise ValidationError(_("Choose the outcome."), code="outcome")
    team = _team_for(actor, team)
    follow_up = outcome == VisitOutcome.FOLLOW_UP
    sender = None
    if follow_up:
        if customer is None:
            raise ValidationError(
                _(
                    "A visit that needs follow-up needs a customer to follow up with: look them "
                    "up, or give their phone number or e-mail."
                ),
                code="customer",
            )
        identities = sorted(
            customer.identities.all(),
            key=lambda i: (i.kind != IdentityKind.PHONE, i.kind != IdentityKind.EMAIL),
        )
        if not identities:
            raise ValidationError(
                _("This customer has no phone number or e-mail: add one to follow up."),
                code="customer",
            )
        sender = identities[0]
    visit = Visit.objects.create(
        agent=actor,
        team=team,
        customer=customer,
        visitor_name=(visitor_name or (customer.name if customer else "")).strip()[:200],
        topic=topic[:200],
        outcome=outcome,
        notes=(notes or "").strip()[:5000],
    )
    if follow_up:
        body = "\n\n".join(
            part
            for part in (
                _("Walk-in visit, logged by %(agent)s: %(topic)s")
                % {"agent": actor.display_name, "topic": visit.topic},
                visit.notes,
            )
            if part
        )
        receipt = do_receive(
            InboundMessage(
                channel=Channel.DESK,
                sender=sender.value,
                sender_kind=sender.kind,
                external_id=f"visit:{visit.pk}",
                subject=visit.topic,
                body_text=body,
                team_id=team.pk if team else None,
            )
        )
        if receipt.message is not None:
            visit.ticket_id = receipt.message.ticket_id
            visit.save(update_fields=["ticket"])
    return visit


def todays_visits(user: User, *, now=None) -> QuerySet[Visit]:
    """The visits of today (in the agent's time zone) the user may see."""
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        visible_visits(user)
        .filter(created_at__gte=start)
        .select_related("agent", "customer", "ticket")
    )
