"""Rule actions (what a firing does) and the changes supervisors make to rules.

Every action runs as the system (actor None) through the owning app's action: tickets'
do_assign / do_set_priority / do_set_tags / do_add_note, customers' do_flag_customer,
notify's do_notify_role, the outbox's do_queue. E-mail to a role is sent after commit by
rapport.rules.tasks.send_firing_mail_task.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.coach.langpack import pack_for
from rapport.customers.actions import do_flag_customer
from rapport.notify.actions import do_notify_role
from rapport.notify.models import Kind
from rapport.outbox.actions import do_queue
from rapport.tickets.actions import do_add_note, do_assign, do_set_priority, do_set_tags
from rapport.tickets.events import record_event
from rapport.tickets.models import Direction, EventKind, Message

from .models import Rule, RuleFiring, Trigger
from .schema import FIELDS, LANGUAGES, OPS, validate_actions, validate_conditions

# --- firing -----------------------------------------------------------------------------------


def do_fire(firing: RuleFiring, compiled, facts) -> None:
    """Run a rule's actions for a firing just recorded (inside its transaction)."""
    done = []
    mail = False
    # System texts (notes, notifications, flag reasons) in the organisation's language.
    with translation.override(settings.LANGUAGE_CODE):
        for index, action in enumerate(compiled.actions):
            result = RUNNERS[action["type"]](firing, action, facts, index)
            done.append({"type": action["type"], **result})
            mail = mail or bool(result.get("mail"))
    firing.done = done
    firing.save(update_fields=["done"])
    if mail:
        from .tasks import send_firing_mail_task

        transaction.on_commit(lambda: send_firing_mail_task.enqueue(firing.pk))


def describe_why(why: list) -> str:
    """A one-line, human reading of why a rule fired (for flag reasons and notifications)."""
    parts = []
    for item in why:
        if "any" in item:
            item = item["any"][0]
        value = item["value"]
        if isinstance(value, dict):
            value = _("%(count)s in %(days)s days") % value
        shown = "" if value is None else value
        parts.append(f"{FIELDS[item['field']].label} {OPS[item['op']]} {shown}".strip())
    return "; ".join(parts)


def _headline(firing: RuleFiring) -> str:
    ticket = firing.ticket
    return _("Rule “%(rule)s” on #%(n)s %(subject)s: %(why)s") % {
        "rule": firing.rule.display_name,
        "n": ticket.pk,
        "subject": ticket.subject,
        "why": describe_why(firing.why),
    }


def customer_language(facts) -> str:
    """The customer's language for texts sent or suggested to them (en, ru, zh)."""
    raw = facts.ticket.customer.language or facts.analysis.get("language") or "en"
    lang = raw.lower().split("-")[0].split("_")[0]
    return lang if lang in LANGUAGES else "en"


def _assign(firing, action, facts, index) -> dict:
    ticket = facts.ticket
    team = agent = None
    if action.get("team"):
        team = Team.objects.filter(name=action["team"]).first()
        if team is None:
            return {"status": "skipped", "reason": "no such team", "team": action["team"]}
    if action.get("agent"):
        agent = User.objects.filter(username=action["agent"], is_active=True).first()
        if agent is None:
            return {"status": "skipped", "reason": "no such agent", "agent": action["agent"]}
    assignee = agent or ticket.assignee
    if (
        agent is None
        and team is not None
        and assignee is not None
        and not (assignee.teams.filter(pk=team.pk).exists())
    ):
        assignee = None  # the agent is not in the new team: it waits there unassigned
    do_assign(ticket, team=team, assignee=assignee, actor=None)
    return {
        "status": "done",
        "team": team.name if team else None,
        "agent": agent.username if agent else None,
    }


def _set_priority(firing, action, facts, index) -> dict:
    do_set_priority(facts.ticket, action["priority"], actor=None)
    return {"status": "done", "priority": action["priority"]}


def _add_tag(firing, action, facts, index) -> dict:
    ticket = facts.ticket
    names = list(ticket.tags.values_list("name", flat=True))
    do_set_tags(ticket, [*names, action["tag"]], actor=None)
    return {"status": "done", "tag": action["tag"].strip().lower()}


def _notify_role(firing, action, facts, index) -> dict:
    team = facts.ticket.team if action.get("team_only") else None
    sent = []
    if action.get("in_app", True):  # in_app false: by e-mail only
        kind = Kind.SLA_BREACH if _about_sla(firing) else Kind.RULE
        sent = do_notify_role(
            action["role"],
            lambda: _headline(firing),  # in each recipient's language
            team=team,
            kind=kind,
            ticket=facts.ticket,
            dedupe_key=f"rule:{firing.pk}:{index}",
        )
    return {
        "status": "done",
        "role": action["role"],
        "notified": len(sent),
        "mail": bool(action.get("email")),
        "team_only": bool(action.get("team_only")),
    }


def _about_sla(firing: RuleFiring) -> bool:
    return any(item.get("field") == "ticket.sla_state" for item in firing.why)


def _flag_customer(firing, action, facts, index) -> dict:
    reason = action.get("reason") or _("Rule “%(rule)s”: %(why)s") % {
        "rule": firing.rule.display_name,
        "why": describe_why(firing.why),
    }
    quote = quote_for(facts.message, _signal_for_flag(action["kind"]))
    if quote and not action.get("reason"):
        reason = f"{reason} — “{quote}”"
    flag = do_flag_customer(facts.ticket.customer, kind=action["kind"], reason=reason, actor=None)
    return {"status": "done", "kind": action["kind"], "flag": flag.pk}


def _signal_for_flag(kind: str) -> str:
    return {
        "abusive": "insult",
        "legal_threat": "legal_threat",
        "physical_threat": "physical_threat",
    }.get(kind, "")


_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def quote_for(message: Message | None, signal: str) -> str:
    """The sentence of the customer's message in which the coach found `signal`."""
    if message is None or not signal or not message.analysis:
        return ""
    text = message.body_text
    for ev in message.analysis.get("evidence") or ():
        if ev.get("label") != signal:
            continue
        start, end = ev["span"]
        head = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
        tail = _SENTENCE_END.search(text, end)
        stop = tail.end() if tail else len(text)
        return text[head:stop].strip()[:400]
    return ""


def _add_note(firing, action, facts, index) -> dict:
    lines = [_("Rule “%s”:") % firing.rule.display_name]
    if action.get("text"):
        lines.append(action["text"])
    quoted = ""
    if action.get("quote_signal"):
        quoted = quote_for(facts.message, action["quote_signal"])
        if quoted:
            lines.append(_("The customer wrote: “%s”") % quoted)
    if action.get("suggestion"):
        # The coach's own wording (rapport/coach/packs/<lang>/suggestions.toml), in the
        # customer's language: one source of truth for suggested phrases (ES4).
        lang = customer_language(facts)
        wording = pack_for(lang).text("suggestions", action["suggestion"])
        if wording:
            lines.append(
                _("Suggested wording, firm but polite (%(lang)s): %(text)s")
                % {"lang": lang, "text": wording}
            )
    if len(lines) == 1:
        return {"status": "skipped", "reason": "nothing to write"}
    note = do_add_note(facts.ticket, author=None, body="\n".join(lines))
    return {"status": "done", "note": note.pk, "quote": quoted}


def _send_template(firing, action, facts, index) -> dict:
    """A template reply in the customer's language, through the one outbox. Not do_reply: an
    automatic answer is not the agent's first response (the SLA clock keeps running) and does
    not assign the ticket."""
    ticket = facts.ticket
    lang = customer_language(facts)
    texts = action["texts"]
    text = texts.get(lang) or texts.get("en") or next(iter(texts.values()))
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUT,
        channel=ticket.channel,
        customer=ticket.customer,
        auto="rule",
        body_text=text.strip(),
    )
    record_event(
        EventKind.MESSAGE_SENT,
        ticket=ticket,
        actor=None,
        after={"message": message.pk, "rule": firing.rule_id},
    )
    options = {"ack": True} if ticket.channel == "email" else {}  # Auto-Submitted, no Cc
    delivery = do_queue(message, **options)
    return {
        "status": "done",
        "message": message.pk,
        "language": lang,
        "queued": delivery is not None,
    }


def _side_discussion(firing, action, facts, index) -> dict:
    """For now a side discussion is an internal note addressed to the role plus a
    notification to its members (docs/rules.md)."""
    role = action["role"]
    text = action.get("text") or describe_why(firing.why)
    body = _("Rule “%(rule)s” — side discussion with %(role)s: %(text)s") % {
        "rule": firing.rule.display_name,
        "role": role,
        "text": text,
    }
    note = do_add_note(facts.ticket, author=None, body=body)
    sent = do_notify_role(
        role,
        body,
        kind=Kind.ESCALATION,
        ticket=facts.ticket,
        dedupe_key=f"rule:{firing.pk}:{index}",
    )
    return {"status": "done", "role": role, "note": note.pk, "notified": len(sent)}


RUNNERS = {
    "assign": _assign,
    "set_priority": _set_priority,
    "add_tag": _add_tag,
    "notify_role": _notify_role,
    "flag_customer": _flag_customer,
    "add_note": _add_note,
    "send_template": _send_template,
    "side_discussion": _side_discussion,
}


# --- editing rules ----------------------------------------------------------------------------


def next_order() -> int:
    top = Rule.objects.aggregate(top=Max("order"))["top"]
    return 10 if top is None else top + 10


def check_save_rule(rule: Rule, *, actor: User) -> Rule:
    """Validate and save a rule (new rules go last)."""
    validate_conditions(rule.conditions)
    validate_actions(rule.actions)
    return do_save_rule(rule, actor=actor)


def do_save_rule(rule: Rule, *, actor: User | None) -> Rule:
    if rule.pk is None and not rule.order:
        rule.order = next_order()
    rule.updated_by = actor
    rule.save()
    if rule.enabled and rule.trigger in (Trigger.TIMER, Trigger.BOTH):
        from .tasks import watch_open_tickets_task

        transaction.on_commit(lambda: watch_open_tickets_task.enqueue())
    return rule


@transaction.atomic
def do_move_rule(rule: Rule, *, up: bool, actor: User | None) -> None:
    """Swap a rule with its neighbour; orders are renumbered 10, 20, … so they stay distinct."""
    rules = list(Rule.objects.select_for_update().order_by("order", "id"))
    i = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(rules):
        rules[i], rules[j] = rules[j], rules[i]
    for n, r in enumerate(rules, 1):
        if r.order != n * 10:
            r.order = n * 10
            r.save(update_fields=["order", "updated_at"])
    Rule.objects.filter(pk=rule.pk).update(updated_by=actor)


def do_set_enabled(rule: Rule, enabled: bool, *, actor: User | None) -> None:
    if rule.enabled == enabled:
        return
    rule.enabled = enabled
    do_save_rule(rule, actor=actor)
