"""Public reviews (CH7, FB5): where they come from, each review, each team's policy.

A review reaches Rapport through the one intake path as a message on the channel `review`
(stored raw first, quarantined when bad, exactly once per source and external id): the
`Review` row holds what only a review has — source, rating, public URL, the date it was posted,
the public reply. See docs/reviews.md.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    return secrets.token_urlsafe(32)


class ReviewSource(models.Model):
    """A review site (Yandex Maps, 2GIS, Dianping, Google…) or one place on it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_sources",
        help_text=_("Reviews from this source go to this team (the default team if empty)."),
    )
    api_token = models.CharField(
        _("token for the review API"), max_length=64, default=_token, editable=False
    )
    webhook_url = models.URLField(
        _("webhook for published replies"),
        blank=True,
        help_text=_(
            "Optional: a published reply is POSTed here as JSON (e.g. to a service that posts "
            "it on the review site)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("review source")

    def __str__(self) -> str:
        return self.name


class ReviewPolicy(models.Model):
    """A team's review policy (FB5): what counts as negative, how fast it must be answered,
    and where satisfied customers are invited to leave a review."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="review_policy"
    )
    negative_max_rating = models.PositiveSmallIntegerField(
        _("negative up to rating"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_(
            "A review rated this or lower is negative (as is one the coach reads as angry)."
        ),
    )
    response_target_hours = models.PositiveIntegerField(
        _("answer negative reviews within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    invitation_url = models.URLField(
        _("link inviting a review"),
        blank=True,
        max_length=500,
        help_text=_(
            "Where satisfied customers are invited to leave a public review; {lang} is replaced "
            "by the customer's language (en, ru, zh)."
        ),
    )

    class Meta:
        verbose_name = _("review policy")

    def __str__(self) -> str:
        return str(self.team)


DEFAULT_POLICY = ReviewPolicy(negative_max_rating=2, response_target_hours=24)


class Review(models.Model):
    source = models.ForeignKey(ReviewSource, on_delete=models.PROTECT, related_name="reviews")
    # The review site's own id (or a digest of the review when the export has none): with the
    # source, it is the intake key, so a re-run import stores nothing twice.
    external_id = models.CharField(max_length=255)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("text"), blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The author changed the rating or text on the site since (the edit is a message on the
    # review's ticket; the review shows the latest version).
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Through intake: the stored raw review, its message and ticket, the customer profile.
    raw = models.OneToOneField(
        "intake.InboundRaw", null=True, blank=True, on_delete=models.SET_NULL, related_name="review"
    )
    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="review"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="reviews"
    )
    # The coach's reading (CH7: triage by sentiment), copied from the message's analysis.
    mood = models.CharField(_("mood"), max_length=16, blank=True)
    signals = models.JSONField(default=list, blank=True)
    negative = models.BooleanField(_("negative"), default=False)
    # When a negative review must be answered by (the team's target); null when not negative.
    due_at = models.DateTimeField(null=True, blank=True)
    # The public reply (we cannot post on review sites: the agent publishes it there).
    reply_text = models.TextField(_("public reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_message = models.OneToOneField(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_findings = models.JSONField(default=list, blank=True)  # the checks when published

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("review")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="review_unique_per_source"
            )
        ]
        indexes = [
            # The overdue count: negative reviews not answered yet, by due time.
            models.Index(
                fields=["due_at"], condition=models.Q(replied_at=None), name="review_unanswered_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.external_id}"

    @property
    def stars(self) -> str:
        return "★" * (self.rating or 0) + "☆" * (5 - (self.rating or 0)) if self.rating else ""

    @property
    def overdue(self) -> bool:
        return self.replied_at is None and self.due_at is not None and self.due_at < timezone.now()

    @property
    def response_seconds(self) -> float | None:
        if self.replied_at is None:
            return None
        return (self.replied_at - self.received_at).total_seconds()
