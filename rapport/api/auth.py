"""Token authentication and scopes for the API (docs/api.md).

`Authorization: Bearer rpt_…` (or `Token rpt_…`). The token is looked up by its SHA-256, so
the comparison is on a hash and the raw token is never stored. The web UI's session also works
(DRF's SessionAuthentication enforces CSRF on writes).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from .models import ApiToken, hash_token

# last_used_at is written at most this often per token: a busy integration does not turn
# every read into a write.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw), revoked_at=None)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasScope(permissions.BasePermission):
    """Reads need any token (or a session); writes need a write-scoped token (or a session)."""

    message = _("This token is read-only.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        if isinstance(token, ApiToken):
            return token.can_write
        return True  # a session: the same rights as in the web UI
