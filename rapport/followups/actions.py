"""Follow-ups, greetings and thank-you notes (FB3, RS5): planning, consent, quiet hours and
sending exactly once. See docs/followups.md.

House style: `access_x` fetches with a permission check, `check_x` validates, `do_x` changes.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.customers.models import Anniversary, Customer
from rapport.lib.channels import Channel
from rapport.lib.text import clean_text, truncate
from rapport.tickets.models import OPEN_STATUSES, EventKind, Ticket

from .models import (
    OPT_IN_PURPOSES,
    Consent,
    CustomerTimeZone,
    FollowUp,
    FollowUpRule,
    Kind,
    MessageTemplate,
    Outreach,
    Purchase,
    Purpose,
    ScanCursor,
    State,
    Trigger,
    check_placeholders,
)

WINDOW = timedelta(days=30)  # greetings are planned this far ahead (the calendar's horizon)
STALE = timedelta(days=1)  # a check-in due longer ago than this is not planned any more
SENDABLE = (Channel.EMAIL, Channel.TELEGRAM)
OPTOUT_SALT = "rapport.followups.optout"
SOLVED = "solved"
RETRY_AFTER = timedelta(minutes=10)  # a follow-up whose sending raised is tried again then

log = logging.getLogger(__name__)


# --- who sees what ------------------------------------------------------------------------------


def visible_followups(user: User) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.all()
    if user.sees_all_teams:
        return qs
    return qs.filter(team_id__in=user.team_ids)


def access_followup(user: User, pk: int) -> FollowUp:
    return get_object_or_404(
        visible_followups(user).select_related("customer", "team", "ticket"), pk=pk
    )


# --- consent ------------------------------------------------------------------------------------


def consent_state(customer_id: int, purpose: str) -> Consent | None:
    """The newest statement for `purpose`, also from profiles merged into this one (the
    person is the same: an opt-out given under their other address still holds)."""
    merged = Customer.objects.filter(merged_into_id=customer_id).values("pk")
    return (
        Consent.objects.filter(
            Q(customer_id=customer_id) | Q(customer_id__in=merged), purpose=purpose
        )
        .order_by("-created_at", "-id")
        .first()
    )


def may_contact(customer_id: int, purpose: str) -> tuple[bool, str]:
    """(allowed, why not). Opt-in purposes need a granted consent; the others go out unless
    the customer withdrew it."""
    last = consent_state(customer_id, purpose)
    if last is not None and not last.granted:
        return False, _("The customer opted out on %(date)s (%(source)s).") % {
            "date": f"{last.created_at:%Y-%m-%d}",
            "source": last.get_source_display(),
        }
    if last is None and purpose in OPT_IN_PURPOSES:
        return False, _("The customer has not agreed to receive these messages.")
    return True, ""


def do_record_consent(
    customer: Customer,
    purpose: str,
    *,
    granted: bool,
    source: str,
    actor: User | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Consent:
    consent = Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        source=source,
        actor=actor,
        note=truncate(clean_text(note).strip(), 300),
        created_at=at or timezone.now(),
    )
    if not granted:
        # Whatever was planned for this purpose will not go out; the calendar says why.
        FollowUp.objects.filter(
            customer=customer, purpose=purpose, state=State.SCHEDULED, kind=Kind.MESSAGE
        ).update(state=State.SKIPPED, reason=_("The customer opted out."), done_at=timezone.now())
    return consent


def do_set_time_zone(customer: Customer, time_zone: str) -> None:
    """The customer's own clock for quiet hours and greetings; empty: the team's."""
    if time_zone:
        CustomerTimeZone.objects.update_or_create(
            customer=customer, defaults={"time_zone": time_zone}
        )
    else:
        CustomerTimeZone.objects.filter(customer=customer).delete()


def optout_token(customer_id: int, purpose: str) -> str:
    """Signed (the secret key), never expiring: an opt-out link must work years later."""
    return signing.dumps({"c": customer_id, "p": purpose}, salt=OPTOUT_SALT, compress=True)


def read_optout_token(token: str) -> tuple[Customer, str]:
    """The customer and purpose a link was made for; ValidationError if it was tampered with."""
    try:
        data = signing.loads(token, salt=OPTOUT_SALT)
        customer = Customer.objects.get(pk=int(data["c"]))
        purpose = Purpose(data["p"])
    except (signing.BadSignature, KeyError, ValueError, TypeError, Customer.DoesNotExist):
        raise ValidationError(_("This link is not valid."), code="bad_link") from None
    while customer.merged_into_id:  # the profile was merged since: the person is the same
        customer = customer.merged_into
    return customer, purpose


def optout_url(customer_id: int, purpose: str) -> str:
    path = reverse("followups-optout", args=[optout_token(customer_id, purpose)])
    return settings.SITE_URL.rstrip("/") + path


# --- time zones and quiet hours ------------------------------------------------------------------


def outreach_for(team_id: int | None) -> Outreach:
    row = Outreach.objects.filter(team_id=team_id).first() if team_id else None
    return row or Outreach(team_id=team_id)  # the defaults: quiet 21:00-09:00, greet at 10:00


def zone_for(customer_id: int, outreach: Outreach) -> zoneinfo.ZoneInfo:
    """The customer's time zone when known, else the team's (its setting, else its SLA
    calendar's, else UTC)."""
    tz = (
        CustomerTimeZone.objects.filter(customer_id=customer_id)
        .values_list("time_zone", flat=True)
        .first()
        or outreach.time_zone
    )
    if not tz:
        from rapport.sla.models import BusinessCalendar

        row = BusinessCalendar.objects.filter(team_id=outreach.team_id).first() or (
            BusinessCalendar.objects.filter(is_default=True).first()
        )
        tz = row.time_zone if row else "UTC"
    return zoneinfo.ZoneInfo(tz)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False  # no quiet hours
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight: 21:00-09:00


def out_of_quiet_hours(at: datetime, outreach: Outreach, tz: zoneinfo.ZoneInfo) -> datetime:
    """`at`, or the end of the quiet hours it falls in, in the recipient's time zone."""
    local = at.astimezone(tz)
    if not in_quiet_hours(
        local.timetz().replace(tzinfo=None), outreach.quiet_start, outreach.quiet_end
    ):
        return at
    day = local.date()
    if outreach.quiet_start > outreach.quiet_end and local.time() >= outreach.quiet_start:
        day += timedelta(days=1)  # 23:00 → tomorrow's 09:00
    end = datetime.combine(day, outreach.quiet_end, tzinfo=tz)
    return end.astimezone(zoneinfo.ZoneInfo("UTC"))


# --- rendering ----------------------------------------------------------------------------------


def language_of(customer: Customer) -> str:
    lang = (customer.language or "").lower().replace("_", "-")
    if lang.startswith("zh"):
        return "zh-hans"
    if lang.startswith("ru"):
        return "ru"
    return "en"


def substitute(text: str, values: dict[str, str]) -> str:
    """`{name}` → the value; unknown names stay as written. Nothing else is interpreted: a
    template cannot reach any attribute or run anything."""
    from .models import PLACEHOLDER_RE

    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def details(customer: Customer, **extra) -> dict[str, str]:
    name = customer.name.strip()
    first = name.split()[0] if name else ""
    if language_of(customer) == "zh-hans" and name:
        first = name  # Chinese names are not addressed by a "first name"
    values = {"name": name or _("customer"), "first_name": first or name or _("customer")}
    values.update({k: str(v) for k, v in extra.items() if v is not None})
    return values


def render_template(template: MessageTemplate, lang: str, values: dict[str, str]):
    suffix = {"en": "en", "ru": "ru", "zh-hans": "zh_hans"}[lang]
    body = getattr(template, f"body_{suffix}") or template.body_en
    subject = getattr(template, f"subject_{suffix}") or template.subject_en
    return substitute(subject, values).strip(), substitute(body, values).strip()


# --- planning -----------------------------------------------------------------------------------


def _create_once(key: str, **fields) -> FollowUp | None:
    """Insert the follow-up unless one with this key exists (a second planner run, a re-import,
    two schedulers): the unique key decides."""
    if FollowUp.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return FollowUp.objects.create(key=key, **fields)
    except IntegrityError:
        return None


def _agent_name(agent: User | None, team: Team) -> str:
    return agent.display_name if agent else team.name


def _from_rule(rule: FollowUpRule, customer: Customer, due: datetime, *, key: str, **source):
    outreach = outreach_for(rule.team_id)
    due = out_of_quiet_hours(due, outreach, zone_for(customer.pk, outreach))
    ticket, purchase = source.get("ticket"), source.get("purchase")
    agent = rule.agent or (ticket.assignee if ticket else None)
    values = details(
        customer,
        agent=_agent_name(agent, rule.team),
        team=rule.team.name,
        product=purchase.product if purchase else None,
        ticket=f"#{ticket.pk}" if ticket else None,
        subject=ticket.subject if ticket else None,
    )
    if rule.kind == Kind.MESSAGE:
        purpose = rule.template.purpose
        subject, text = render_template(rule.template, language_of(customer), values)
    else:
        purpose = Purpose.CHECK_IN
        subject, text = "", substitute(rule.task_text, values)
    return _create_once(
        key,
        team=rule.team,
        customer=customer,
        kind=rule.kind,
        purpose=purpose,
        rule=rule,
        agent=agent,
        subject=truncate(subject, 200),
        text=text,
        due_at=due,
        **source,
    )


def do_plan_after_solved(now: datetime | None = None, batch: int = 2000) -> int:
    """Read the ticket event log from where the last run stopped; each "solved" of a ticket
    whose team has check-in rules plans one follow-up per rule (once per ticket and rule)."""
    from rapport.tickets.models import Event

    now = now or timezone.now()
    created = 0
    rules_by_team: dict[int, list[FollowUpRule]] = {}
    for rule in FollowUpRule.objects.filter(
        is_active=True, trigger=Trigger.TICKET_SOLVED
    ).select_related("team", "template", "agent"):
        rules_by_team.setdefault(rule.team_id, []).append(rule)
    cursor, _new = ScanCursor.objects.get_or_create(name="ticket-solved")
    while True:
        rows = list(
            Event.objects.filter(pk__gt=cursor.position, kind=EventKind.STATUS)
            .order_by("pk")
            .values_list("pk", "ticket_id", "after", "created_at")[:batch]
        )
        if not rows:
            break
        # Closed without being solved first counts too; the key keeps it to one per ticket.
        solved = [r for r in rows if r[2] in (SOLVED, "closed")]
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(
                pk__in={r[1] for r in solved}, team_id__in=list(rules_by_team)
            ).select_related("customer", "assignee", "team")
        }
        for _pk, ticket_id, _after, at in solved:
            ticket = tickets.get(ticket_id)
            if ticket is None or ticket.customer.merged_into_id:
                continue
            for rule in rules_by_team.get(ticket.team_id, []):
                due = at + timedelta(days=rule.delay_days)
                if due < now - STALE:
                    continue  # an old solve read for the first time: too late to check in
                key = f"ticket:{ticket.pk}:rule:{rule.pk}"
                if _from_rule(rule, ticket.customer, due, key=key, ticket=ticket):
                    created += 1
        # The cursor moves in the same transaction as the follow-ups it planned (the task
        # runs in one): a crash replays the batch, and the keys drop what was planned before.
        cursor.position = rows[-1][0]
        ScanCursor.objects.filter(pk=cursor.pk).update(position=cursor.position)
        if len(rows) < batch:
            break
    return created


def do_plan_after_purchase(purchase: Purchase, now: datetime | None = None) -> int:
    now = now or timezone.now()
    created = 0
    rules = FollowUpRule.objects.filter(is_active=True, trigger=Trigger.PURCHASE).select_related(
        "team", "template", "agent"
    )
    for rule in rules:
        if rule.sku and rule.sku.lower() != purchase.sku.lower():
            continue
        if rule.category and rule.category.lower() != purchase.category.lower():
            continue
        due = purchase.purchased_at + timedelta(days=rule.delay_days)
        if due < now - STALE:
            continue  # history imported late: a check-in months later would be odd
        key = f"purchase:{purchase.pk}:rule:{rule.pk}"
        if _from_rule(rule, purchase.customer, due, key=key, purchase=purchase):
            created += 1
    return created


def team_of(customer: Customer) -> Team | None:
    """The team that greets a customer: the team of their latest ticket, else the default."""
    ticket = (
        Ticket.objects.filter(customer=customer).order_by("-created_at").select_related("team")
    ).first()
    if ticket and ticket.team:
        return ticket.team
    return Team.objects.filter(is_default=True).first()


def _occurrence(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year: greeted on the 28th
        return date(year, 2, 28)


def do_plan_greetings(now: datetime | None = None) -> int:
    """Birthday and anniversary greetings of the next 30 days, for customers who agreed to
    receive them (FB3, TR6), at the team's greeting hour in the customer's time zone."""
    now = now or timezone.now()
    granted_ids = {c.customer_id for c in _latest_consents(Purpose.GREETING) if c.granted}
    if not granted_ids:
        return 0
    created = 0
    customers = Customer.objects.filter(pk__in=granted_ids, merged_into=None)
    anniversaries: dict[int, list[Anniversary]] = {}
    for a in Anniversary.objects.filter(customer_id__in=granted_ids):
        anniversaries.setdefault(a.customer_id, []).append(a)
    for customer in customers:
        team = team_of(customer)
        if team is None:
            continue
        outreach = outreach_for(team.pk)
        tz = zone_for(customer.pk, outreach)
        today = now.astimezone(tz).date()
        occasions = []
        if customer.birthday and outreach.birthday_template_id:
            occasions.append(("birthday", customer.birthday, None, outreach.birthday_template))
        if outreach.anniversary_template_id:
            for a in anniversaries.get(customer.pk, []):
                occasions.append((f"anniversary:{a.pk}", a.date, a, outreach.anniversary_template))
        for name, original, anniversary, template in occasions:
            for year in (today.year, today.year + 1):
                day = _occurrence(original, year)
                if not today <= day <= today + timedelta(days=WINDOW.days):
                    continue
                due = datetime.combine(day, outreach.greet_at, tzinfo=tz)
                due = out_of_quiet_hours(due, outreach, tz)
                if due < now - STALE:
                    continue
                values = details(
                    customer,
                    team=team.name,
                    agent=team.name,
                    occasion=anniversary.label if anniversary else None,
                    years=year - original.year if anniversary else None,
                )
                subject, text = render_template(template, language_of(customer), values)
                key = f"{name}:{customer.pk}:{year}"
                if _create_once(
                    key,
                    team=team,
                    customer=customer,
                    kind=Kind.MESSAGE,
                    purpose=Purpose.GREETING,
                    subject=truncate(subject, 200),
                    text=text,
                    due_at=due,
                ):
                    created += 1
    return created


def _latest_consents(purpose: str) -> list[Consent]:
    """The newest consent of each customer for `purpose`."""
    latest: dict[int, Consent] = {}
    for c in Consent.objects.filter(purpose=purpose).order_by("created_at", "id"):
        latest[c.customer_id] = c
    return list(latest.values())


def check_thank_you(
    customer: Customer,
    *,
    actor: User,
    team: Team,
    text: str,
    subject: str = "",
    due_at: datetime | None = None,
    ticket: Ticket | None = None,
) -> FollowUp:
    """A personal thank-you note written (or started from a template) by an agent: it is put
    on the calendar at the next moment outside the customer's quiet hours."""
    text = clean_text(text or "").strip()
    if not text:
        raise ValidationError(_("Write the note."), code="empty")
    if not actor.sees_all_teams and team.pk not in actor.team_ids:
        raise ValidationError(_("You are not in that team."), code="team")
    check_placeholders(text)
    values = details(customer, agent=actor.display_name, team=team.name)
    outreach = outreach_for(team.pk)
    due = out_of_quiet_hours(due_at or timezone.now(), outreach, zone_for(customer.pk, outreach))
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    item = _create_once(
        f"thanks:{customer.pk}:{actor.pk}:{stamp}",
        team=team,
        customer=customer,
        kind=Kind.MESSAGE,
        purpose=Purpose.THANK_YOU,
        ticket=ticket,
        agent=actor,
        subject=truncate(substitute(subject, values) or _("Thank you"), 200),
        text=substitute(text, values),
        due_at=due,
        created_by=actor,
    )
    assert item is not None  # a fresh key
    return item


# --- editing the calendar ------------------------------------------------------------------------


def check_edit(item: FollowUp, *, actor: User, text: str, subject: str, due_at: datetime) -> None:
    if item.state != State.SCHEDULED:
        raise ValidationError(_("It has already gone out or was cancelled."), code="not_editable")
    text = clean_text(text or "").strip()
    if not text:
        raise ValidationError(_("The text cannot be empty."), code="empty")
    if due_at is None or timezone.is_naive(due_at):
        raise ValidationError(_("Give the time it goes out."), code="due")
    # Only while still scheduled: the sender may have taken it a moment ago.
    changed = FollowUp.objects.filter(pk=item.pk, state=State.SCHEDULED).update(
        text=text,
        subject=truncate(clean_text(subject or "").strip(), 200),
        due_at=due_at,
        edited_by=actor,
        updated_at=timezone.now(),
    )
    if not changed:
        raise ValidationError(_("It has already gone out or was cancelled."), code="not_editable")


def check_cancel(item: FollowUp, *, actor: User) -> None:
    changed = FollowUp.objects.filter(pk=item.pk, state=State.SCHEDULED).update(
        state=State.CANCELLED,
        edited_by=actor,
        reason=_("Cancelled by %(agent)s.") % {"agent": actor.display_name},
        done_at=timezone.now(),
    )
    if not changed:
        raise ValidationError(_("It has already gone out or was cancelled."), code="not_editable")


# --- sending --------------------------------------------------------------------------------------


def reachable_channels(customer: Customer) -> list[str]:
    from rapport.telegram.models import Contact

    found = []
    if customer.identities.filter(kind="email").exists():
        found.append(Channel.EMAIL)
    if Contact.objects.filter(
        customer=customer, bot__is_active=True, blocked_at__isnull=True
    ).exists():
        found.append(Channel.TELEGRAM)
    return found


def pick_channel(customer: Customer, ticket: Ticket | None) -> str | None:
    """The preferred channel when we can send on it, else the ticket's, else e-mail, else
    Telegram (FB3: on the customer's preferred channel)."""
    reachable = reachable_channels(customer)
    for channel in (customer.preferred_channel, ticket.channel if ticket else None, *SENDABLE):
        if channel in reachable:
            return channel
    return None


@dataclass
class Sent:
    item_id: int
    state: str
    reason: str = ""


def do_send_due(now: datetime | None = None, limit: int = 200) -> list[Sent]:
    now = now or timezone.now()
    ids = list(
        FollowUp.objects.filter(state=State.SCHEDULED, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    results = []
    for pk in ids:
        try:
            result = do_send(pk, now=now)
        except Exception as exc:  # noqa: BLE001 — one bad item must not hold up the others
            # Everything of this attempt rolled back; try again in 10 minutes, saying why.
            log.exception("followups: could not send follow-up %s", pk)
            FollowUp.objects.filter(pk=pk, state=State.SCHEDULED).update(
                due_at=now + RETRY_AFTER, reason=f"{type(exc).__name__}: {exc}"[:300]
            )
            results.append(Sent(pk, State.SCHEDULED, str(exc)))
            continue
        if result is not None:
            results.append(result)
    return results


def do_send(item_id: int, *, now: datetime | None = None) -> Sent | None:
    """Turn one due follow-up into its message or task, exactly once.

    The claim (scheduled → done), the message with its outbox delivery (or the promise) and
    the link back are one transaction: a worker that dies half-way rolls all of it back and the
    next run starts again; two workers racing both run the conditional UPDATE, and the second
    one (blocked on the row until the first commits) matches nothing and sends nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = FollowUp.objects.filter(
            pk=item_id, state=State.SCHEDULED, due_at__lte=now
        ).update(state=State.DONE, done_at=now)
        if not claimed:
            return None
        item = FollowUp.objects.select_related(
            "customer", "team", "ticket", "agent", "purchase"
        ).get(pk=item_id)
        customer = item.customer
        while customer.merged_into_id:
            customer = customer.merged_into
        allowed, why = may_contact(customer.pk, item.purpose)
        if not allowed:
            return _settle(item, State.SKIPPED, why)
        outreach = outreach_for(item.team_id)
        later = out_of_quiet_hours(now, outreach, zone_for(customer.pk, outreach))
        if later > now:  # edited into the night, or the customer's clock says it is late
            FollowUp.objects.filter(pk=item.pk).update(
                state=State.SCHEDULED, done_at=None, due_at=later
            )
            return Sent(item.pk, State.SCHEDULED, _("Moved out of the quiet hours."))
        if item.ticket and item.purpose == Purpose.CHECK_IN and item.ticket.status in OPEN_STATUSES:
            return _settle(
                item, State.SKIPPED, _("The ticket was reopened: the conversation goes on there.")
            )
        if item.kind == Kind.TASK:
            return _make_task(item, customer, now)
        return _send_message(item, customer, now)


def _settle(item: FollowUp, state: str, reason: str, **fields) -> Sent:
    FollowUp.objects.filter(pk=item.pk).update(state=state, reason=reason[:300], **fields)
    return Sent(item.pk, state, reason)


def _make_task(item: FollowUp, customer: Customer, now: datetime) -> Sent:
    from rapport.promises.actions import do_add_promise
    from rapport.promises.models import PromiseKind
    from rapport.tickets.actions import do_create_ticket

    ticket = item.ticket
    if ticket is None:
        ticket = do_create_ticket(
            customer=customer,
            subject=_("Follow-up call: %(what)s")
            % {"what": item.purchase.product if item.purchase else customer.display_name},
            channel=Channel.PHONE,
            team=item.team,
            at=now,
        )
    promise = do_add_promise(
        ticket,
        agent=item.agent,
        text=item.text,
        kind=PromiseKind.CALLBACK,
        due_at=now + timedelta(hours=4),
        actor=None,
        at=now,
    )
    return _settle(item, State.DONE, "", promise=promise)


def _send_message(item: FollowUp, customer: Customer, now: datetime) -> Sent:
    from rapport.tickets.actions import do_create_ticket, do_reply

    channel = pick_channel(customer, item.ticket)
    if channel is None:
        return _settle(
            item, State.SKIPPED, _("The customer has no e-mail address or Telegram chat.")
        )
    ticket = item.ticket if item.ticket and item.ticket.channel == channel else None
    if ticket is None:
        # A message of our own starts its own conversation: if the customer answers, the
        # answer threads onto this ticket and reopens it.
        ticket = do_create_ticket(
            customer=customer,
            subject=item.subject or item.get_purpose_display(),
            channel=channel,
            team=item.team,
            at=now,
        )
    with translation.override(language_of(customer)):
        footer = _("You receive this because you are our customer. Not interested? %(url)s") % {
            "url": optout_url(customer.pk, item.purpose)
        }
    message = do_reply(
        ticket,
        author=item.agent,
        body_text=f"{item.text}\n\n-- \n{footer}",
        status_after=SOLVED if ticket.status not in ("solved", "closed") else None,
        at=now,
    )
    return _settle(item, State.DONE, "", message=message)
