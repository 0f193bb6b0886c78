"""The coach in the workspace (issue 4): every customer message analysed after it is stored,
every reply reviewed as the agent types and when it is sent. The analysis itself is the
Django-free library `rapport.coach`; this module only feeds it and stores its results."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language
from django_tasks import task

from rapport.coach import RuleBook, analyze_message, check_reply

from .models import CoachRules, Direction, Message, Ticket


def rule_book() -> RuleBook:
    """The organisation's rule book (MG2); the built-in one until someone edits it."""
    row = CoachRules.objects.order_by("id").first()
    if row is None or not row.rules:
        return RuleBook.default()
    try:
        return RuleBook.from_dict(row.rules)
    except ValueError:
        return RuleBook.default()  # saved rules are validated; this guards a manual DB edit


def _ui_language() -> str:
    return (get_language() or "en").split("-")[0]


def analyse(message: Message) -> dict:
    """Analyse a customer's message and store the result on it."""
    result = analyze_message(message.body_text).as_dict()
    Message.objects.filter(pk=message.pk).update(analysis=result)
    message.analysis = result
    return result


@task()
def analyse_message_task(message_id: int) -> bool:
    message = Message.objects.filter(pk=message_id, direction=Direction.IN).first()
    if message is None:
        return False
    analyse(message)
    # The rules engine reads this analysis (ES3–ES5): evaluated in its own task, after commit.
    from rapport.rules.tasks import evaluate_message_rules_task  # rules import tickets

    transaction.on_commit(lambda: evaluate_message_rules_task.enqueue(message.pk))
    return True


@task()
def analyse_messages_task(message_ids: list[int]) -> int:
    """The same for a batch of messages (the intake worker's batches: one task, not one per
    message, so the queue keeps pace with intake); their rules are evaluated in one task."""
    messages = list(Message.objects.filter(pk__in=message_ids, direction=Direction.IN))
    for message in messages:
        analyse(message)
    if messages:
        from rapport.rules.tasks import evaluate_messages_rules_task

        ids = [m.pk for m in messages]
        transaction.on_commit(lambda: evaluate_messages_rules_task.enqueue(ids))
    return len(messages)


def last_customer_message(ticket: Ticket, before=None) -> Message | None:
    qs = Message.objects.filter(ticket=ticket, direction=Direction.IN, auto="")
    if before is not None:
        qs = qs.filter(created_at__lte=before)
    return qs.order_by("-created_at", "-id").first()


def review(ticket: Ticket, reply_text: str, *, before=None, templates=()) -> dict:
    """The coach's findings on a draft or sent reply to the customer's latest message;
    `templates`: texts the reply must not repeat unchanged (CQ16), besides the rule book's."""
    customer = last_customer_message(ticket, before=before)
    rules = rule_book()
    if templates:
        rules.templates = [*rules.templates, *templates]
    return check_reply(
        customer.body_text if customer else "",
        reply_text,
        rules,
        customer_name=ticket.customer.name or None,
        ui_language=_ui_language(),
    ).as_dict()


def do_review_sent(message: Message) -> dict:
    """Store the review of a sent reply (for reports and the agent's own history)."""
    # CQ16: a reply template inserted by this agent and sent word for word although the
    # customer asked something specific (rapport.macros, docs/macros.md).
    from rapport.macros.actions import unchanged_templates  # macros import tickets

    templates = unchanged_templates(message)
    result = review(
        message.ticket, message.body_text, before=message.created_at, templates=templates
    )
    Message.objects.filter(pk=message.pk).update(analysis=result)
    message.analysis = result
    return result
