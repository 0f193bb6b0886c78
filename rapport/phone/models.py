"""Phone calls and walk-in visits (CH4, CH5, ES7, RS6). See docs/phone.md.

A CTI integration is one telephony system posting call events to Rapport; its token is shown
once and stored hashed. A Call is one phone conversation (logged by CTI, by hand, or both),
with the etiquette checklist an agent fills in (CH4, ES7). A Visit is one walk-in visitor at
the desk (CH5); a visit that needs follow-up carries the ticket intake opened for it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CtiIntegration(models.Model):
    """One telephony system (PBX, cloud phone service) that posts call events to Rapport."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="cti_integrations",
        verbose_name=_("team"),
        help_text=_(
            "Calls from this system land in this team; its agents see the caller's card when "
            "no extension names one agent."
        ),
    )
    token_hash = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Counters for the admin (bad input is refused with a reason and counted).
    events_accepted = models.PositiveIntegerField(_("events accepted"), default=0, editable=False)
    events_rejected = models.PositiveIntegerField(_("events rejected"), default=0, editable=False)
    last_rejection = models.CharField(
        _("last rejection"), max_length=300, blank=True, editable=False
    )
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CTI integration")
        verbose_name_plural = _("CTI integrations")

    def __str__(self) -> str:
        return self.name

    def new_token(self) -> str:
        """Set a fresh token and return it: the only time it exists in clear."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

    def token_matches(self, token: str) -> bool:
        if not token or not self.token_hash:
            return False
        return hmac.compare_digest(hash_token(token), self.token_hash)


class Extension(models.Model):
    """An extension or direct number of the phone system, and the agent who answers it."""

    integration = models.ForeignKey(
        CtiIntegration, on_delete=models.CASCADE, related_name="extensions"
    )
    extension = models.CharField(
        _("extension or number"),
        max_length=32,
        help_text=_("As the phone system sends it in 'agent' or 'to'."),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )

    class Meta:
        ordering = ["extension"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "extension"], name="phone_extension_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.extension} → {self.agent}"


class CtiEvent(models.Model):
    """Each event a phone system posted, once per (call, event): a retried post is a duplicate."""

    integration = models.ForeignKey(CtiIntegration, on_delete=models.CASCADE, related_name="+")
    call_id = models.CharField(max_length=128)
    event = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "call_id", "event"], name="phone_cti_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.event}"


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Incoming")
    OUTBOUND = "outbound", _("Outgoing")


class CallOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    CALLBACK = "callback", _("Callback needed")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail")
    TRANSFERRED = "transferred", _("Transferred")
    FOLLOW_UP = "follow_up", _("Follow-up by other means")
    OTHER = "other", _("Other")


class Call(models.Model):
    """One phone conversation: from the CTI events, the agent's log form, or both."""

    integration = models.ForeignKey(
        CtiIntegration, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    call_id = models.CharField(_("call id"), max_length=128, blank=True)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=CallDirection.choices,
        default=CallDirection.INBOUND,
    )
    from_number = models.CharField(_("from"), max_length=64, blank=True)
    to_number = models.CharField(_("to"), max_length=64, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("agent"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("customer"),
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    recording_url = models.URLField(_("recording"), blank=True, max_length=1000)
    # The etiquette checklist (CH4, ES7), as the agent reports it; None = not reported (or,
    # for hold/transfer, the caller was neither put on hold nor transferred).
    greeted = models.BooleanField(_("greeted and introduced self"), null=True, blank=True)
    asked_before_hold = models.BooleanField(
        _("asked permission before hold or transfer"), null=True, blank=True
    )
    thanked = models.BooleanField(_("thanked the caller"), null=True, blank=True)
    checklist_at = models.DateTimeField(null=True, blank=True)
    callback = models.ForeignKey(
        "promises.Promise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "call_id"],
                condition=~Q(call_id=""),
                name="phone_call_once",
            )
        ]
        indexes = [
            models.Index(fields=["team", "started_at"], name="phone_call_team"),
            models.Index(fields=["customer", "started_at"], name="phone_call_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.customer_number}"

    @property
    def customer_number(self) -> str:
        return self.from_number if self.direction == CallDirection.INBOUND else self.to_number

    @property
    def answered_after(self) -> int | None:
        """Seconds the caller waited before someone answered (CH4: answer quickly)."""
        if self.answered_at is None or self.integration_id is None:
            return None
        return max(0, int((self.answered_at - self.started_at).total_seconds()))


class VisitOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved on the spot")
    INFORMED = "informed", _("Information given")
    REFERRED = "referred", _("Referred elsewhere")
    FOLLOW_UP = "follow_up", _("Needs follow-up")


class Visit(models.Model):
    """A walk-in visitor at the desk (CH5), logged in seconds; anonymous if they prefer."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="visits"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name=_("customer"),
    )
    visitor_name = models.CharField(_("visitor"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["team", "created_at"], name="phone_visit_team")]

    def __str__(self) -> str:
        return self.topic
