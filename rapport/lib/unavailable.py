"""The database restarting or out of reach is a moment's outage, not a server error (TR1).

A request that meets a connection-level database error gets `503 Service Unavailable` with
`Retry-After`, which careful clients (and our widget, the fault script's clients) retry, rather
than a 500 and a traceback per request. Every other error is left to Django, as before.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# What a lost or refused connection looks like, whichever driver: PostgreSQL shutting down or
# restarting, a connection closed under us, the pool timing out; SQLite's write lock waited for
# beyond its timeout. A missing table or column is not among them: that stays a 500.
TRANSIENT_MARKERS = (
    "server closed the connection",
    "connection failed",
    "connection refused",
    "terminating connection",
    "the database system is",
    "couldn't get a connection",
    "connection is closed",
    "connection already closed",
    "ssl connection has been closed",
    "database is locked",
)


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = f"{exc} {exc.__cause__ or ''}".lower()
    return any(marker in text for marker in TRANSIENT_MARKERS)


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        log.warning(
            "database unavailable for %s %s: %s",
            request.method,
            request.path,
            str(exception).splitlines()[0][:200],
        )
        message = _("The service is unavailable for a moment. Please try again in a few seconds.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
