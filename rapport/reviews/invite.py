"""Inviting satisfied customers to leave a public review (FB5: encourage good reviews).

The satisfaction survey (rapport.feedback, FB1/FB2) calls this after an answer at level 3
("exceeded my expectations") or higher; see docs/reviews.md.
"""

from __future__ import annotations

from rapport.accounts.models import Team

from .models import ReviewPolicy

LANGS = {"en": "en", "ru": "ru", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh"}


def review_invitation_url(team: Team | int | None, language: str) -> str | None:
    """The team's configured link inviting a public review, in `language` ({lang} in the
    link becomes en, ru or zh), or None when the team has none configured."""
    team_id = team.pk if isinstance(team, Team) else team
    if team_id is None:
        return None
    url = (
        ReviewPolicy.objects.filter(team_id=team_id)
        .values_list("invitation_url", flat=True)
        .first()
    )
    if not url:
        return None
    lang = LANGS.get((language or "").lower(), LANGS.get((language or "")[:2].lower(), "en"))
    return url.replace("{lang}", lang)
