"""Spam protection of the public forms, without third parties (docs/portal.md):

- a honeypot field people do not see (a bot fills it);
- a signed time stamp rendered with the form: a submission sooner than MIN_FILL_SECONDS after
  the form was shown, or with a stamp that is forged or older than MAX_FORM_AGE, is refused;
- per-IP counters in the cache (shared by every server with REDIS_URL), per window.
"""

from __future__ import annotations

import hashlib
import time

from django.core import signing
from django.core.cache import cache

STAMP_SALT = "rapport.portal.form-stamp"
MIN_FILL_SECONDS = 3  # nobody reads and fills the form faster
MAX_FORM_AGE = 24 * 3600  # a stamp older than this is refused (reload the page)
HONEYPOT = "website"

CONTACT_PER_IP = 5  # submissions of the contact form per address and window
LOGIN_PER_IP = 10  # login-link requests per address and window
LOGIN_PER_EMAIL = 3  # login links per address and window (no mail bombing a customer)
WINDOW_SECONDS = 600

# Attachments: the web chat's types (never HTML or scripts) and a size per file below intake's
# own ceiling (rapport.intake.actions.MAX_ATTACHMENT_BYTES).
MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 10000


def form_stamp(at: float | None = None) -> str:
    return signing.dumps(int(at if at is not None else time.time()), salt=STAMP_SALT)


def stamp_problem(stamp: str, now: float | None = None) -> str:
    """ "" when the stamp is ours and old enough; else "forged", "expired" or "fast"."""
    try:
        at = signing.loads(stamp or "", salt=STAMP_SALT, max_age=MAX_FORM_AGE)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "forged"
    if not isinstance(at, int):
        return "forged"
    if (now if now is not None else time.time()) - at < MIN_FILL_SECONDS:
        return "fast"
    return ""


def allow(scope: str, who: str, limit: int) -> bool:
    """Count one attempt of `who` (an IP address, an e-mail address) in `scope`; False once
    `limit` attempts were made in this window (the counter expires by itself)."""
    if not who:
        return True
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"portal:{scope}:{digest}:{int(time.time() // WINDOW_SECONDS)}"
    if cache.add(key, 1, WINDOW_SECONDS * 2):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS * 2)
        return True
