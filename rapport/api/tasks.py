"""Background tasks of the API."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from rapport.jobs.periodic import periodic

from .models import IdempotentRequest

KEEP_IDEMPOTENCY_KEYS = timedelta(hours=24)


@periodic(every=timedelta(hours=1))
@task()
def prune_idempotency_keys_task() -> int:
    """Stored responses are replayed for 24 hours after the first request (docs/api.md)."""
    cutoff = timezone.now() - KEEP_IDEMPOTENCY_KEYS
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
