"""Side conversations (MG6) and the company's departments (CH8). See
docs/side-conversations.md and docs/internal-customers.md.

A side conversation is a thread beside a customer's ticket with another team of the desk (they
answer in the app) or with someone outside it by e-mail (a warehouse, the legal department, a
supplier). It lives in its own tables, never in the ticket's messages or notes: the portal, the
customer's e-mails, the API's messages and every export read those, so none of them can show
it to the customer.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    # 12 URL-safe characters (72 bits): a reply is filed by it, so it must not be guessable.
    return secrets.token_urlsafe(9)


class Department(models.Model):
    """Another department of our own company (finance, the warehouse, legal): the people who
    write to the desk from its addresses are internal customers (CH8), and side conversations
    can be addressed to it by e-mail (MG6)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(
        _("address for side conversations"),
        blank=True,
        help_text=_("Where a side conversation with this department is sent."),
    )
    domains = models.TextField(
        _("its people's e-mail domains and addresses"),
        blank=True,
        help_text=_(
            "One per line or comma-separated: example.com, warehouse.example.com or "
            "anna@example.com. Whoever writes in from them becomes an internal customer of "
            "this department; the most specific entry wins."
        ),
    )
    # Its people's organisation on their customer profiles: an internal customer's
    # organisation is their department (filters, SLA policies by organisation, the card).
    organisation = models.OneToOneField(
        "customers.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="department",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def entries(self) -> list[str]:
        """The domains and addresses, normalised (lower case, no "@" in front of a domain)."""
        raw = self.domains.replace(",", "\n").replace(";", "\n").split()
        return sorted({e.strip().lower().lstrip("@") for e in raw if e.strip(" @")})


class Kind(models.TextChoices):
    TEAM = "team", _("Another team (answers in Rapport)")
    EMAIL = "email", _("By e-mail (a department or person outside the desk)")


class State(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SideConversationQuerySet(models.QuerySet):
    def visible_to(self, user) -> SideConversationQuerySet:
        """Side conversations an agent may read: those on tickets they may see, and those
        addressed to one of their teams (whose ticket they may not see)."""
        if user.sees_all_teams:
            return self
        from rapport.tickets.models import Ticket

        teams = user.team_ids
        return self.filter(
            Q(ticket__in=Ticket.objects.visible_to(user).values("pk")) | Q(team_id__in=teams)
        )


class SideConversation(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="side_conversations"
    )
    kind = models.CharField(_("with"), max_length=8, choices=Kind.choices)
    # What the other side sees as its title (the ticket's subject unless the agent changed it:
    # they may not see the ticket, so the agent decides what to share).
    subject = models.CharField(_("subject"), max_length=255)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="side_conversations",
        verbose_name=_("team"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="side_conversations",
        verbose_name=_("department"),
    )
    address = models.EmailField(_("e-mail address"), blank=True)
    # The side conversation's own thread token: in the subject ("[Side#…]") and in every
    # Message-ID we send, distinct from the customer's "[Ticket#n]".
    token = models.CharField(max_length=24, unique=True, default=_token, editable=False)
    mailbox = models.ForeignKey(
        "mail.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SideConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="side_ticket"),
            # "Asked of my teams" (the list page): the open ones of a few teams.
            models.Index(
                fields=["team", "updated_at"], condition=Q(state="open"), name="side_team_open"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="team", team__isnull=False) | Q(kind="email") & ~Q(address="")),
                name="side_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.with_whom})"

    @property
    def is_open(self) -> bool:
        return self.state == State.OPEN

    @property
    def with_whom(self) -> str:
        if self.kind == Kind.TEAM:
            return self.team.name if self.team_id else "—"
        if self.department_id:
            return f"{self.department.name} <{self.address}>"
        return self.address


class Direction(models.TextChoices):
    ASKED = "asked", _("From the ticket's side")
    ANSWERED = "answered", _("From the other side")


class DeliveryState(models.TextChoices):
    """An e-mail to the outside side's address; the outbox's states (rapport.outbox)."""

    NONE = "", _("Not sent by e-mail")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SideMessage(models.Model):
    conversation = models.ForeignKey(
        SideConversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An answer by e-mail: who wrote it (not a customer: no profile is made for them).
    sender = models.CharField(max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(max_length=50000)
    body_quoted = models.TextField(blank=True)
    auto = models.CharField(max_length=16, blank=True)  # "auto-reply": an out-of-office
    # E-mail: its Message-ID (ours when sent, theirs when received).
    external_id = models.CharField(max_length=255, blank=True)
    inbound_raw = models.OneToOneField(
        "intake.InboundRaw", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Sending by e-mail, as the outbox does it (rapport.outbox): built once (`raw`, so a retry
    # sends the same bytes with the same Message-ID), retried with back-off, never sent twice
    # behind anyone's back. The outbox's Delivery belongs to a ticket's customer message, which
    # this must never be (docs/side-conversations.md).
    delivery_state = models.CharField(
        max_length=8, choices=DeliveryState.choices, blank=True, default=DeliveryState.NONE
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    raw = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivery_state="queued"),
                name="side_delivery_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="side_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"Side message #{self.pk}"

    @property
    def who(self) -> str:
        if self.author_id:
            return self.author.display_name
        return self.sender_name or self.sender

    def quote(self) -> str:
        """The answer as it goes into the customer reply: a short attribution, then its text."""
        lines = self.body_text.strip().splitlines()
        return "\n".join(f"> {line}" if line else ">" for line in lines)
