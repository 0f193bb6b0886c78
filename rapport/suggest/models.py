"""FAQ mining's state (KN1, KN2; docs/suggestions.md): clusters of similar customer questions,
their members, and how far the mining job has read. Answer suggestions store nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClusterStatus(models.TextChoices):
    OPEN = "open", _("No article answers it")
    ANSWERED = "answered", _("Answered by an article")
    DRAFTED = "drafted", _("Article drafted")
    DISMISSED = "dismissed", _("Dismissed")


class FaqCluster(models.Model):
    """Customer questions that say the same thing, in one language."""

    language = models.CharField(_("language"), max_length=8)  # the coach's: en, ru, zh
    title = models.CharField(_("question"), max_length=500)  # the first one asked
    # How many of its questions hold each content token (rapport.suggest.text): the cluster's
    # centroid, and, summed over clusters, the document frequencies of the IDF.
    tokens = models.JSONField(default=dict)
    size = models.PositiveIntegerField(_("questions"), default=0)
    first_seen = models.DateTimeField(_("first asked"), default=timezone.now)
    last_seen = models.DateTimeField(_("last asked"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ClusterStatus.choices, default=ClusterStatus.OPEN
    )
    article = models.ForeignKey(
        "kb.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_score = models.FloatField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)  # last "does an article answer it?"
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-size", "-last_seen", "id"]
        indexes = [
            models.Index(fields=["status", "language", "last_seen"], name="faq_cluster_status"),
            models.Index(fields=["language", "last_seen"], name="faq_cluster_language"),
        ]

    def __str__(self) -> str:
        return self.title


class FaqQuestion(models.Model):
    """One question of one customer message, in the cluster it joined."""

    cluster = models.ForeignKey(FaqCluster, on_delete=models.CASCADE, related_name="questions")
    message = models.ForeignKey("tickets.Message", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    asked_at = models.DateTimeField()

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "message"], name="faq_question_once")
        ]
        indexes = [models.Index(fields=["cluster", "asked_at"], name="faq_question_cluster")]

    def __str__(self) -> str:
        return self.text


class MiningState(models.Model):
    """One row: the last message id the mining job has read (it reads forward from there)."""

    last_message_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"FAQ mining up to message {self.last_message_id}"
