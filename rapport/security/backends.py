"""Django's ModelBackend behind the log-in throttle (docs/security.md).

A locked (username, address) is refused before the password is even checked (no hashing work
for an attacker, no timing difference between right and wrong passwords while locked).
Calls without a request (the test client's `login()`, the shell) have no address to count
and are not throttled.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        ip = throttle.client_ip(request)
        until = throttle.locked_until(username, ip)
        if until is not None:
            request.rapport_locked_until = until
            raise PermissionDenied  # authenticate() stops here and reports a failed log-in
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            until = throttle.do_record_failure(username, ip)
            if until is not None:
                request.rapport_locked_until = until
        else:
            throttle.do_clear(username, ip)
        return user
