"""Which webhook URLs may be called (docs/webhooks.md, SSRF).

Only http and https. The host must resolve to public addresses only: loopback, private,
link-local (cloud metadata at 169.254.169.254), multicast and reserved ranges are refused
unless RAPPORT_WEBHOOKS_ALLOW_PRIVATE is set (tests run a receiver on loopback; an
on-premises desk may post to its intranet). Checked when an endpoint is saved and again before
every delivery (DNS may change in between); redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError(_("Only http:// and https:// addresses can be used."), code="scheme")
    if not parts.hostname:
        raise ValidationError(_("The address has no host."), code="host")
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the address."), code="auth")
    if settings.RAPPORT_WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(_("The host name does not resolve."), code="dns") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise ValidationError(
                _("%(host)s is a private or local address; webhooks go to public addresses.")
                % {"host": parts.hostname},
                code="private",
            )
