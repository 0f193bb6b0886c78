"""The knowledge base (KN1, KN6, CQ13): categories, articles with one translation per language,
versions of every save, attachments and screenshots, and the help centre's feedback.

An Article carries the workflow (draft → in review → published, archived) and who may see it
(public, or internal: agents only; an optional owning team narrows drafts and internal articles
to that team and supervisors). Its text lives in ArticleTranslation rows (en, ru, zh-hans),
each save of which keeps an ArticleVersion. See docs/kb.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("en", "ru", "zh-hans")


class Language(models.TextChoices):
    EN = "en", "English"
    RU = "ru", "Русский"
    ZH = "zh-hans", "简体中文"


def normalise_language(code: str | None) -> str | None:
    """'zh', 'zh-CN', 'zh_Hans' → 'zh-hans'; 'ru-RU' → 'ru'; unknown → None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code.startswith("zh"):
        return Language.ZH
    base = code.split("-")[0]
    return base if base in LANGUAGE_CODES else None


class Category(models.Model):
    """A help-centre section, ordered by position, named in each language."""

    position = models.PositiveIntegerField(_("position"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=120, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str) -> str:
        field = "name_" + (normalise_language(language) or "en").replace("-", "_")
        return getattr(self, field, "") or self.name_en


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (help centre)")
    INTERNAL = "internal", _("Internal (agents only)")


class Article(models.Model):
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Optional owner: drafts and internal articles of a team are seen by its members and by
    # supervisors only (Charlie in Billing sees nothing of Support's).
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["status", "visibility"], name="kb_article_status")]

    def __str__(self) -> str:
        t = self.translation("en")
        return t.title if t else f"Article #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and self.visibility == Visibility.PUBLIC

    def translation(self, language: str | None) -> ArticleTranslation | None:
        """The translation in `language`, else English, else any (prefetch-friendly)."""
        found = {t.language: t for t in self.translations.all()}
        for code in (normalise_language(language), Language.EN, *LANGUAGE_CODES):
            if code in found:
                return found[code]
        return None


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=50000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleVersion(models.Model):
    """Every save of a translation: who, when, what — diffable and restorable."""

    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)
    # An agent's change to a published article is a proposal: kept here, not applied, until
    # a supervisor applies (a new version with this text) or declines it (resolved_at set).
    proposed = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["translation_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="kb_version_once")
        ]

    def __str__(self) -> str:
        return f"v{self.number} of {self.translation_id}"

    @property
    def pending(self) -> bool:
        return self.proposed and self.resolved_at is None


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return f"kb/{timezone.now():%Y/%m}/{filename}"


class ArticleAttachment(models.Model):
    """A file or screenshot of an article (CQ13: show where the button is). Images are shown
    inline in the article; other files are links."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=article_file_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Feedback(models.Model):
    """ "Was this helpful?" from the help centre, per translation (FB1, KN1)."""

    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField()
    comment = models.TextField(max_length=2000, blank=True)
    # A hash of the session (or the address when there is none): for rate limits, not identity.
    visitor = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["translation", "helpful"], name="kb_feedback_counts")]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.translation_id}"
