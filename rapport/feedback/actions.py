"""Surveys, answers, confirmations (FB1, FB2, TR5, CQ20). See docs/feedback.md.

`do_survey_solved` is called by the periodic job over status events (tasks.py), once per
solving; it asks on the ticket's own channel: a real outbound message through the one outbox
(e-mail, Telegram), or, for a web chat, a pending survey the chat widget answers.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.jobs.enqueue import enqueue_on_commit
from rapport.lib.channels import Channel
from rapport.lib.text import clean_text, truncate
from rapport.outbox.actions import do_queue
from rapport.tickets.actions import do_add_note, do_set_tags
from rapport.tickets.events import record_event
from rapport.tickets.models import OPEN_STATUSES, Direction, EventKind, Message, Ticket

from .links import link
from .models import DEFAULTS, Confirmation, FeedbackSettings, Level, Source, Survey, SurveyState

# Tag put on a ticket rated at or below the team's bad level; the shipped rule
# "Bad satisfaction rating" (migration 0002) matches it. Supervisors remove it once handled.
BAD_RATING_TAG = "bad-rating"
# Event kinds of this app (history lines on the ticket), named in the ticket's EventKind.
SURVEY_SENT = EventKind.SURVEY_SENT
SURVEY_ANSWERED = EventKind.SURVEY_ANSWERED
RESOLUTION_CONFIRMED = EventKind.RESOLUTION_CONFIRMED
RESOLUTION_REOPENED = EventKind.RESOLUTION_REOPENED

MESSAGE_CHANNELS = (Channel.EMAIL, Channel.TELEGRAM)  # channels with an outbox we ask on


def team_settings(team_id: int | None) -> FeedbackSettings:
    if team_id is None:
        return DEFAULTS
    return FeedbackSettings.objects.filter(team_id=team_id).first() or DEFAULTS


def survey_language(ticket: Ticket) -> str:
    """The customer's language: their profile's, else their last message's, else the desk's."""
    lang = (ticket.customer.language or "").lower()
    if not lang:
        last = (
            Message.objects.filter(ticket=ticket, direction=Direction.IN)
            .exclude(analysis=None)
            .order_by("-created_at", "-id")
            .values_list("analysis", flat=True)
            .first()
        )
        lang = (last or {}).get("language") or settings.LANGUAGE_CODE
    if lang.startswith("zh"):
        return "zh-hans"
    return lang if lang in ("ru", "en") else "en"


def recently_asked(customer_id: int, days: int, now) -> bool:
    """FB1's throttle: was this customer asked (or did they rate) within `days`?"""
    return (
        Survey.objects.filter(customer_id=customer_id, created_at__gte=now - timedelta(days=days))
        .exclude(state__in=(SurveyState.THROTTLED, SurveyState.UNAVAILABLE))
        .exists()
    )


def survey_text(survey: Survey, ticket: Ticket) -> str:
    """The question, one signed link per level and the "this suits me" link, in the
    survey's language."""
    with translation.override(survey.language):
        lines = [
            _("Your request “%(subject)s” is solved. How did we do? One click is enough:")
            % {"subject": ticket.subject},
            "",
        ]
        for level in reversed(Level):
            lines.append(f"{level.value} — {level.label}: {link(survey.pk, str(level.value))}")
        lines += [
            "",
            _("Does the solution suit you? Yes, this suits me: %(url)s")
            % {"url": link(survey.pk, "ok")},
        ]
        return "\n".join(lines)


@transaction.atomic
def do_survey_solved(
    ticket: Ticket, *, solved_event_id: int, now=None, deliver: bool = True
) -> Survey | None:
    """Ask about a solved ticket (idempotent per solving event). Returns the survey row, or
    None when the team sends no surveys or the ticket is open again. `deliver=False` records
    a survey asked elsewhere (imported history, the demo): no message is written or sent."""
    now = now or timezone.now()
    if Survey.objects.filter(solved_event_id=solved_event_id).exists():
        return None
    if ticket.status in OPEN_STATUSES or ticket.merged_into_id:
        return None  # reopened before we asked: ask when it is solved again
    # The chat's rating may have been folded in before this job saw the solving: that survey
    # is this solving's answer, not a reason to throttle.
    folded = Survey.objects.filter(ticket=ticket, solved_event_id=None).first()
    if folded is not None:
        Survey.objects.filter(pk=folded.pk).update(solved_event_id=solved_event_id)
        return None
    policy = team_settings(ticket.team_id)
    if not policy.surveys_enabled:
        return None
    survey = Survey(
        ticket=ticket,
        customer_id=ticket.customer_id,
        team_id=ticket.team_id,
        agent_id=ticket.assignee_id,
        channel=ticket.channel,
        language=survey_language(ticket),
        solved_event_id=solved_event_id,
        created_at=now,
    )
    if recently_asked(ticket.customer_id, policy.period_days, now):
        survey.state = SurveyState.THROTTLED
    elif ticket.channel == Channel.WEBCHAT:
        survey.state = SurveyState.PENDING  # the widget shows the rating prompt (FB1)
    elif ticket.channel in MESSAGE_CHANNELS:
        survey.state = SurveyState.SENT
    else:
        survey.state = SurveyState.UNAVAILABLE
    survey.save()
    if survey.state == SurveyState.SENT and deliver:
        message = Message.objects.create(
            ticket=ticket,
            direction=Direction.OUT,
            channel=ticket.channel,
            customer=ticket.customer,
            auto="survey",
            body_text=survey_text(survey, ticket),
            created_at=now,
        )
        survey.message = message
        survey.save(update_fields=["message"])
        record_event(
            EventKind.MESSAGE_SENT,
            ticket=ticket,
            after={"message": message.pk, "survey": survey.pk},
        )
        # Auto-Submitted, no Cc: a survey is not a conversation reply (docs/outbox.md).
        do_queue(message, **({"ack": True} if ticket.channel == Channel.EMAIL else {}))
    return survey


def do_answer_survey(
    survey: Survey, *, level: int | None = None, comment: str | None = None, source: str, now=None
) -> tuple[Survey, int | None]:
    """Record (or change) an answer; returns the survey and the level it replaced. A bad
    rating or a comment is routed to the team (note + tag + rules, after commit)."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
        before = survey.level
        fields = ["state", "answered_at", "source"]
        if level is not None:
            survey.level = Level(level).value
            fields.append("level")
        if comment is not None:
            survey.comment = truncate(clean_text(comment).strip(), 2000)
            fields.append("comment")
        survey.state = SurveyState.ANSWERED
        survey.answered_at = now
        survey.source = source
        survey.save(update_fields=fields)
        ticket = survey.ticket
        record_event(
            SURVEY_ANSWERED,
            ticket=ticket,
            before=before,
            after={"survey": survey.pk, "level": survey.level, "comment": bool(survey.comment)},
            at=now,
        )
        policy = team_settings(survey.team_id)
        bad = survey.level is not None and survey.level <= policy.bad_level
        if comment and comment.strip():
            do_add_note(ticket, author=None, body=_comment_note(survey), at=now)
        if bad and before != survey.level:
            names = set(ticket.tags.values_list("name", flat=True))
            do_set_tags(ticket, names | {BAD_RATING_TAG}, actor=None, at=now)
        if bad or (comment and comment.strip()):
            from .tasks import route_survey_answer_task

            enqueue_on_commit(route_survey_answer_task, survey.pk)
    return survey, before


def _comment_note(survey: Survey) -> str:
    level = Level(survey.level).label if survey.level else "—"
    with translation.override(settings.LANGUAGE_CODE):  # system notes: the desk's language
        return _("Satisfaction survey (FB1): %(level)s. The customer's comment: %(comment)s") % {
            "level": level,
            "comment": survey.comment,
        }


def do_confirm_resolution(
    ticket: Ticket, *, source: str, recorded_by=None, note: str = "", now=None
) -> Confirmation:
    """TR5: the customer confirmed the solution suits them; stored on the ticket and the
    customer. A second confirmation of the same solving is not stored twice."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Confirmation.objects.select_for_update().filter(ticket=ticket, reopened_at=None).first()
        )
        if current is not None:
            return current
        confirmation = Confirmation.objects.create(
            ticket=ticket,
            customer_id=ticket.customer_id,
            source=source,
            recorded_by=recorded_by,
            note=truncate(clean_text(note).strip(), 500),
            confirmed_at=now,
        )
        record_event(
            RESOLUTION_CONFIRMED,
            ticket=ticket,
            actor=recorded_by,
            after={"confirmation": confirmation.pk, "source": source},
            at=now,
        )
    return confirmation


def check_confirm_resolution(ticket: Ticket, *, agent, note: str = "") -> Confirmation:
    """An agent records a confirmation given by phone or in person (one button)."""
    return do_confirm_resolution(ticket, source=Source.AGENT, recorded_by=agent, note=note)


def do_reopened(ticket: Ticket, *, at) -> Confirmation | None:
    """A confirmed ticket was reopened: mark the confirmation, record the event (badge)."""
    confirmation = Confirmation.objects.filter(
        ticket=ticket, reopened_at=None, confirmed_at__lte=at
    ).first()
    if confirmation is None:
        return None
    Confirmation.objects.filter(pk=confirmation.pk).update(reopened_at=at)
    confirmation.reopened_at = at
    record_event(
        RESOLUTION_REOPENED,
        ticket=ticket,
        after={"confirmation": confirmation.pk},
        at=at,
    )
    return confirmation


def is_reopened_after_confirmation(ticket: Ticket) -> bool:
    return (
        ticket.status in OPEN_STATUSES and ticket.confirmations.exclude(reopened_at=None).exists()
    )
