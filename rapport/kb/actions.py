"""Every change to the knowledge base (docs/kb.md): create, edit (each save of a translation
keeps a version), submit for review, publish, archive, restore a version, attach files, record
help-centre feedback. Views call these after a permission-checked lookup (rapport.kb.access);
the functions assume valid input. The search index follows in the same transaction
(rapport.search.indexing.index_article): an article is found while published, never before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Role
from rapport.notify.actions import do_notify_role
from rapport.search import indexing

from .access import can_publish
from .models import (
    Article,
    ArticleAttachment,
    ArticleTranslation,
    ArticleVersion,
    Category,
    Feedback,
    Language,
    Status,
    Visibility,
    normalise_language,
)

# Attachments and screenshots (CQ13): what the help centre may serve, and how big.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 20
ALLOWED_TYPES = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt",),
}
# The first bytes of each type: a file is what it says it is, not what its name claims.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


def _touch(article: Article) -> None:
    article.updated_at = timezone.now()
    article.save(update_fields=["updated_at"])


@transaction.atomic
def do_save_translation(
    article: Article, language: str, title: str, body: str, author, *, note: str = ""
) -> ArticleTranslation:
    """Create or change the article's text in `language`; every save keeps a version (who,
    when, what). A published article's index documents follow in the same transaction."""
    language = normalise_language(language) or Language.EN
    translation, created = ArticleTranslation.objects.select_for_update().get_or_create(
        article=article,
        language=language,
        defaults={"title": title, "body": body, "updated_by": author},
    )
    if not created:
        if translation.title == title and translation.body == body:
            return translation  # nothing changed: no empty version
        translation.title, translation.body = title, body
        translation.updated_by, translation.updated_at = author, timezone.now()
        translation.save(update_fields=["title", "body", "updated_by", "updated_at"])
    last = translation.versions.aggregate(n=Max("number"))["n"] or 0
    ArticleVersion.objects.create(
        translation=translation,
        number=last + 1,
        title=title,
        body=body,
        author=author,
        note=note[:200],
    )
    _touch(article)
    if article.status == Status.PUBLISHED:
        indexing.index_article(article)
    return translation


@transaction.atomic
def do_propose_translation(
    translation: ArticleTranslation, title: str, body: str, author
) -> ArticleVersion | None:
    """An agent's change to a published article's text: kept as a proposal, the public text
    unchanged, the supervisors told. None when nothing changed."""
    if translation.title == title and translation.body == body:
        return None
    last = translation.versions.aggregate(n=Max("number"))["n"] or 0
    version = ArticleVersion.objects.create(
        translation=translation,
        number=last + 1,
        title=title,
        body=body,
        author=author,
        proposed=True,
    )
    do_notify_role(
        Role.SUPERVISOR,
        lambda: (
            _("%(who)s proposes a change to “%(title)s” in the knowledge base.")
            % {"who": author.display_name if author else "—", "title": translation.title}
        ),
        dedupe_key=f"kb-proposal:{version.pk}",
    )
    return version


@transaction.atomic
def do_resolve_proposal(version: ArticleVersion, user, *, apply: bool) -> ArticleVersion:
    """A supervisor applies a proposal (its text becomes a new version, public at once) or
    declines it."""
    if not can_publish(user):
        raise PermissionDenied(_("Only a supervisor or an administrator can publish."))
    if not version.pending:
        return version
    version.resolved_at = timezone.now()
    version.save(update_fields=["resolved_at"])
    if apply:
        translation = version.translation
        do_save_translation(
            translation.article,
            translation.language,
            version.title,
            version.body,
            user,
            note=_("Proposal %(n)s by %(who)s applied")
            % {"n": version.number, "who": version.author.display_name if version.author else "—"},
        )
    return version


@transaction.atomic
def do_create_article(
    author,
    *,
    language: str,
    title: str,
    body: str,
    category: Category | None = None,
    visibility: str = Visibility.PUBLIC,
    team=None,
) -> Article:
    """A new draft article with its first translation (version 1)."""
    article = Article.objects.create(
        category=category, visibility=visibility, team=team, created_by=author
    )
    do_save_translation(article, language, title, body, author)
    return article


def do_create_draft_from_text(title: str, body: str, language: str, author) -> Article:
    """A draft article from text found elsewhere (a suggested FAQ, a good reply): stable API
    for answer suggestions and FAQ mining (KN1, KN2). Public once published; a supervisor
    reviews it first."""
    return do_create_article(author, language=language or Language.EN, title=title[:200], body=body)


@transaction.atomic
def do_update_article(
    article: Article,
    *,
    category: Category | None,
    visibility: str,
    team,
    position: int | None = None,
) -> Article:
    article.category, article.visibility, article.team = category, visibility, team
    if position is not None:
        article.position = position
    article.updated_at = timezone.now()
    article.save(update_fields=["category", "visibility", "team", "position", "updated_at"])
    indexing.index_article(article)  # visibility and team are labels of its documents
    return article


def _set_status(article: Article, status: str, **fields) -> Article:
    article.status = status
    article.updated_at = timezone.now()
    for name, value in fields.items():
        setattr(article, name, value)
    article.save(update_fields=["status", "updated_at", *fields])
    indexing.index_article(article)
    return article


@transaction.atomic
def do_submit_for_review(article: Article, user) -> Article:
    """In review: the supervisors are told (in the app, each in their own language)."""
    if article.status not in (Status.DRAFT, Status.ARCHIVED):
        return article
    _set_status(article, Status.REVIEW)
    title = str(article)
    do_notify_role(
        Role.SUPERVISOR,
        lambda: (
            _("“%(title)s” waits for review in the knowledge base (by %(who)s).")
            % {"title": title, "who": user.display_name if user else "—"}
        ),
        dedupe_key=f"kb-review:{article.pk}:{article.updated_at.isoformat()}",
    )
    return article


@transaction.atomic
def do_return_to_draft(article: Article, user) -> Article:
    if article.status == Status.DRAFT:
        return article
    return _set_status(article, Status.DRAFT)


@transaction.atomic
def do_publish(article: Article, user) -> Article:
    """Publish (supervisors, administrators, staff): the help centre shows it, search finds it.
    Checked here as well as in the view: publishing is the one step that makes text public."""
    if not can_publish(user):
        raise PermissionDenied(_("Only a supervisor or an administrator can publish."))
    if not article.translations.exists():
        raise ValidationError(_("An article needs at least one translation."))
    return _set_status(article, Status.PUBLISHED, published_at=timezone.now(), published_by=user)


@transaction.atomic
def do_archive(article: Article, user) -> Article:
    if not can_publish(user):
        raise PermissionDenied(_("Only a supervisor or an administrator can archive."))
    return _set_status(article, Status.ARCHIVED)


@transaction.atomic
def do_restore_version(version: ArticleVersion, author) -> ArticleTranslation:
    """The translation takes a past version's text again, as a new version (nothing lost)."""
    translation = version.translation
    return do_save_translation(
        translation.article,
        translation.language,
        version.title,
        version.body,
        author,
        note=_("Restored version %(n)s") % {"n": version.number},
    )


@transaction.atomic
def do_delete_translation(translation: ArticleTranslation) -> None:
    indexing.unindex_article_translations([translation.pk])
    article = translation.article
    translation.delete()
    _touch(article)


def check_attachment(upload: UploadedFile, article: Article) -> str:
    """The upload's content type if it may be attached, else ValidationError with the reason."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is too big: at most %(mb)s MB.") % {"mb": MAX_ATTACHMENT_BYTES // 2**20}
        )
    if article.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            _("An article can have at most %(n)s files.") % {"n": MAX_ATTACHMENTS}
        )
    name = (upload.name or "").lower()
    content_type = next((t for t, ext in ALLOWED_TYPES.items() if name.endswith(ext)), None)
    if content_type is None:
        raise ValidationError(
            _("This kind of file cannot be attached: use PNG, JPEG, GIF, WebP, PDF or text.")
        )
    head = upload.read(16)
    upload.seek(0)
    magic = _MAGIC.get(content_type)
    if magic and not head.startswith(magic):
        raise ValidationError(_("The file's content does not match its name."))
    if content_type == "text/plain" and b"\x00" in head:
        raise ValidationError(_("The file's content does not match its name."))
    return content_type


@transaction.atomic
def do_add_attachment(article: Article, upload: UploadedFile, user) -> ArticleAttachment:
    """Attach a file or screenshot (CQ13) after check_attachment."""
    content_type = check_attachment(upload, article)
    filename = (upload.name or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = ArticleAttachment(
        article=article,
        filename=filename,
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    _touch(article)
    return attachment


@transaction.atomic
def do_remove_attachment(attachment: ArticleAttachment) -> None:
    article = attachment.article
    attachment.file.delete(save=False)
    attachment.delete()
    _touch(article)


# --- help-centre feedback ----------------------------------------------------------------

FEEDBACK_PER_HOUR = 5  # per visitor (session, else address), over all articles


@dataclass
class FeedbackResult:
    recorded: bool
    reason: str = ""


def visitor_key(session_key: str | None, address: str | None) -> str:
    raw = f"s:{session_key}" if session_key else f"a:{address or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@transaction.atomic
def do_record_feedback(
    translation: ArticleTranslation, helpful: bool, comment: str, visitor: str
) -> FeedbackResult:
    """Store one "Was this helpful?" answer; one per visitor and translation (a second answer
    replaces the first), at most FEEDBACK_PER_HOUR per visitor an hour."""
    since = timezone.now() - dt.timedelta(hours=1)
    recent = Feedback.objects.filter(visitor=visitor, created_at__gte=since)
    existing = Feedback.objects.filter(visitor=visitor, translation=translation).first()
    if existing is None and recent.count() >= FEEDBACK_PER_HOUR:
        return FeedbackResult(False, "rate")
    comment = comment.strip()[:2000]
    if existing is not None:
        existing.helpful = helpful
        existing.comment = comment or existing.comment
        existing.created_at = timezone.now()
        existing.save(update_fields=["helpful", "comment", "created_at"])
    else:
        Feedback.objects.create(
            translation=translation, helpful=helpful, comment=comment, visitor=visitor
        )
    return FeedbackResult(True)


@transaction.atomic
def do_save_category(
    category: Category | None, *, position: int, name_en: str, name_ru: str, name_zh_hans: str
) -> Category:
    category = category or Category()
    category.position = position
    category.name_en, category.name_ru, category.name_zh_hans = name_en, name_ru, name_zh_hans
    category.save()
    return category
