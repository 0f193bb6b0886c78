"""Links to the help centre for the chat widget, acknowledgements and replies (docs/kb.md)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .models import Language, normalise_language


def help_centre_path(language: str | None) -> str:
    code = normalise_language(language) or Language.EN
    return reverse("help-home", args=[code])


def help_centre_url(language: str | None) -> str:
    """The help centre's absolute address in `language` (ru, zh-hans, en; anything else:
    English), on SITE_URL: for pages and messages read outside the desk."""
    return settings.SITE_URL.rstrip("/") + help_centre_path(language)


def help_centre_has_articles() -> bool:
    """Whether the public help centre has anything to read (an acknowledgement links it only
    then: a desk without articles would send customers to an empty page)."""
    from .models import Article, Status, Visibility

    return Article.objects.filter(status=Status.PUBLISHED, visibility=Visibility.PUBLIC).exists()


def article_url(article_id: int, language: str | None) -> str:
    """A published article's absolute address in the help centre (for replies, KN6)."""
    code = normalise_language(language) or Language.EN
    return settings.SITE_URL.rstrip("/") + reverse("help-article", args=[code, article_id])
