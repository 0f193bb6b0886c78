"""Signed one-click links for surveys and resolution confirmations (FB1, TR5).

A link carries the survey id, what was clicked and a timestamp, signed with SECRET_KEY
(django.core.signing): a changed character makes it invalid, and it expires after
LINK_VALID_DAYS. It needs no login: the signature is the customer's proof.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "rapport.feedback.link"
LINK_VALID = timedelta(days=30)


class BadLink(Exception):
    """Tampered with, or not one of ours."""


class ExpiredLink(Exception):
    pass


def make_token(survey_id: int, what: str) -> str:
    """`what`: "1".."5" (a level) or "ok" (resolution confirmed)."""
    return signing.dumps([survey_id, what], salt=SALT, compress=False)


def read_token(token: str) -> tuple[int, str]:
    try:
        survey_id, what = signing.loads(token, salt=SALT, max_age=LINK_VALID)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadLink from exc
    if not isinstance(survey_id, int) or what not in {"1", "2", "3", "4", "5", "ok"}:
        raise BadLink
    return survey_id, what


def link(survey_id: int, what: str) -> str:
    path = reverse("feedback-link", args=[make_token(survey_id, what)])
    return settings.SITE_URL.rstrip("/") + path
