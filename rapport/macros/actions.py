"""Reply templates: saving (placeholders checked), filling for a ticket, applying (through
rapport.tickets.actions), and the CQ16 bookkeeping (docs/macros.md)."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rapport.kb.models import normalise_language
from rapport.tickets import actions as ticket_actions
from rapport.tickets.coaching import analyse, last_customer_message
from rapport.tickets.models import Direction, Message, Ticket

from .models import Macro, MacroUse, usable_macros
from .placeholders import fill, problems

# "#12345", "№ 12345", "No. 12345", "order 12345", "заказ 12345", "订单12345", or a long number.
_ORDER = re.compile(
    r"(?:#|№|no\.?\s*|order\s*|заказ\w*\s*(?:№\s*)?|订单(?:号)?[:：]?\s*)([A-Z0-9-]{4,})"
    r"|(?<![\d.,])(\d{6,})(?![\d.,])",
    re.IGNORECASE,
)


def check_template_text(text: str) -> None:
    bad = problems(text or "")
    if bad:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use only the listed ones, like {customer_name}.")
            % {"names": ", ".join(bad)},
            code="placeholder",
        )


def do_save_macro(macro: Macro, *, actor) -> Macro:
    if macro.pk is None:
        macro.created_by = actor
    macro.updated_at = timezone.now()
    macro.save()
    return macro


def check_save_macro(macro: Macro, *, actor) -> Macro:
    check_template_text(macro.body)
    if not actor.sees_all_teams and (macro.team_id is None or macro.team_id not in actor.team_ids):
        # Agents keep their own team's templates; global ones are a supervisor's.
        raise PermissionDenied(_("Only supervisors edit templates for every team."))
    return do_save_macro(macro, actor=actor)


def access_macro(user, pk: int, *, for_change: bool = False) -> Macro:
    macro = get_object_or_404(usable_macros(user) if not for_change else Macro.objects, pk=pk)
    if for_change and not can_edit(user, macro):
        raise Http404
    return macro


def can_edit(user, macro: Macro) -> bool:
    if user.sees_all_teams:
        return True
    return macro.team_id is not None and macro.team_id in user.team_ids


def ticket_language(ticket: Ticket) -> str | None:
    """en, ru or zh-hans: the coach's reading of the customer's latest message, else the
    customer's profile language."""
    message = last_customer_message(ticket)
    analysed = _analysis(message).get("language") if message else None
    return normalise_language(analysed) or normalise_language(ticket.customer.language)


def _analysis(message: Message) -> dict:
    """The coach's stored reading of a customer's message (analysed now if the background
    task has not run yet)."""
    if message.analysis is None:
        return analyse(message)
    return message.analysis


def order_number(ticket: Ticket) -> str:
    """An order the customer named on this ticket: one of their known purchases if a message
    mentions it, else the first order-like number in their messages."""
    texts = list(
        Message.objects.filter(ticket=ticket, direction=Direction.IN)
        .order_by("-created_at")
        .values_list("body_text", flat=True)[:20]
    )
    texts += [ticket.subject]
    try:
        from rapport.followups.models import Purchase

        known = list(
            Purchase.objects.filter(customer=ticket.customer).values_list("external_id", flat=True)[
                :200
            ]
        )
    except LookupError:  # pragma: no cover — the follow-ups app is optional
        known = []
    for text in texts:
        for order in known:
            if order and order in text:
                return order
    for text in texts:
        m = _ORDER.search(text or "")
        if m:
            return m.group(1) or m.group(2)
    return ""


def expected_time(ticket: Ticket) -> str:
    """The next due time of the ticket's SLA (docs/sla.md): a promised answer time first,
    else the next/first response due, else the resolution due."""
    due = (
        ticket.promised_response_at
        or ticket.next_response_due
        or ticket.first_response_due
        or ticket.resolution_due
    )
    if due is None:
        return ""
    return formats.date_format(timezone.localtime(due), "DATETIME_FORMAT")


def variables(ticket: Ticket, agent, language: str | None = None) -> dict[str, str]:
    with translation.override(language or translation.get_language()):
        expected = expected_time(ticket)
    return {
        "customer_name": ticket.customer.name or "",
        "ticket_number": str(ticket.pk),
        "order_number": order_number(ticket),
        "agent_name": agent.first_name or agent.display_name,
        "team_name": ticket.team.name if ticket.team_id else "",
        "expected_time": expected,
    }


def filled(macro: Macro, ticket: Ticket, agent, values: dict | None = None) -> str:
    values = values if values is not None else variables(ticket, agent, macro.language or None)
    return fill(macro.body, values)


def picker(user, ticket: Ticket, query: str = "", limit: int = 30) -> list[Macro]:
    """Templates for this ticket's reply box: those in the ticket's language first (then the
    language-neutral ones, then the others), the ticket's team before global ones, then the
    most used; `query` filters by name or text."""
    qs = usable_macros(user).filter(Q(team=None) | Q(team_id=ticket.team_id))
    language = ticket_language(ticket)
    macros = list(qs.select_related("team", "assign_team")[:500])
    # Searched here, not in SQL: SQLite's LIKE folds the case of ASCII letters only.
    words = [w.casefold() for w in (query or "").split()[:5]]
    if words:
        macros = [m for m in macros if all(w in f"{m.name}\n{m.body}".casefold() for w in words)]

    def rank(m: Macro):
        lang = 0 if (language and m.language == language) else (1 if not m.language else 2)
        return (lang, 0 if m.team_id else 1, -m.usage_count, m.name.lower())

    macros.sort(key=rank)
    return macros[:limit]


def do_use_macro(macro: Macro, ticket: Ticket, *, actor) -> tuple[MacroUse, list[str]]:
    """Insert a template: record the use (counted, and kept for the CQ16 check when the
    reply is sent) and apply its actions through the ticket actions. Returns the use and
    what was done, for the agent."""
    text = filled(macro, ticket, actor)
    use = MacroUse.objects.create(macro=macro, ticket=ticket, author=actor, filled_text=text)
    Macro.objects.filter(pk=macro.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    done: list[str] = []
    if macro.tag_list:
        current = list(ticket.tags.values_list("name", flat=True))
        ticket_actions.do_set_tags(ticket, [*current, *macro.tag_list], actor=actor)
        done.append(_("tags: %(tags)s") % {"tags": ", ".join(macro.tag_list)})
    if macro.assign_to_me or macro.assign_team_id:
        done.append(_assign(macro, ticket, actor))
    if macro.set_status and macro.set_status != ticket.status:
        try:
            # check_: the lifecycle's transitions and the unhappy-customer guard (CQ21) hold
            ticket_actions.check_change_status(ticket, macro.set_status, actor=actor)
            done.append(_("status: %(status)s") % {"status": ticket.get_status_display()})
        except ValidationError as exc:
            done.append(_("status unchanged: %(why)s") % {"why": _message(exc)})
    return use, done


def _assign(macro: Macro, ticket: Ticket, actor) -> str:
    """Move to the template's team and/or take the ticket, through check_assign (an agent
    cannot move a ticket to a team that is not theirs). Whoever has the ticket keeps it unless
    the template assigns it to the actor or moves it to another team."""
    team = macro.assign_team or ticket.team
    same_team = team is None or team.pk == ticket.team_id
    assignee = ticket.assignee if same_team else None
    if macro.assign_to_me and (team is None or team.pk in actor.team_ids):
        assignee = actor  # a supervisor outside the team moves it without taking it
    try:
        ticket_actions.check_assign(ticket, team=team, assignee=assignee, actor=actor)
    except (PermissionDenied, ValidationError) as exc:
        return _("not assigned: %(why)s") % {"why": _message(exc)}
    return _("assigned: %(team)s / %(agent)s") % {
        "team": team.name if team else "—",
        "agent": assignee.display_name if assignee else "—",
    }


def _message(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return "; ".join(str(m) for m in messages) if messages else str(exc)


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a or "").strip() == re.sub(r"\s+", " ", b or "").strip()


def customer_asked(ticket: Ticket, before=None) -> bool:
    """Did the customer's latest message ask something specific (the coach's questions,
    stored on the message by rapport.tickets.coaching.analyse)?"""
    message = last_customer_message(ticket, before=before)
    if message is None:
        return False
    return bool(_analysis(message).get("questions"))


def unchanged_templates(message: Message) -> list[str]:
    """CQ16 hook for the coach (called by rapport.tickets.coaching.do_review_sent): the
    templates this agent inserted on this ticket since their last reply are attached to the
    sent message; those sent word for word while the customer had asked something specific
    are returned, so the coach's CQ16 check flags the reply."""
    if message.author_id is None:
        return []
    uses = list(
        MacroUse.objects.filter(
            ticket_id=message.ticket_id, author_id=message.author_id, message=None
        )
    )
    if not uses:
        return []
    unchanged = [u for u in uses if _same(u.filled_text, message.body_text)]
    if unchanged and not customer_asked(message.ticket, before=message.created_at):
        unchanged = []
    MacroUse.objects.filter(pk__in=[u.pk for u in uses]).update(message=message)
    if unchanged:
        MacroUse.objects.filter(pk__in=[u.pk for u in unchanged]).update(sent_unchanged=True)
    return [u.filled_text for u in unchanged]
