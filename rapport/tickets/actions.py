"""Every change of ticket state goes through here (house style: `do_x` changes, `check_x`
validates then calls `do_x`). Each action records its Event (TR2) and bumps `updated_at`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.agents.assignment import assigning_team_ids
from rapport.agents.guard import closing_needs_confirmation
from rapport.agents.tasks import auto_assign_task
from rapport.jobs.enqueue import enqueue_on_commit
from rapport.lib.text import clean_text, html_to_text, sanitise_html, truncate
from rapport.outbox.actions import do_queue
from rapport.sla import actions as sla

from .coaching import do_review_sent
from .events import record_event
from .models import (
    OPEN_STATUSES,
    Attachment,
    Direction,
    EventKind,
    Message,
    Note,
    Status,
    Tag,
    Ticket,
)


def _touch(ticket: Ticket, at=None) -> None:
    """Record activity at `at`; last activity only moves forward (late deliveries exist)."""
    at = at or timezone.now()
    if at <= ticket.updated_at:
        # Last activity only moves forward, in memory as in the table: nothing to write.
        return
    ticket.updated_at = at
    Ticket.objects.filter(pk=ticket.pk, updated_at__lt=at).update(updated_at=at)


def default_team() -> Team | None:
    return Team.objects.filter(is_default=True).first() or Team.objects.order_by("id").first()


# --- creating tickets and messages ------------------------------------------------------------


def do_create_ticket(
    *,
    customer,
    subject: str,
    channel: str,
    actor: User | None = None,
    team: Team | None = None,
    priority: int | None = None,
    at=None,
) -> Ticket:
    at = at or timezone.now()
    ticket = Ticket.objects.create(
        customer=customer,
        subject=truncate(clean_text(subject).replace("\n", " ").strip(), 255) or _("(no subject)"),
        channel=channel,
        team=team or default_team(),
        created_at=at,
        updated_at=at,
        **({"priority": priority} if priority else {}),
    )
    record_event(
        EventKind.TICKET_CREATED, ticket=ticket, actor=actor, after={"channel": channel}, at=at
    )
    sla.on_ticket_created(ticket, at)  # RS1: its SLA clocks start
    if ticket.team_id in assigning_team_ids():  # by the team's mode (rapport.agents)
        enqueue_on_commit(auto_assign_task, ticket.pk)
    return ticket


def do_add_inbound_message(
    ticket: Ticket,
    *,
    customer,
    channel: str,
    body_text: str,
    body_html: str = "",
    body_quoted: str = "",
    subject: str = "",
    external_id: str = "",
    auto: str = "",
    at=None,
) -> Message:
    """Attach a customer's message to a ticket; a customer writing back reopens it (an
    automatic message — out-of-office, mailing list — is kept but changes no status)."""
    at = at or timezone.now()
    body_html = sanitise_html(body_html)
    # The texts as stored here are the ones search.indexing.warm_inbound_message analyses
    # ahead of the intake transaction: change both together.
    body_text = clean_text(body_text) or html_to_text(body_html)
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.IN,
        channel=channel,
        customer=customer,
        subject=truncate(clean_text(subject), 255),
        body_text=body_text,
        body_html=body_html,
        body_quoted=clean_text(body_quoted),
        external_id=external_id,
        auto=auto,
        created_at=at,
    )
    record_event(EventKind.MESSAGE_RECEIVED, ticket=ticket, after={"message": message.pk}, at=at)
    if ticket.status in (Status.PENDING, Status.SOLVED) and not auto:
        _set_status(ticket, Status.OPEN, actor=None, at=at)
    if not auto:
        sla.on_customer_message(ticket, at)  # it waits for an answer (next response)
    _touch(ticket, at)
    return message


@transaction.atomic
def do_reply(
    ticket: Ticket,
    *,
    author: User,
    body_text: str,
    status_after: str | None = None,
    at=None,
    deliver: bool = True,
    attachments: Iterable = (),
) -> Message:
    """An agent's reply to the customer, queued in the channel's outbox in the same
    transaction (`deliver=False` records a reply given elsewhere, e.g. imported history)."""
    at = at or timezone.now()
    body_text = clean_text(body_text).strip()
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUT,
        channel=ticket.channel,
        customer=ticket.customer,
        author=author,
        body_text=body_text,
        created_at=at,
    )
    for upload in attachments:
        Attachment.objects.create(
            message=message,
            file=upload,
            filename=upload.name[:255],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
        )
    record_event(
        EventKind.MESSAGE_SENT, ticket=ticket, actor=author, after={"message": message.pk}, at=at
    )
    do_review_sent(message)  # the coach's review, stored for reports (a few ms)
    if deliver:
        do_queue(message)
    if ticket.first_response_at is None:
        ticket.first_response_at = at
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=at)
    if ticket.assignee_id is None:
        _set_assignee(ticket, author, actor=author, at=at)
    sla.on_agent_reply(ticket, at)  # the response clocks stop
    target = status_after or (Status.OPEN if ticket.status == Status.NEW else None)
    if target and target != ticket.status:
        _set_status(ticket, target, actor=author, at=at)
    _touch(ticket, at)
    return message


def check_reply(
    ticket: Ticket,
    *,
    author: User,
    body_text: str,
    status_after: str | None = None,
    attachments: Iterable = (),
    confirm_unhappy: bool = False,
):
    if not (body_text or "").strip():
        raise ValidationError(_("A reply cannot be empty."), code="empty")
    if status_after and status_after != ticket.status and not ticket.can_become(status_after):
        raise ValidationError(_("This ticket cannot move to that status."), code="transition")
    if ticket.merged_into_id:
        raise ValidationError(_("This ticket was merged; reply on the ticket it was merged into."))
    _check_unhappy(ticket, status_after, confirm_unhappy)
    return do_reply(
        ticket,
        author=author,
        body_text=body_text,
        status_after=status_after,
        attachments=attachments,
    )


def do_add_note(ticket: Ticket, *, author: User, body: str, at=None) -> Note:
    at = at or timezone.now()
    note = Note.objects.create(
        ticket=ticket, author=author, body=clean_text(body).strip(), created_at=at
    )
    record_event(EventKind.NOTE_ADDED, ticket=ticket, actor=author, after={"note": note.pk}, at=at)
    _touch(ticket, at)
    return note


def check_add_note(ticket: Ticket, *, author: User, body: str) -> Note:
    if not (body or "").strip():
        raise ValidationError(_("A note cannot be empty."), code="empty")
    return do_add_note(ticket, author=author, body=body)


# --- changing fields ---------------------------------------------------------------------------


def _set_status(ticket: Ticket, status: str, *, actor, at) -> None:
    before = ticket.status
    ticket.status = status
    fields: dict = {"status": status}
    if status == Status.SOLVED:
        ticket.solved_at = fields["solved_at"] = at
    elif status == Status.CLOSED:
        ticket.closed_at = fields["closed_at"] = at
        if ticket.solved_at is None:
            ticket.solved_at = fields["solved_at"] = at
    elif status in OPEN_STATUSES and before in (Status.SOLVED, Status.CLOSED):
        ticket.solved_at = ticket.closed_at = None
        fields.update(solved_at=None, closed_at=None)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    record_event(EventKind.STATUS, ticket=ticket, actor=actor, before=before, after=status, at=at)
    sla.on_status_changed(ticket, before, status, at)  # pause, resume, stop, reopen
    if ticket.channel == "webchat":  # the chat widget asks the visitor for a rating (FB1)
        from rapport.webchat.transport import on_status_changed as chat_status_changed

        chat_status_changed(ticket, before, status)


def do_change_status(ticket: Ticket, status: str, *, actor: User | None, at=None) -> None:
    if status == ticket.status:
        return
    at = at or timezone.now()
    _set_status(ticket, status, actor=actor, at=at)
    _touch(ticket, at)


def _check_unhappy(ticket: Ticket, status: str | None, confirmed: bool) -> None:
    """CQ21: solving or closing over an unhappy customer needs an explicit confirmation."""
    if not confirmed and closing_needs_confirmation(ticket, status):
        raise ValidationError(
            _(
                "The customer's last message is unhappy. Confirm that you want to end the "
                "conversation anyway."
            ),
            code="unhappy_customer",
        )


def check_change_status(
    ticket: Ticket, status: str, *, actor: User, confirm_unhappy: bool = False
) -> None:
    if status not in Status.values:
        raise ValidationError(_("Unknown status."), code="invalid")
    if status != ticket.status and not ticket.can_become(status):
        raise ValidationError(
            _("A %(before)s ticket cannot become %(after)s.")
            % {"before": ticket.get_status_display(), "after": Status(status).label},
            code="transition",
        )
    _check_unhappy(ticket, status, confirm_unhappy)
    do_change_status(ticket, status, actor=actor)


def do_set_priority(ticket: Ticket, priority: int, *, actor: User | None, at=None) -> None:
    if priority == ticket.priority:
        return
    at = at or timezone.now()
    before, ticket.priority = ticket.priority, priority
    Ticket.objects.filter(pk=ticket.pk).update(priority=priority)
    record_event(
        EventKind.PRIORITY, ticket=ticket, actor=actor, before=before, after=priority, at=at
    )
    sla.on_ticket_changed(ticket, at)  # another policy may apply: re-target
    _touch(ticket, at)


def _set_assignee(ticket: Ticket, assignee: User | None, *, actor, at) -> None:
    before = ticket.assignee.display_name if ticket.assignee else None
    ticket.assignee = assignee
    Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
    record_event(
        EventKind.ASSIGNEE,
        ticket=ticket,
        actor=actor,
        before=before,
        after=assignee.display_name if assignee else None,
        at=at,
    )


def do_assign(
    ticket: Ticket, *, team: Team | None, assignee: User | None, actor: User | None, at=None
) -> None:
    """Move a ticket to a team and/or agent. Reassignment keeps the full history (TR1)."""
    at = at or timezone.now()
    changed = False
    if team is not None and team.pk != ticket.team_id:
        before = ticket.team.name if ticket.team else None
        ticket.team = team
        Ticket.objects.filter(pk=ticket.pk).update(team=team)
        record_event(
            EventKind.TEAM, ticket=ticket, actor=actor, before=before, after=team.name, at=at
        )
        sla.on_ticket_changed(ticket, at)  # the new team's calendar (and policy)
        changed = True
    if assignee != ticket.assignee:
        _set_assignee(ticket, assignee, actor=actor, at=at)
        changed = True
    if changed:
        _touch(ticket, at)


def check_assign(ticket: Ticket, *, team: Team | None, assignee: User | None, actor: User) -> None:
    team = team or ticket.team
    if not actor.sees_all_teams and team is not None and team.pk not in actor.team_ids:
        raise PermissionDenied(_("You can only move tickets to your own teams."))
    if assignee is not None and team is not None and not assignee.teams.filter(pk=team.pk).exists():
        raise ValidationError(
            _("%(agent)s is not a member of %(team)s.")
            % {"agent": assignee.display_name, "team": team.name},
            code="not_member",
        )
    do_assign(ticket, team=team, assignee=assignee, actor=actor)


def do_set_tags(ticket: Ticket, names: Iterable[str], *, actor: User | None, at=None) -> None:
    at = at or timezone.now()
    wanted = sorted({clean_text(n).strip().lower()[:50] for n in names if n and n.strip()})
    before = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == before:
        return
    tags = [Tag.objects.get_or_create(name=name)[0] for name in wanted]
    ticket.tags.set(tags)
    record_event(EventKind.TAGS, ticket=ticket, actor=actor, before=before, after=wanted, at=at)
    _touch(ticket, at)


def do_set_summary(ticket: Ticket, summary: str, *, actor: User | None, at=None) -> None:
    summary = clean_text(summary).strip()
    if summary == ticket.summary:
        return
    at = at or timezone.now()
    before, ticket.summary = ticket.summary, summary
    Ticket.objects.filter(pk=ticket.pk).update(summary=summary)
    record_event(EventKind.SUMMARY, ticket=ticket, actor=actor, before=before, after=summary, at=at)
    _touch(ticket, at)


# --- merge and split -------------------------------------------------------------------------


@transaction.atomic
def do_merge_tickets(source: Ticket, target: Ticket, *, actor: User | None) -> Ticket:
    """Fold `source` into `target`: its messages, notes and tags move; it is closed and points
    at `target`, so later replies to it thread onto `target`."""
    at = timezone.now()
    moved_messages = Message.objects.filter(ticket=source).update(ticket=target)
    Note.objects.filter(ticket=source).update(ticket=target)
    target.tags.add(*source.tags.all())
    if source.first_response_at and (
        target.first_response_at is None or source.first_response_at < target.first_response_at
    ):
        target.first_response_at = source.first_response_at
        Ticket.objects.filter(pk=target.pk).update(first_response_at=source.first_response_at)
    if source.created_at < target.created_at:
        Ticket.objects.filter(pk=target.pk).update(created_at=source.created_at)
        target.created_at = source.created_at
    Ticket.objects.filter(pk=source.pk).update(merged_into=target)
    source.merged_into = target
    source_was_open = source.status in OPEN_STATUSES
    if source.status != Status.CLOSED:
        _set_status(source, Status.CLOSED, actor=actor, at=at)
    record_event(EventKind.MERGED, ticket=source, actor=actor, after={"into": target.pk}, at=at)
    record_event(
        EventKind.MERGED,
        ticket=target,
        actor=actor,
        after={"from": source.pk, "messages": moved_messages},
        at=at,
    )
    if target.status in (Status.SOLVED, Status.CLOSED) and source_was_open:
        _set_status(target, Status.OPEN, actor=actor, at=at)
    sla.on_merged(source, target, at)  # a message waiting on the source waits on the target
    _touch(source, at)
    _touch(target, at)
    return target


def check_merge_tickets(source: Ticket, target: Ticket, *, actor: User) -> Ticket:
    if source.pk == target.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."), code="same")
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("That ticket was already merged."), code="merged")
    if source.customer_id != target.customer_id:
        raise ValidationError(
            _("Only tickets of the same customer can be merged; merge the customers first."),
            code="other_customer",
        )
    return do_merge_tickets(source, target, actor=actor)


@transaction.atomic
def do_split_message(message: Message, *, actor: User | None, subject: str = "") -> Ticket:
    """Move one message into a ticket of its own (one ticket per problem)."""
    source = message.ticket
    at = timezone.now()
    ticket = do_create_ticket(
        customer=message.customer,
        subject=subject or message.subject or message.body_text[:80],
        channel=message.channel,
        actor=actor,
        team=source.team,
        priority=source.priority,
        at=at,
    )
    Message.objects.filter(pk=message.pk).update(ticket=ticket, split_from=source)
    message.ticket, message.split_from = ticket, source
    if ticket.status == Status.NEW and message.direction == Direction.IN:
        _set_status(ticket, Status.OPEN, actor=actor, at=at)
    record_event(
        EventKind.SPLIT,
        ticket=source,
        actor=actor,
        after={"message": message.pk, "ticket": ticket.pk},
        at=at,
    )
    record_event(
        EventKind.SPLIT,
        ticket=ticket,
        actor=actor,
        after={"message": message.pk, "from": source.pk},
        at=at,
    )
    _touch(source, at)
    return ticket


def check_split_message(message: Message, *, actor: User, subject: str = "") -> Ticket:
    if message.ticket.messages.count() < 2:
        raise ValidationError(_("The ticket's only message cannot be split off."), code="only")
    return do_split_message(message, actor=actor, subject=subject)
