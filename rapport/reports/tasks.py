"""Background work of rapport.reports (docs/reports.md, docs/background.md)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic


@periodic(every=timedelta(minutes=1))
@task()
def update_rollups_task() -> int:
    """Fold the tickets changed since the watermark into the rollup (idempotent)."""
    from .actions import do_update_rollups

    return do_update_rollups()
