"""Failed log-ins counted per (username, IP address); past the limit, a lock (docs/security.md).

Per username *and* address: someone guessing an agent's password from one place is stopped,
while the agent logging in from the office is not locked out by them. The lock expires by
itself after RAPPORT_LOGIN_LOCKOUT_MINUTES; an administrator can lift it at once in the admin
(Security → log-in locks → "Unlock").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginThrottle


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: behind a proxy, the ASGI server (uvicorn --proxy-headers with
    # --forwarded-allow-ips) puts the client's address there; X-Forwarded-For itself is
    # whatever the client chose to send.
    return request.META.get("REMOTE_ADDR") or None


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _window() -> timedelta:
    return timedelta(minutes=settings.RAPPORT_LOGIN_LOCKOUT_MINUTES)


def locked_until(username: str, ip: str | None) -> datetime | None:
    """When the lock on this username from this address ends, or None if there is none."""
    until = (
        LoginThrottle.objects.filter(
            username=_key(username), ip=ip, locked_until__gt=timezone.now()
        )
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


def do_record_failure(username: str, ip: str | None) -> datetime | None:
    """Count one failure; returns the end of the lock when this failure starts one."""
    now = timezone.now()
    with transaction.atomic():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            username=_key(username), ip=ip, defaults={"last_failure_at": now}
        )
        if row.locked_until and row.locked_until > now:
            return row.locked_until
        if now - row.last_failure_at > _window() or row.locked_until:
            row.failures = 0  # old failures (or a lock that has run out) count no more
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= settings.RAPPORT_LOGIN_MAX_FAILURES:
            row.locked_until = now + _window()
        row.save()
    return row.locked_until


def do_clear(username: str, ip: str | None) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=ip).delete()


def do_unlock(queryset) -> int:
    """The admin's "Unlock": forget the failures and lift the locks."""
    count, _ = queryset.delete()
    return count
