"""The search index: one document per ticket (subject and summary), message, note, customer and
published knowledge-base article translation (rapport.kb: `status` holds the article's
visibility, public or internal, `channel` its language, `team` its owning team).

The document row holds what filters and permissions need (ticket, team, customer, status,
channel, date), denormalised so a query never joins the ticket table, and the normalised token
strings (rapport.search.normalise). The full-text index over those strings belongs to the
database: an FTS5 table kept by triggers on SQLite, a generated tsvector column with a GIN
index on PostgreSQL (migrations/0001_initial.py). See docs/search.md.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Note")
    CUSTOMER = "customer", _("Customer")
    ARTICLE = "article", _("Article")


class SearchDocument(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # Null for a customer's own document.
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Normalised tokens in text order (phrases match on these), then the alternatives (other
    # lemmas, Chinese sub-words and bigrams): two columns, so a phrase never spans both.
    tokens = models.TextField(blank=True)
    alternatives = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"
