"""The demo desk's satisfaction data (FB1, FB2, TR5, FB6): a survey on each solved ticket,
answered by most customers on the five levels (with a few comments in their language), some
solutions confirmed, and the churn risk computed once. Built through rapport.feedback's
actions, at the times the demo tickets were solved; called by the demo builder in one line."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from rapport.feedback.actions import do_answer_survey, do_confirm_resolution, do_survey_solved
from rapport.feedback.churn import do_compute_churn_risk
from rapport.feedback.models import Cursor, Source
from rapport.tickets.models import OPEN_STATUSES, Event, EventKind, Ticket

# How the demo's customers answer: mostly satisfied or better, a few not satisfied.
LEVEL_WEIGHTS = {1: 8, 2: 24, 3: 34, 4: 22, 5: 12}
COMMENTS = {
    1: {
        "en": "Nobody called me back as promised.",
        "ru": "Мне так и не перезвонили, как обещали.",
        "zh": "说好的回电一直没有打来。",
    },
    3: {
        "en": "Quicker than I expected, thank you.",
        "ru": "Быстрее, чем я ожидал, спасибо.",
        "zh": "比我预想的快，谢谢。",
    },
    5: {
        "en": "Anna went out of her way to help. Amazing!",
        "ru": "Анна сделала больше, чем я просил. Потрясающе!",
        "zh": "客服非常用心，超出想象！",
    },
}


def build_demo_feedback(limit: datetime, seed: int = 8) -> dict[str, int]:
    """Surveys for the demo's solved tickets (no messages: the demo sends nothing), answers
    a few hours later (never after `limit`), and the churn risk as of `limit`."""
    rng = random.Random(seed)  # its own: the builder's sequence stays as it was
    solved = (
        Event.objects.filter(kind=EventKind.STATUS, after__in=["solved", "closed"])
        .exclude(before__in=["solved", "closed"])
        .order_by("created_at", "pk")
    )
    tickets = Ticket.objects.select_related("customer").in_bulk({e.ticket_id for e in solved})
    made = answered = confirmed = 0
    for event in solved:
        ticket = tickets[event.ticket_id]
        if ticket.status in OPEN_STATUSES:
            continue
        at = min(event.created_at + timedelta(minutes=5), limit)
        survey = do_survey_solved(ticket, solved_event_id=event.pk, now=at, deliver=False)
        if survey is None or survey.state not in ("sent", "pending"):
            continue
        made += 1
        if rng.random() > 0.7:
            continue  # not every customer answers
        level = rng.choices(list(LEVEL_WEIGHTS), weights=LEVEL_WEIGHTS.values())[0]
        answered_at = min(at + timedelta(hours=rng.uniform(0.2, 30)), limit)
        lang = (ticket.customer.language or "en")[:2]
        comment = COMMENTS.get(level, {}).get(lang) if rng.random() < 0.5 else None
        source = Source.CHAT if survey.channel == "webchat" else Source.LINK
        do_answer_survey(survey, level=level, comment=comment, source=source, now=answered_at)
        answered += 1
        if level >= 2 and rng.random() < 0.5:
            do_confirm_resolution(ticket, source=Source.LINK, now=answered_at)
            confirmed += 1
    # The periodic job starts after the demo's history: it asks nobody about it again.
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Cursor.objects.update_or_create(name="status-events", defaults={"position": last})
    risky = do_compute_churn_risk(limit)
    return {"surveys": made, "answers": answered, "confirmations": confirmed, "at_risk": risky}
