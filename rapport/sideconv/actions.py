"""Side conversations (MG6, seed 001: "information must be gathered from another department").
See docs/side-conversations.md.

    check_open(ticket, actor=…, kind=…, …)  → a side conversation with its first message
    check_post(conversation, author=…, body=…) → a message in it (e-mailed when it is by e-mail)
    do_file_email_reply(token, mail, raw)     → an e-mailed answer (from intake, rapport.mail)
    do_close / do_reopen

Every change is an event on the ticket (side.opened, side.message, side.closed): the ticket's
history shows that the other department was asked and answered, without the text.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.customers.models import Identity
from rapport.lib.text import clean_text, truncate
from rapport.notify.actions import do_notify
from rapport.tickets.events import record_event
from rapport.tickets.models import EventKind, Ticket

from .models import Department, Direction, Kind, SideConversation, SideMessage, State

MAX_BODY = 50_000


def can_see_ticket(user, conversation: SideConversation) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=conversation.ticket_id).exists()


def _event(conversation: SideConversation, kind: str, *, actor=None, **after) -> None:
    # The event names the side conversation and who it is with, never its text: the ticket's
    # history is read by integrations (the API's events) too.
    record_event(
        kind,
        ticket=conversation.ticket,
        actor=actor,
        after={"side": conversation.pk, "with": conversation.with_whom, **after},
    )


def _team_members(team: Team | None, *, exclude=None) -> list[User]:
    if team is None:
        return []
    members = team.members.filter(is_active=True)
    if exclude is not None and getattr(exclude, "pk", None):
        members = members.exclude(pk=exclude.pk)
    return list(members)


def _askers(conversation: SideConversation, *, exclude=None) -> list[User]:
    """Who waits for the answer: the agent who asked and the ticket's assignee."""
    people = [conversation.created_by, conversation.ticket.assignee]
    return [p for p in people if p is not None and (exclude is None or p.pk != exclude.pk)]


def _direction(conversation: SideConversation, author) -> str:
    """An addressed team's member answers; everyone else (the ticket's agents, a supervisor)
    asks."""
    if (
        conversation.kind == Kind.TEAM
        and author is not None
        and conversation.team_id in author.team_ids
        and conversation.ticket.team_id not in author.team_ids
    ):
        return Direction.ANSWERED
    return Direction.ASKED


def _clean(body: str) -> str:
    body = truncate(clean_text(body or "").strip(), MAX_BODY)
    if not body:
        raise ValidationError(_("Write what you want to ask or answer."), code="empty")
    return body


def check_open(
    ticket: Ticket,
    *,
    actor,
    kind: str,
    body: str,
    subject: str = "",
    team: Team | None = None,
    department: Department | None = None,
    address: str = "",
) -> SideConversation:
    """Validate and open a side conversation on `ticket` (the caller checked the actor may see
    the ticket). By e-mail, the address must not reach the customer: it is refused when it is
    one of the ticket's customer's or participants' addresses, or the desk's own mailbox."""
    from rapport.mail.models import Mailbox

    body = _clean(body)
    subject = truncate(clean_text(subject or "").strip(), 200) or ticket.subject
    if ticket.merged_into_id:
        raise ValidationError(_("This ticket was merged: open it on the ticket it went into."))
    mailbox = None
    if kind == Kind.TEAM:
        if team is None:
            raise ValidationError(_("Choose the team to ask."), code="team")
        if team.pk == ticket.team_id:
            raise ValidationError(
                _("That is the ticket's own team: add an internal note instead."), code="team"
            )
        address, department = "", None
    elif kind == Kind.EMAIL:
        address = (address or (department.email if department else "")).strip().lower()
        if not address or "@" not in address:
            raise ValidationError(_("Give the e-mail address to write to."), code="address")
        customers = [ticket.customer_id, *ticket.participants.values_list("customer_id", flat=True)]
        if Identity.objects.filter(kind="email", value=address, customer_id__in=customers).exists():
            raise ValidationError(
                _(
                    "That is the customer's own address: a side conversation is never seen by "
                    "the customer. Reply on the ticket instead."
                ),
                code="customer",
            )
        if Mailbox.objects.filter(address__iexact=address).exists():
            raise ValidationError(
                _("That is one of the desk's own mailboxes: ask its team instead."),
                code="own",
            )
        mailbox = _sending_mailbox(ticket)
        if mailbox is None:
            raise ValidationError(
                _("No mailbox can send e-mail (an SMTP server is needed): ask a team instead."),
                code="mailbox",
            )
        team = None
    else:
        raise ValidationError(_("Choose whom to ask."), code="kind")
    return do_open(
        ticket,
        actor=actor,
        kind=kind,
        subject=subject,
        body=body,
        team=team,
        department=department,
        address=address,
        mailbox=mailbox,
    )


def _sending_mailbox(ticket: Ticket):
    """The mailbox the customer's e-mail goes out from when it can send, else the ticket's
    team's, else any that can (the reply comes back to it and is filed by its token)."""
    from rapport.mail.models import Mailbox
    from rapport.mail.outbound import mailbox_for

    mailbox = mailbox_for(ticket)
    if mailbox is not None and mailbox.smtp_host:
        return mailbox
    sending = Mailbox.objects.filter(is_active=True).exclude(smtp_host="")
    return sending.filter(team_id=ticket.team_id).first() or sending.order_by("id").first()


@transaction.atomic
def do_open(
    ticket: Ticket,
    *,
    actor,
    kind: str,
    subject: str,
    body: str,
    team: Team | None = None,
    department: Department | None = None,
    address: str = "",
    mailbox=None,
) -> SideConversation:
    conversation = SideConversation.objects.create(
        ticket=ticket,
        kind=kind,
        subject=subject,
        team=team,
        department=department,
        address=address,
        mailbox=mailbox,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _event(conversation, EventKind.SIDE_OPENED, actor=actor)
    do_post(conversation, author=actor, body=body, opening=True)
    return conversation


def check_post(conversation: SideConversation, *, author, body: str) -> SideMessage:
    return do_post(conversation, author=author, body=_clean(body))


@transaction.atomic
def do_post(
    conversation: SideConversation, *, author, body: str, opening: bool = False
) -> SideMessage:
    """A message written in Rapport. By e-mail it is queued to the outside address; to a
    team, its members are notified (and the asking agents when the team answers). Writing in
    a closed side conversation opens it again."""
    direction = _direction(conversation, author)
    message = SideMessage.objects.create(
        conversation=conversation, direction=direction, author=author, body_text=body
    )
    if conversation.kind == Kind.EMAIL:
        from .mail import do_queue

        do_queue(message)
    _touch(conversation, actor=author)
    _event(conversation, EventKind.SIDE_MESSAGE, actor=author, direction=direction)
    ticket_ref = conversation.ticket_id
    if direction == Direction.ASKED and conversation.kind == Kind.TEAM:
        asker = author.display_name if author else _("An agent")
        do_notify(
            _team_members(conversation.team, exclude=author),
            lambda: (
                (
                    _("%(agent)s asks %(team)s: %(subject)s")
                    if opening
                    else _("%(agent)s wrote again to %(team)s: %(subject)s")
                )
                % {"agent": asker, "team": conversation.team.name, "subject": conversation.subject}
            ),
            dedupe_key=f"side:{conversation.pk}:{message.pk}",
        )
    elif direction == Direction.ANSWERED:
        do_notify(
            _askers(conversation, exclude=author),
            lambda: (
                _("%(who)s answered the side conversation on #%(n)s: %(subject)s")
                % {"who": message.who, "n": ticket_ref, "subject": conversation.subject}
            ),
            ticket=conversation.ticket,
            dedupe_key=f"side:{conversation.pk}:{message.pk}",
        )
    return message


def _touch(conversation: SideConversation, *, actor=None) -> None:
    conversation.updated_at = timezone.now()
    fields = ["updated_at"]
    if conversation.state == State.CLOSED:
        conversation.state, conversation.closed_at = State.OPEN, None
        fields += ["state", "closed_at"]
        _event(conversation, EventKind.SIDE_OPENED, actor=actor, reopened=True)
    conversation.save(update_fields=fields)


def do_file_email_reply(token: str, mail, raw_external_id: str) -> str:
    """An answer e-mailed to a side conversation (inside intake's processing transaction, by
    rapport.sideconv.mail.claim): stored in it, never on the customer's ticket. Returns the
    reason intake records on the stored raw message."""
    from rapport.intake.models import InboundRaw
    from rapport.mail.quotes import split_reply

    # Locked: two answers filed at once both reopen and touch it. Only its own row (PostgreSQL
    # refuses FOR UPDATE on the nullable side of the joins: assignee, department).
    conversation = (
        SideConversation.objects.select_for_update(of=("self",))
        .select_related("ticket", "ticket__assignee", "created_by", "team", "department")
        .get(token=token)
    )
    if mail.message_id and SideMessage.objects.filter(external_id=mail.message_id).exists():
        return f"Already filed in side conversation {conversation.pk}."
    reply, quoted = split_reply(mail.text)
    notes = list(mail.notes)
    if mail.attachments:
        names = ", ".join(a.filename or "—" for a in mail.attachments[:20])
        notes.append(_("Attachments (in the original message): %(names)s") % {"names": names})
    if notes:
        reply = "\n\n".join([reply, *(f"[{note}]" for note in notes)]).strip()
    raw = InboundRaw.objects.filter(channel="email", external_id=raw_external_id).first()
    message = SideMessage.objects.create(
        conversation=conversation,
        direction=Direction.ANSWERED,
        sender=(mail.from_addr or "")[:254],
        sender_name=truncate(mail.from_name or "", 200),
        body_text=truncate(reply or "—", MAX_BODY),
        body_quoted=truncate(quoted, MAX_BODY),
        auto="auto-reply" if mail.auto == "auto-reply" else "",
        external_id=(mail.message_id or "")[:255],
        inbound_raw=raw,
    )
    if message.auto:  # an out-of-office: kept, but it neither reopens nor notifies
        conversation.updated_at = timezone.now()
        conversation.save(update_fields=["updated_at"])
    else:
        _touch(conversation)
        _event(conversation, EventKind.SIDE_MESSAGE, direction=Direction.ANSWERED)
        do_notify(
            _askers(conversation),
            lambda: (
                _("%(who)s answered the side conversation on #%(n)s: %(subject)s")
                % {"who": message.who, "n": conversation.ticket_id, "subject": conversation.subject}
            ),
            ticket=conversation.ticket,
            dedupe_key=f"side:{conversation.pk}:{message.pk}",
        )
    return (
        f"Answer in side conversation {conversation.pk} on ticket {conversation.ticket_id} "
        f"(from {mail.from_addr}): not a customer's message."
    )


@transaction.atomic
def do_close(conversation: SideConversation, *, actor) -> None:
    if conversation.state == State.CLOSED:
        return
    conversation.state, conversation.closed_at = State.CLOSED, timezone.now()
    conversation.save(update_fields=["state", "closed_at"])
    _event(conversation, EventKind.SIDE_CLOSED, actor=actor)


@transaction.atomic
def do_reopen(conversation: SideConversation, *, actor) -> None:
    if conversation.state == State.OPEN:
        return
    _touch(conversation, actor=actor)


def asked_of(user):
    """Side conversations addressed to the user's teams (the list page), open first."""
    return (
        SideConversation.objects.filter(kind=Kind.TEAM, team_id__in=user.team_ids)
        .select_related("team", "created_by")
        .order_by("-state", "-updated_at", "-id")
    )


def opened_by(user):
    return (
        SideConversation.objects.filter(Q(created_by=user))
        .select_related("team", "department")
        .order_by("-state", "-updated_at", "-id")
    )
