"""Background work of the Telegram channel. Tasks take ids (or nothing) and are idempotent."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic

MAX_DOWNLOAD_ATTEMPTS = 12


@periodic(every=timedelta(minutes=5))
@task()
def retry_downloads_task() -> int:
    """Updates quarantined because a file download failed for a passing reason (network, 5xx,
    flood control) are processed again, up to MAX_DOWNLOAD_ATTEMPTS times (an hour). Telegram
    keeps file_ids valid, so the download is simply tried again."""
    from rapport.intake.actions import do_retry
    from rapport.intake.models import InboundRaw, RawState
    from rapport.lib.channels import Channel

    from .transport import DOWNLOAD_RETRY

    ids = list(
        InboundRaw.objects.filter(
            channel=Channel.TELEGRAM,
            state=RawState.QUARANTINED,
            error__startswith=DOWNLOAD_RETRY,
            attempts__lt=MAX_DOWNLOAD_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
    done = 0
    for raw_id in ids:
        # A success runs the channel's after-processed hook: the contact gets its customer.
        if do_retry(raw_id).state != RawState.QUARANTINED:
            done += 1
    return done
