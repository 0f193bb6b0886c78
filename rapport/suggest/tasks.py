"""Periodic FAQ mining (docs/suggestions.md, docs/background.md)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic

from .actions import do_mine_faq


@periodic(every=timedelta(hours=1))
@task()
def mine_faq_task() -> int:
    """Cluster the questions asked since the last run; idempotent (reads forward from the
    last message mined, under the state row's lock). Returns the questions mined."""
    return do_mine_faq().questions
