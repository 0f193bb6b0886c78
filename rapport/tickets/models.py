"""Tickets, their messages, notes and the event log (TR1, TR2, TR3).

The lifecycle and its allowed transitions are documented in docs/tickets.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.lib.channels import Channel


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)

# TR2: an explicit lifecycle. Solved and closed tickets can be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.SOLVED, Status.CLOSED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class SlaState(models.TextChoices):
    """The ticket's SLA clocks right now (rapport.sla): the worst running one wins."""

    NONE = "", _("No SLA")
    OK = "ok", _("On time")
    WARNING = "warning", _("Nearly due")
    BREACHED = "breached", _("Overdue")
    PAUSED = "paused", _("Paused")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """Tickets an agent may see: all for supervisors/admins, else those of their teams."""
        if user.sees_all_teams:
            return self
        return self.filter(team_id__in=user.team_ids)

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    """One problem of one customer, across every channel it was discussed on."""

    subject = models.CharField(_("subject"), max_length=255)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    channel = models.CharField(_("origin channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    # TR3: "if you were gone tomorrow, a colleague knows exactly where things stand".
    summary = models.TextField(_("current state / next step"), blank=True, max_length=2000)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Last activity (a message, a note or a change): the inbox sorts by it.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # SLA (rapport.sla, docs/sla.md): written only by rapport.sla.actions. The due times are
    # those of the running clocks (None while paused, stopped or without a target).
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due = models.DateTimeField(_("SLA due"), null=True, blank=True)  # the soonest of them
    # The next instant the breach scan must look at this ticket (a warning or a breach).
    sla_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SlaState.choices, blank=True, default=""
    )
    # RS3: the answer time told to the customer in the acknowledgement.
    promised_response_at = models.DateTimeField(_("answer promised by"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # Keyset pagination over every sort the inbox offers stays on an index.
            # No composite index leads with team: an agent sees team_id IN (their teams); with a
            # (team, updated_at) index SQLite reads every ticket of those teams and sorts them
            # (1.8 s for page 50 at a million tickets). Walking (updated_at, id) and
            # filtering by team stops after one page. See bench/README.md.
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            models.Index(fields=["assignee", "updated_at", "id"], name="ticket_assignee_updated"),
            models.Index(fields=["customer", "updated_at"], name="ticket_customer_updated"),
            # The waiting tickets: every saved view but "all". team is carried so the team
            # filter and the capped counts are answered from the index alone.
            models.Index(
                fields=["updated_at", "id", "team"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_open_updated",
            ),
            models.Index(
                fields=["assignee", "updated_at", "id"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_assignee_open_updated",
            ),
            # "Flagged customers": a few hundred flagged people, looked up one by one here
            # instead of reading every waiting ticket to match them.
            models.Index(
                fields=["customer", "updated_at"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_customer_open",
            ),
            # SLA: the breach scan reads only the range sla_check_at <= now; "due soonest"
            # pages by keyset over (sla_due, id). Both are null unless a clock runs, so these
            # partial indexes hold the running tickets only.
            models.Index(
                fields=["sla_check_at"],
                condition=Q(sla_check_at__isnull=False),
                name="ticket_sla_check",
            ),
            models.Index(
                fields=["sla_due", "id", "team"],
                condition=Q(sla_due__isnull=False),
                name="ticket_sla_due",
            ),
            models.Index(
                fields=["first_response_due"],
                condition=Q(first_response_due__isnull=False),
                name="ticket_first_response_due",
            ),
            models.Index(
                fields=["next_response_due"],
                condition=Q(next_response_due__isnull=False),
                name="ticket_next_response_due",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=Q(resolution_due__isnull=False),
                name="ticket_resolution_due",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_become(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class Participant(models.Model):
    """Someone else on the conversation (an e-mail Cc): their replies join this ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="participations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "customer"], name="participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer} on {self.ticket_id}"


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        help_text=_("The agent who wrote an outgoing message."),
    )
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text=_("Sanitised (allow-list) HTML."))
    # E-mail: the quoted history and mail-client signature, kept out of the displayed body.
    body_quoted = models.TextField(blank=True)
    # "" for a person's message; "auto-reply" / "list" (inbound), "ack" (our acknowledgement).
    auto = models.CharField(max_length=16, blank=True)
    # The coach's reading (rapport.coach): of a customer's message — language, mood, signals,
    # questions; of an agent's reply — present labels, findings, score. Null until analysed.
    analysis = models.JSONField(null=True, blank=True)
    # Unique per channel so that a message delivered twice is stored once.
    external_id = models.CharField(max_length=255, blank=True)
    split_from = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_external_id_unique_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            models.Index(fields=["customer", "created_at"], name="message_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Note(models.Model):
    """An internal note: seen by the team, never by the customer (TR3)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=20000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="note_ticket_created")]

    def __str__(self) -> str:
        return f"Note #{self.pk}"


class EventKind(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    MESSAGE_RECEIVED = "message.received", _("Message received")
    MESSAGE_SENT = "message.sent", _("Reply sent")
    NOTE_ADDED = "note.added", _("Note added")
    STATUS = "ticket.status", _("Status changed")
    PRIORITY = "ticket.priority", _("Priority changed")
    ASSIGNEE = "ticket.assignee", _("Assignee changed")
    TEAM = "ticket.team", _("Team changed")
    TAGS = "ticket.tags", _("Tags changed")
    SUMMARY = "ticket.summary", _("Summary changed")
    SUBJECT = "ticket.subject", _("Subject changed")
    MERGED = "ticket.merged", _("Ticket merged")
    DELIVERY_FAILED = "delivery.failed", _("Delivery failed")
    SPLIT = "ticket.split", _("Message split into a new ticket")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")
    CUSTOMER_FLAGGED = "customer.flagged", _("Customer flagged")
    CUSTOMER_UNFLAGGED = "customer.unflagged", _("Flag cleared")
    CUSTOMER_MERGED = "customer.merged", _("Customer profiles merged")
    SLA_WARNING = "sla.warning", _("SLA nearly due")
    SLA_BREACH = "sla.breach", _("SLA breached")
    # Recorded by other apps (rapport.feedback, rapport.approvals): named here so that the
    # timeline, the API and the webhooks show them by name.
    SURVEY_SENT = "survey.sent", _("Satisfaction survey sent")
    SURVEY_ANSWERED = "survey.answered", _("Satisfaction survey answered")
    RESOLUTION_CONFIRMED = "resolution.confirmed", _("Customer confirmed the solution")
    RESOLUTION_REOPENED = "resolution.reopened", _("Reopened after the customer confirmed")
    GRANT_RECORDED = "grant.granted", _("Refund or gift granted")
    APPROVAL_REQUESTED = "approval.requested", _("Approval requested")
    APPROVAL_DECIDED = "approval.decided", _("Approval decided")
    # rapport.sideconv (MG6): a thread with another team or department beside the ticket,
    # never shown to the customer (docs/side-conversations.md).
    SIDE_OPENED = "side.opened", _("Side conversation opened")
    SIDE_MESSAGE = "side.message", _("Side conversation message")
    SIDE_CLOSED = "side.closed", _("Side conversation closed")


class Event(models.Model):
    """The audit trail (TR2): who changed what, when, from what to what."""

    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            models.Index(fields=["customer", "created_at"], name="event_customer_created"),
            # A customer's profile history (events with no ticket). Without it SQLite takes
            # event_ticket_created for "ticket_id IS NULL" and reads every such event of
            # every customer (0.4 s at a million tickets).
            models.Index(
                fields=["customer", "created_at"],
                condition=Q(ticket__isnull=True),
                name="event_customer_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class CoachRules(models.Model):
    """The organisation's rule book for the coach (MG2): which checks apply, their weights and
    severities, its jargon and its own required/forbidden phrases. One row; edited by
    supervisors and admins at /coach/rules/. Validated by rapport.coach.RuleBook."""

    rules = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("coach rule book")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class SavedSearch(models.Model):
    """A search (the query language of docs/search.md) saved as an inbox view (issue #7.5):
    private to its owner, or shared with one team. Listing its tickets goes through the search
    index and the inbox's permission rule (rapport.tickets.saved_searches)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("search"), max_length=500)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("shared with team"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def view_key(self) -> str:
        """Its key among the inbox views (?view=s12)."""
        return f"s{self.pk}"
