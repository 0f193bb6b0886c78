"""Login links of the customer portal (docs/portal.md). A customer has no password: they ask
for a link by e-mail, and the link signs them in once."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class LoginLink(models.Model):
    """One e-mailed sign-in link. The token in the mail is `signing.dumps([id, nonce])`
    (rapport.portal.actions.login_token): tampering breaks the signature, `created_at` and the
    signature's timestamp bound its life, `used_at` makes it single-use."""

    identity = models.ForeignKey(
        "customers.Identity", on_delete=models.CASCADE, related_name="portal_links"
    )
    nonce = models.CharField(max_length=40, default=_nonce)
    language = models.CharField(max_length=10, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal login link")

    def __str__(self) -> str:
        return f"login link {self.pk} for identity {self.identity_id}"
