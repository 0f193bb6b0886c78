"""Background work of rapport.feedback (docs/feedback.md, docs/background.md).

Why a periodic job over status events rather than a call inside tickets' `_set_status`: the
survey must not go out in the agent's transaction (solving stays one quick UPDATE), nor at all
when the ticket is reopened within the minute; and the job reads the event log by primary key
from a stored cursor, so a crash or a restart loses nothing and a solving is surveyed once
(Survey.solved_event_id is unique).
"""

from __future__ import annotations

import logging
import zlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from rapport.jobs.periodic import periodic
from rapport.notify.actions import do_notify
from rapport.tickets.models import OPEN_STATUSES, Event, EventKind, Status, Ticket

from .models import Cursor, Level, Source, Survey, SurveyState

log = logging.getLogger(__name__)

# Events younger than this are left for the next run: a transaction still open elsewhere may
# commit an event with a smaller id than one already visible (ids are taken before commit).
SETTLE = timedelta(seconds=20)
BATCH = 500


@transaction.atomic
def scan_status_events(now=None) -> dict:
    """Survey solved tickets; mark confirmed tickets that were reopened (TR5)."""
    from .actions import do_reopened, do_survey_solved

    now = now or timezone.now()
    cursor, _created = Cursor.objects.select_for_update().get_or_create(name="status-events")
    events = list(
        Event.objects.filter(
            kind=EventKind.STATUS, pk__gt=cursor.position, created_at__lte=now - SETTLE
        ).order_by("pk")[:BATCH]
    )
    if not events:
        return {"surveyed": 0, "reopened": 0}
    tickets = Ticket.objects.select_related("customer").in_bulk({e.ticket_id for e in events})
    surveyed = reopened = 0
    solved = (Status.SOLVED, Status.CLOSED)
    for event in events:
        ticket = tickets.get(event.ticket_id)
        if ticket is None:
            continue
        if event.after in solved and event.before in OPEN_STATUSES:
            if do_survey_solved(ticket, solved_event_id=event.pk, now=now):
                surveyed += 1
        elif event.after in OPEN_STATUSES and event.before in solved:
            if do_reopened(ticket, at=event.created_at):
                reopened += 1
    Cursor.objects.filter(pk=cursor.pk).update(position=events[-1].pk)
    return {"surveyed": surveyed, "reopened": reopened}


@transaction.atomic
def fold_chat_ratings() -> int:
    """The web chat's own rating (rapport.webchat ChatRating, FB1) answers the chat's survey,
    so the service-level index and churn risk count every channel alike."""
    from rapport.webchat.models import ChatRating

    from .actions import do_answer_survey

    cursor, _created = Cursor.objects.select_for_update().get_or_create(name="chat-ratings")
    ratings = list(
        ChatRating.objects.filter(pk__gt=cursor.position)
        .select_related("ticket")
        .order_by("pk")[:BATCH]
    )
    for rating in ratings:
        ticket = rating.ticket
        survey = (
            Survey.objects.filter(ticket=ticket, channel="webchat")
            .exclude(state__in=(SurveyState.THROTTLED, SurveyState.UNAVAILABLE))
            .order_by("-created_at")
            .first()
        )
        if survey is None:  # rated before the job saw the solving (or throttled): keep it
            survey = Survey.objects.create(
                ticket=ticket,
                customer_id=ticket.customer_id,
                team_id=ticket.team_id,
                agent_id=ticket.assignee_id,
                channel="webchat",
                state=SurveyState.PENDING,
                created_at=rating.created_at,
            )
        if survey.level is None:
            do_answer_survey(
                survey,
                level=rating.score,
                comment=rating.comment or None,
                source=Source.CHAT,
                now=rating.created_at,
            )
    if ratings:
        Cursor.objects.filter(pk=cursor.pk).update(position=ratings[-1].pk)
    return len(ratings)


@periodic(every=timedelta(minutes=1))
@task()
def feedback_scan_task() -> dict:
    result = scan_status_events()
    result["chat_ratings"] = fold_chat_ratings()
    return result


@task()
def route_survey_answer_task(survey_id: int) -> int:
    """FB1: a bad rating or a comment goes to the team. The rules see the `bad-rating` tag
    (shipped rule "Bad satisfaction rating": notify the team's supervisors); the rated agent
    is told in the app. Safe to run twice (rule firings and the notification are deduplicated)."""
    from rapport.rules.engine import evaluate
    from rapport.rules.models import Trigger

    survey = Survey.objects.select_related("ticket__customer", "ticket__team", "agent").filter(
        pk=survey_id
    )
    survey = survey.first()
    if survey is None or survey.level is None and not survey.comment:
        return 0
    fired = evaluate(survey.ticket, trigger=Trigger.TIMER)
    if survey.agent is not None:

        def text() -> str:
            return _("Customer feedback on #%(id)s: %(level)s%(comment)s") % {
                "id": survey.ticket_id,
                "level": Level(survey.level).label if survey.level else "—",
                "comment": f" — “{survey.comment[:300]}”" if survey.comment else "",
            }

        with translation.override(survey.agent.language):
            do_notify(
                [survey.agent],
                text,
                ticket=survey.ticket,
                dedupe_key=f"survey:{survey.pk}:{survey.level}:{zlib.crc32(survey.comment.encode())}",
            )
    return len(fired)


@periodic(every=timedelta(hours=1))
@task()
def compute_churn_risk_task() -> int:
    from .churn import do_compute_churn_risk

    return do_compute_churn_risk()
