"""Periodic jobs of the privacy app (docs/background.md, docs/privacy.md)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic


@periodic(every=timedelta(days=1))
@task()
def apply_retention_task() -> int:
    """Apply the retention policies (rapport.privacy.retention). Idempotent: what has expired
    once is not found again."""
    from .retention import apply

    return sum(o.count for o in apply())
