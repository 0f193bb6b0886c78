"""Helpers for the feedback tests: solve a ticket through the real action and run the job."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from rapport.feedback.tasks import SETTLE, scan_status_events
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Status

LINK = re.compile(r"(\d) — .*?: (\S+)|: (\S+/feedback/s/\S+)")


def solve(ticket, agent):
    do_change_status(ticket, Status.SOLVED, actor=agent)


def run_job(now=None):
    """The periodic job, as the scheduler would run it a little later."""
    return scan_status_events(now=(now or timezone.now()) + SETTLE + timedelta(seconds=1))


def links(text: str) -> dict[str, str]:
    """{"1".."5": path, "ok": path} from a survey message's text."""
    found = {}
    for line in text.splitlines():
        url = next((w for w in line.split() if "/feedback/s/" in w), None)
        if url is None:
            continue
        key = line.split(" ", 1)[0] if line[:1].isdigit() else "ok"
        found[key] = urlsplit(url).path
    return found
