"""Background work of the rules engine: evaluation on message arrival, the timer, e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from rapport.jobs.periodic import periodic
from rapport.notify.actions import role_members
from rapport.tickets.models import Direction, Message

from .engine import evaluate
from .models import RuleFiring, Trigger
from .timer import do_watch_open_tickets, run_tick


@task()
def evaluate_message_rules_task(message_id: int) -> int:
    """Rules on a customer's message, after the coach stored its analysis. Safe to run twice:
    a rule fires at most once per message."""
    message = (
        Message.objects.select_related("ticket__customer", "ticket__team", "ticket__assignee")
        .filter(pk=message_id, direction=Direction.IN, auto="")
        .first()
    )
    if message is None:
        return 0
    return len(evaluate(message.ticket, trigger=Trigger.MESSAGE, message=message))


@task()
def evaluate_messages_rules_task(message_ids: list[int]) -> int:
    """The same for a batch of messages (see tickets.coaching.analyse_messages_task)."""
    messages = Message.objects.select_related(
        "ticket__customer", "ticket__team", "ticket__assignee"
    ).filter(pk__in=message_ids, direction=Direction.IN, auto="")
    return sum(
        len(evaluate(m.ticket, trigger=Trigger.MESSAGE, message=m)) for m in messages.order_by("pk")
    )


@periodic(every=timedelta(minutes=1))
@task()
def evaluate_timer_rules_task() -> int:
    return run_tick()


@task()
def watch_open_tickets_task() -> int:
    return do_watch_open_tickets()


@task()
def send_firing_mail_task(firing_id: int) -> int:
    """E-mail the members of each role a firing notified "by e-mail", once: the firing row is
    locked and marked in the same transaction (a failed send rolls back and may be retried)."""
    with transaction.atomic():
        firing = (
            RuleFiring.objects.select_for_update()
            .select_related("rule", "ticket")
            .filter(pk=firing_id, mailed_at=None)
            .first()
        )
        if firing is None:
            return 0
        from .actions import _headline

        mails = []
        for item in firing.done:
            if item.get("type") != "notify_role" or not item.get("mail"):
                continue
            team = firing.ticket.team if item.get("team_only") else None
            for user in role_members(item["role"], team=team):
                if not user.email:
                    continue
                with translation.override(user.language):
                    link = f"{settings.SITE_URL.rstrip('/')}/tickets/{firing.ticket_id}/"
                    mails.append(
                        EmailMessage(
                            subject=_("[Rapport] Rule “%(rule)s” on #%(n)s")
                            % {"rule": firing.rule.display_name, "n": firing.ticket_id},
                            body=f"{_headline(firing)}\n\n{link}\n",
                            to=[user.email],
                        )
                    )
        if mails:
            get_connection(fail_silently=False).send_messages(mails)
        firing.mailed_at = timezone.now()
        firing.save(update_fields=["mailed_at"])
        return len(mails)
