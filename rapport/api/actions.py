"""Changing API tokens (docs/api.md). The raw token is returned once and never stored."""

from __future__ import annotations

from django.utils import timezone

from .models import ApiToken, Scope, hash_token, new_raw_token


def do_create_token(user, *, name: str, scope: str = Scope.READ) -> tuple[ApiToken, str]:
    raw = new_raw_token()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], scope=scope, prefix=raw[:12], key_hash=hash_token(raw)
    )
    return token, raw


def do_revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
