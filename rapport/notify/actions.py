"""Notify agents. Callers pass users or a role; the row is written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from rapport.accounts.models import User
from rapport.realtime.workspace import notified

from .models import Kind, Notification


def do_notify(
    users: Iterable[User],
    text: str | Callable[[], str],
    *,
    kind: str = Kind.INFO,
    ticket=None,
    dedupe_key: str = "",
) -> list[Notification]:
    """One notification per user; with a dedupe_key, a user already notified is skipped.

    `text` may be a function: it is then called once per user with that agent's language
    active, so each reads the notification in their own language."""
    created = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        if callable(text):
            with translation.override(user.language):
                body = str(text())
        else:
            body = text
        note = Notification(
            user=user, kind=kind, text=body[:500], ticket=ticket, dedupe_key=dedupe_key[:200]
        )
        if dedupe_key:
            try:
                with transaction.atomic():
                    note.save()
            except IntegrityError:
                continue
        else:
            note.save()
        notified(note)  # header count and a toast, live, after commit (docs/realtime.md)
        created.append(note)
    return created


def role_members(role: str, *, team=None) -> list[User]:
    """Active agents of a role (supervisor, legal, ...); superusers count as supervisors."""
    qs = User.objects.filter(is_active=True, role=role)
    if team is not None:
        qs = qs.filter(teams=team) | User.objects.filter(is_active=True, role=role, teams=None)
    return list(qs.distinct())


def do_notify_role(
    role: str, text: str | Callable[[], str], *, team=None, **kwargs
) -> list[Notification]:
    return do_notify(role_members(role, team=team), text, **kwargs)


def do_mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def unread_count(user: User, cap: int = 99) -> int:
    return Notification.objects.filter(user=user, read_at=None)[: cap + 1].count()
