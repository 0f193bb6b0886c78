"""Follow-ups, greetings, thank-you notes, consent and purchases (FB3, FB7, RS5, TR5, TR6).

See docs/followups.md. Everything that goes out is a `FollowUp` row first: the calendar shows
it, an agent may edit or cancel it, and the periodic sender turns it into a message (through
the outbox) or a task (a promise) exactly once.
"""

from __future__ import annotations

import re
import secrets
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import TIME_ZONE_CHOICES

# --- consent -------------------------------------------------------------------------------------


class Purpose(models.TextChoices):
    CHECK_IN = "check_in", _("Check-ins after a ticket or a purchase")
    GREETING = "greeting", _("Birthday and anniversary greetings")
    THANK_YOU = "thank_you", _("Thank-you notes")


# Greetings are not part of any conversation the customer started: nothing goes out without
# their recorded consent. Check-ins and thank-you notes follow a contact the customer had with
# us; they go out unless the customer opted out (docs/followups.md, "Consent").
OPT_IN_PURPOSES = frozenset({Purpose.GREETING})


class ConsentSource(models.TextChoices):
    AGENT = "agent", _("Recorded by an agent (call, visit, message)")
    FORM = "form", _("Signed form or contract")
    IMPORT = "import", _("Imported")
    LINK = "link", _("Opt-out link in a message")


class Consent(models.Model):
    """One statement of the customer's will for one purpose. The newest one counts; the older
    ones stay as the history (who recorded what, when, from which source)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="followup_consents"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=16, choices=ConsentSource.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-created_at"])]

    def __str__(self) -> str:
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_purpose_display()}: {state} ({self.created_at:%Y-%m-%d})"


class CustomerTimeZone(models.Model):
    """Where the customer lives, when we know it: greetings and quiet hours follow their clock
    (else their team's)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="followup_time_zone"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES)

    def __str__(self) -> str:
        return self.time_zone


# --- templates and team settings -----------------------------------------------------------------

PLACEHOLDERS = {
    "name": _("the customer's name"),
    "first_name": _("the customer's first name"),
    "agent": _("the agent's name"),
    "team": _("the team's name"),
    "product": _("the product bought"),
    "ticket": _("the ticket's number"),
    "subject": _("the ticket's subject"),
    "occasion": _("the anniversary's label"),
    "years": _("how many years"),
}
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


def check_placeholders(text: str) -> None:
    unknown = sorted({m for m in PLACEHOLDER_RE.findall(text) if m not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Known: %(known)s.")
            % {
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
            }
        )


class MessageTemplate(models.Model):
    """A message in three languages with `{name}`-style placeholders (no template tags: admins
    cannot run code or read anything but the listed details)."""

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    subject_ru = models.CharField(_("subject (Russian)"), max_length=200, blank=True)
    subject_zh_hans = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"))
    body_ru = models.TextField(_("text (Russian)"), blank=True)
    body_zh_hans = models.TextField(_("text (Chinese)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("message template")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("subject_en", "subject_ru", "subject_zh_hans"):
            check_placeholders(getattr(self, field))
        for field in ("body_en", "body_ru", "body_zh_hans"):
            check_placeholders(getattr(self, field))


class Outreach(models.Model):
    """A team's settings for what goes out on its behalf (FB3): quiet hours, the hour
    greetings are sent at, the greeting templates."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="outreach", verbose_name=_("team")
    )
    quiet_start = models.TimeField(_("quiet hours from"), default=time(21, 0))
    quiet_end = models.TimeField(_("quiet hours until"), default=time(9, 0))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        blank=True,
        help_text=_(
            "Used when the customer's time zone is not known. Empty: the team's SLA "
            "calendar's time zone."
        ),
    )
    greet_at = models.TimeField(_("greetings go out at"), default=time(10, 0))
    birthday_template = models.ForeignKey(
        MessageTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("birthday greeting"),
    )
    anniversary_template = models.ForeignKey(
        MessageTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("anniversary greeting"),
    )

    class Meta:
        verbose_name = _("team outreach settings")
        verbose_name_plural = _("team outreach settings")

    def __str__(self) -> str:
        return str(self.team)


class Trigger(models.TextChoices):
    TICKET_SOLVED = "ticket_solved", _("A ticket of the team is solved")
    PURCHASE = "purchase", _("A purchase")


class Kind(models.TextChoices):
    TASK = "task", _("Task for an agent")
    MESSAGE = "message", _("Message to the customer")


class FollowUpRule(models.Model):
    """ "Call to see how it went in 7 days" (FB3, RS5): per team."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="followup_rules"
    )
    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("after"), max_length=16, choices=Trigger.choices)
    sku = models.CharField(
        _("product code"), max_length=100, blank=True, help_text=_("Purchases only; empty: any.")
    )
    category = models.CharField(
        _("category"), max_length=100, blank=True, help_text=_("Purchases only; empty: any.")
    )
    delay_days = models.PositiveSmallIntegerField(_("after (days)"), default=7)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    template = models.ForeignKey(
        MessageTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("message"),
    )
    task_text = models.CharField(
        _("task"), max_length=300, blank=True, help_text=_("What the agent should do.")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
        help_text=_("Who does the task or signs the message; empty: the ticket's assignee."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("follow-up rule")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == Kind.MESSAGE and self.template_id is None:
            raise ValidationError(_("A message rule needs a template."))
        if self.kind == Kind.TASK and not self.task_text.strip():
            raise ValidationError(_("Say what the agent should do."))
        check_placeholders(self.task_text)


# --- the calendar ----------------------------------------------------------------------------


class State(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Not sent")


class FollowUp(models.Model):
    """One thing that will go out: a message on the customer's channel or a task for an agent.

    `key` makes planning idempotent (one check-in per ticket and rule, one birthday greeting
    per customer and year): planners insert, a second insert of the same key is ignored.
    """

    key = models.CharField(max_length=120, unique=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="followups"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    rule = models.ForeignKey(
        FollowUpRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    purchase = models.ForeignKey(
        "followups.Purchase", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    due_at = models.DateTimeField(_("goes out at"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SCHEDULED
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promise = models.ForeignKey(
        "promises.Promise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(state="scheduled"), name="followup_due"
            ),
            models.Index(fields=["customer", "due_at"], name="followup_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.customer} ({self.due_at:%Y-%m-%d %H:%M})"

    @property
    def is_editable(self) -> bool:
        return self.state == State.SCHEDULED


class ScanCursor(models.Model):
    """How far a planner has read an append-only table (the ticket event log)."""

    name = models.CharField(max_length=50, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


# --- purchases -------------------------------------------------------------------------------


class PurchaseSource(models.TextChoices):
    CSV = "csv", _("CSV import")
    API = "api", _("API")
    MANUAL = "manual", _("Entered by hand")


class Purchase(models.Model):
    """An order line on the customer's profile (TR6's purchase history, FB3, FB7)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="purchases"
    )
    external_id = models.CharField(_("order id"), max_length=100, unique=True)
    product = models.CharField(_("product"), max_length=200)
    sku = models.CharField(_("product code"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    purchased_at = models.DateTimeField(_("bought at"))
    source = models.CharField(_("source"), max_length=8, choices=PurchaseSource.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-purchased_at", "-id"]
        verbose_name = _("purchase")
        indexes = [models.Index(fields=["customer", "-purchased_at"], name="purchase_customer")]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.product}"


class RelatedProduct(models.Model):
    """Cross-sell (FB7): who bought X (or something in category C) may need Y. Shown to the
    agent on the customer card, never sent by itself."""

    when_sku = models.CharField(_("bought product code"), max_length=100, blank=True)
    when_category = models.CharField(_("bought category"), max_length=100, blank=True)
    product = models.CharField(_("suggest"), max_length=200)
    sku = models.CharField(_("suggested product code"), max_length=100, blank=True)
    why = models.CharField(_("why it helps the customer"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["product"]
        verbose_name = _("related product")

    def __str__(self) -> str:
        return f"{self.when_sku or self.when_category} → {self.product}"

    def clean(self) -> None:
        if not (self.when_sku.strip() or self.when_category.strip()):
            raise ValidationError(_("Say which product code or category it follows."))


class PurchaseImport(models.Model):
    """One CSV file imported: what came in, and each rejected row with its reason."""

    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=20)
    total = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"row": 3, "error": "..."}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


def new_token() -> str:
    return secrets.token_urlsafe(32)


class PurchaseFeed(models.Model):
    """A shop or ERP allowed to post purchases to the JSON endpoint with a bearer token."""

    name = models.CharField(_("name"), max_length=100)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("purchase feed")

    def __str__(self) -> str:
        return self.name
