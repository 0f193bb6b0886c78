"""The answer time told to a new customer, in their language (RS3, RS5). See docs/sla.md.

The time itself is computed by rapport.sla.actions.do_promise_response (the 90th percentile of
the team's recent first responses at this hour of the week, rounded up); here it becomes the
`{promised}` phrase of the acknowledgement, in the team calendar's zone with its UTC offset
(the customer's own zone is unknown).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.dateformat import format as date_format

from .actions import calendar_for_team, do_promise_response

# Per language, like the mailbox acknowledgement texts (rapport.mail.models.DEFAULT_ACKS).
PHRASES = {
    "en": ("en", "j F Y, H:i", "by {when} ({zone})"),
    "ru": ("ru", "j E Y г., H:i", "до {when} ({zone})"),
    "zh": ("zh-hans", "Y年n月j日 H:i", "在 {when}（{zone}）之前"),
}


def utc_offset(dt) -> str:
    offset = dt.utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def promise_phrase(ticket, language: str) -> str:
    """ "by 10 March 2025, 13:00 (UTC+03:00)" — computing and storing the promise if needed;
    "" when there is no basis for one (the acknowledgement's fixed wording is used)."""
    promised = do_promise_response(ticket)
    if promised is None:
        return ""
    lang = (language or "en").split("-")[0].lower()
    django_lang, fmt, phrase = PHRASES.get(lang, PHRASES["en"])
    local = promised.astimezone(calendar_for_team(ticket.team_id).zone)
    with translation.override(django_lang):
        when = date_format(local, fmt)
    return phrase.format(when=when, zone=utc_offset(local))
