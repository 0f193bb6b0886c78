"""Audit log, erasure requests and retention policies (issue #10 part 6; docs/privacy.md).

The audit log is append-only at three levels: the model refuses `save()` of an existing row
and `delete()`, its queryset refuses `update()` and `delete()`, and the database refuses
UPDATE and DELETE with a trigger (migrations/0002_append_only.py). The one way out is
`rapport.privacy.appendonly.unlocked()`, used by the retention job alone (and by `flush`, which
empties the whole database): inside it DELETE passes; UPDATE never does.

Entries hold ids, not names of customers: an erased customer must leave no trace here either
(only the acting staff member's username is kept, as written at the time).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit entry."""


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    ERASE_REQUEST = "erase.request", _("Erasure requested")
    ERASE = "erase", _("Erased")
    TOKEN_CREATED = "token.created", _("API token created")
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login.failed", _("Sign-in failed")
    RETENTION = "retention", _("Retention applied")
    BACKUP = "backup", _("Backup")
    RESTORE = "restore", _("Restore")


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")

    # bulk_update goes through update(); _raw_delete is what Collector uses for fast deletes.
    def _raw_delete(self, using):
        raise AppendOnlyError("The audit log is append-only.")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # No foreign key: deleting a user would have to UPDATE the entries (SET NULL).
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["action", "at"], name="audit_action"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")


class ErasureState(models.TextChoices):
    REQUESTED = "requested", _("Requested, awaiting confirmation")
    DONE = "done", _("Erased")
    CANCELLED = "cancelled", _("Cancelled")


class ErasureRequest(models.Model):
    """A data subject's request to be forgotten (GDPR art. 17, 152-FZ art. 21): asked with a
    reason, confirmed in a second step, then carried out by rapport.privacy.erasure."""

    customer_id = models.BigIntegerField(_("customer"), db_index=True)
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=12, choices=ErasureState.choices, default=ErasureState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # rows changed per kind

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("erasure request")

    def __str__(self) -> str:
        return f"erasure of customer #{self.customer_id} ({self.state})"


class DataType(models.TextChoices):
    RAW_INBOUND = "raw_inbound", _("Raw inbound copies (original bytes)")
    ATTACHMENTS = "attachments", _("Attachments of closed tickets")
    CLOSED_MESSAGES = "closed_messages", _("Message texts of closed tickets")
    ANONYMOUS_CHATS = "anonymous_chats", _("Chat transcripts of anonymous visitors")
    OUTBOX_COPIES = "outbox_copies", _("Sent copies of replies (outbox)")
    WEBHOOK_DELIVERIES = "webhook_deliveries", _("Webhook delivery log")
    AUDIT_LOG = "audit_log", _("Audit log")


MIN_AUDIT_DAYS = 180  # the audit log must outlive the questions asked about it


class RetentionPolicy(models.Model):
    """How long one kind of data is kept (storage limitation, GDPR art. 5(1)(e)). Applied
    daily by `apply_retention_task`; `manage.py retention --dry-run` shows what would go."""

    data_type = models.CharField(
        _("data type"), max_length=24, choices=DataType.choices, unique=True
    )
    keep_days = models.PositiveIntegerField(
        _("keep for (days)"),
        help_text=_("Counted from the end of the ticket (closed) or from receipt."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_result = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["data_type"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self.get_data_type_display()}: {self.keep_days} d"

    def clean(self) -> None:
        if self.data_type == DataType.AUDIT_LOG and (self.keep_days or 0) < MIN_AUDIT_DAYS:
            raise ValidationError(
                {
                    "keep_days": _("The audit log is kept at least %(n)s days.")
                    % {"n": MIN_AUDIT_DAYS}
                }
            )
