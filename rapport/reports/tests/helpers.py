"""A small desk with a bit of everything the reports read, built through the real actions."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from freezegun import freeze_time

from rapport.customers.models import Customer, CustomerKind
from rapport.feedback.actions import do_answer_survey, do_survey_solved
from rapport.promises.actions import do_add_promise, do_break, do_keep
from rapport.promises.models import PromiseKind
from rapport.reviews.actions import do_publish_reply
from rapport.reviews.tests.helpers import make_source, take_in
from rapport.sla.actions import do_save_policy
from rapport.sla.models import SlaPolicy
from rapport.test import receive
from rapport.tickets.actions import do_assign, do_change_status, do_reply, do_set_tags
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Event, EventKind, Status


def build_desk(case) -> None:
    """Tickets over the last days on several channels, teams and customer kinds, with
    replies (coach scores), solved and reopened tickets, SLA clocks, promises, surveys,
    a review and a tag. `case` is a BaseTestCase class (personas)."""
    do_save_policy(SlaPolicy(name="All", first_response_minutes=60, resolution_minutes=600))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    case.now = now
    specs = [
        # days ago, hour, channel, sender, body, team, agent, reply after (h), solve after (h)
        (
            9,
            10,
            "email",
            "dan@example.com",
            "This is terrible, I want a manager!",
            "support",
            "alice",
            0.5,
            5,
        ),
        (
            8,
            14,
            "webchat",
            "eve@example.com",
            "Where is my parcel? The delivery is late again.",
            "support",
            "bob",
            3,
            None,
        ),
        (
            6,
            9,
            "email",
            "fin@corp.test",
            "The printer on floor 2 is broken.",
            "support",
            "alice",
            0.1,
            30,
        ),
        (
            5,
            16,
            "telegram",
            "grace@example.com",
            "Refund please, the delivery never came.",
            "billing",
            "charlie",
            2,
            4,
        ),
        (
            3,
            11,
            "email",
            "dan@example.com",
            "Delivery late again, awful service.",
            "support",
            "bob",
            None,
            None,
        ),
        (1, 8, "webchat", "hal@example.com", "Thank you, all good!", "support", "alice", 0.2, 1),
    ]
    case.tickets = []
    for i, (ago, hour, channel, sender, body, team, agent, reply_h, solve_h) in enumerate(specs):
        at = (now - timedelta(days=ago)).replace(hour=hour)
        with freeze_time(at):
            msg = receive(
                channel=channel,
                sender=sender,
                external_id=f"r-{i}",
                subject=body[:30],
                body_text=body,
            )
        ticket = msg.ticket
        analyse(msg)  # what the worker's analyse_messages_task does after intake
        if sender.endswith("corp.test"):
            Customer.objects.filter(pk=ticket.customer_id).update(kind=CustomerKind.INTERNAL)
        agent_user = getattr(case, agent)
        do_assign(
            ticket,
            team=getattr(case, team),
            assignee=agent_user,
            actor=case.sam,
            at=at + timedelta(minutes=5),
        )
        if reply_h is not None:
            with freeze_time(at + timedelta(hours=reply_h)):
                do_reply(
                    ticket,
                    author=agent_user,
                    body_text="Hello! We are on it and will write back by 18:00 today.",
                    deliver=False,
                )
        if solve_h is not None:
            with freeze_time(at + timedelta(hours=solve_h)):
                do_change_status(ticket, Status.SOLVED, actor=agent_user)
        ticket.refresh_from_db()
        case.tickets.append(ticket)
    t0, t1, t2, t3 = case.tickets[:4]
    do_set_tags(t1, ["delivery"], actor=case.bob)
    do_set_tags(case.tickets[4], ["delivery"], actor=case.bob)
    # Promises: one kept on time, one kept late, one broken.
    p = do_add_promise(
        t1,
        agent=case.bob,
        text="Call back",
        kind=PromiseKind.CALLBACK,
        due_at=now - timedelta(days=7),
        actor=case.bob,
        at=now - timedelta(days=8),
    )
    with freeze_time(now - timedelta(days=7, hours=1)):
        do_keep(p, actor=case.bob)
    p = do_add_promise(
        t0,
        agent=case.alice,
        text="Check the stock",
        kind=PromiseKind.ANSWER,
        due_at=now - timedelta(days=8),
        actor=case.alice,
        at=now - timedelta(days=9),
    )
    with freeze_time(now - timedelta(days=7)):
        do_keep(p, actor=case.alice)
    p = do_add_promise(
        t3,
        agent=case.charlie,
        text="Refund",
        kind=PromiseKind.OTHER,
        due_at=now - timedelta(days=4),
        actor=case.charlie,
        at=now - timedelta(days=5),
    )
    with freeze_time(now - timedelta(days=3)):
        do_break(p, actor=case.charlie)
    # Surveys on the solved tickets, answered at two levels.
    for ticket, level in ((t0, 2), (t2, 4), (t3, 1)):
        ticket.refresh_from_db()
        event = Event.objects.filter(ticket=ticket, kind=EventKind.STATUS).order_by("-id").first()
        survey = do_survey_solved(ticket, solved_event_id=event.pk, deliver=False)
        if survey is not None:
            do_answer_survey(survey, level=level, source="agent")
    # A review, answered.
    review = take_in(make_source(team=case.support), id="rev-1")
    do_publish_reply(review, actor=case.alice, text="We are sorry, we fixed it.", findings=[])
    # t0 is reopened and solved again later: its solving moves (the fold must follow it).
    with freeze_time(now - timedelta(days=2)):
        do_change_status(t0, Status.OPEN, actor=case.alice)
    t0.refresh_from_db()


RETURN_QUESTIONS = [
    "How do I return an item?",
    "How can I return the item I bought?",
    "Hi! I would like to return this item, how?",
]


def ask_questions(case) -> None:
    """Customers' questions over the last days, mined into FAQ clusters (KN2) by the real
    job: three wordings of one question on two teams and three channels, another question,
    and one ticket that asks the returns question again nine days later (its first question
    in the cluster is outside a one-week period)."""
    from rapport.suggest.actions import do_mine_faq

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    specs = [
        # days ago, channel, sender, text, team
        (12, "email", "ann@example.com", RETURN_QUESTIONS[0], "support"),
        (6, "webchat", "ben@example.com", RETURN_QUESTIONS[1], "billing"),
        (4, "email", "cid@corp.test", RETURN_QUESTIONS[2], "support"),
        (2, "telegram", "dee@example.com", "How do I reset my password?", "support"),
        (1, "email", "eli@example.com", "How can I reset my password please?", "billing"),
    ]
    asked = []
    for i, (ago, channel, sender, text, team) in enumerate(specs):
        with freeze_time(now - timedelta(days=ago)):
            msg = receive(
                channel=channel,
                sender=sender,
                external_id=f"<q-{i}@x>",
                subject=text[:60],
                body_text=text,
            )
            analyse(msg)
        if sender.endswith("corp.test"):
            Customer.objects.filter(pk=msg.customer_id).update(kind=CustomerKind.INTERNAL)
        do_assign(msg.ticket, team=getattr(case, team), assignee=None, actor=case.sam)
        asked.append(msg)
    # Ann asks again on the same ticket (a reply to her first message), 3 days ago.
    with freeze_time(now - timedelta(days=3)):
        again = receive(
            channel="email",
            sender="ann@example.com",
            external_id="<q-again@x>",
            subject="Re: " + RETURN_QUESTIONS[0],
            body_text="How can I return the item? Still no answer.",
            in_reply_to=["<q-0@x>"],
        )
        analyse(again)
    assert again.ticket_id == asked[0].ticket_id
    do_mine_faq(now=now)
    case.faq_tickets = [m.ticket for m in asked]
