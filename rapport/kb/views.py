"""The agents' knowledge base at /kb/ (docs/kb.md): list and filter, write, submit for review,
publish (supervisors), versions with diffs and restore, attachments, feedback counts.

Thin views: a permission-checked lookup (rapport.kb.access) → a form → one action.
"""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.visibility import shares_a_team

from . import actions
from .access import (
    access_article,
    access_article_for_edit,
    can_edit,
    can_publish,
    public_articles,
    visible_articles,
)
from .forms import (
    ArticleForm,
    AttachmentForm,
    CategoryForm,
    FilterForm,
    SettingsForm,
    TranslationForm,
)
from .markup import render as render_markdown
from .models import (
    Article,
    ArticleAttachment,
    ArticleTranslation,
    ArticleVersion,
    Category,
    Feedback,
    Language,
    Status,
    normalise_language,
)

PAGE = 100


def attachment_resolver(article: Article, prefix: str = "kb", attachments=None):
    """attachment:<id> in a body → the URL of that attachment if it is this article's."""
    files = {a.pk: a for a in (article.attachments.all() if attachments is None else attachments)}

    def url(pk: int) -> str | None:
        a = files.get(pk)
        if a is None:
            return None
        name = "kb-file" if prefix == "kb" else "help-file"
        return reverse(name, args=[a.pk, a.filename])

    return url


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    qs = visible_articles(request.user).select_related("category", "team")
    if form.is_valid():
        f = form.cleaned_data
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["visibility"]:
            qs = qs.filter(visibility=f["visibility"])
        if f["category"]:
            qs = qs.filter(category=f["category"])
        if f["language"]:
            qs = qs.filter(translations__language=f["language"])
        if f["q"]:
            qs = qs.filter(translations__title__icontains=f["q"])
    qs = (
        qs.prefetch_related(
            Prefetch(
                "translations",
                queryset=ArticleTranslation.objects.only("id", "article_id", "language", "title"),
            )
        )
        .order_by("-updated_at", "-id")
        .distinct()
    )
    rows = list(qs[: PAGE + 1])
    language = normalise_language(request.LANGUAGE_CODE)
    # The help centre's answers per article, in one query for the page (N+1 guard).
    counts: dict[tuple[int, bool], int] = {}
    for row in (
        Feedback.objects.filter(translation__article_id__in=[a.pk for a in rows])
        .values("translation__article_id", "helpful")
        .annotate(n=Count("id"))
    ):
        counts[row["translation__article_id"], row["helpful"]] = row["n"]
    for article in rows:
        article.shown = article.translation(language)
        article.category_name = article.category.name_in(language) if article.category else ""
        article.helpful_yes = counts.get((article.pk, True), 0)
        article.helpful_no = counts.get((article.pk, False), 0)
    review = visible_articles(request.user).filter(status=Status.REVIEW).count()
    return render(
        request,
        "kb/list.html",
        {
            "form": form,
            "rows": rows[:PAGE],
            "more": len(rows) > PAGE,
            "in_review": review,
            "can_publish": can_publish(request.user),
        },
    )


@login_required
def article_new(request: HttpRequest) -> HttpResponse:
    initial = {"language": normalise_language(request.LANGUAGE_CODE) or Language.EN}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data
        team = f["team"]
        # A partner-team agent's article belongs to their team: a team-less one is
        # company-wide, and they would lose sight of their own draft (docs/permissions.md).
        if not shares_a_team(request.user, team.pk if team else None):
            form.add_error("team", _("You can only choose one of your teams."))
        else:
            article = actions.do_create_article(
                request.user,
                language=f["language"],
                title=f["title"],
                body=f["body"],
                category=f["category"],
                visibility=f["visibility"],
                team=team,
            )
            messages.success(request, _("Draft saved."))
            return redirect("kb_article", article.pk)
    return render(request, "kb/new.html", {"form": form}, status=400 if form.errors else 200)


def _feedback_counts(article: Article) -> dict[str, dict[str, int]]:
    rows = (
        ArticleTranslation.objects.filter(article=article)
        .annotate(
            yes=Count("feedback", filter=Q(feedback__helpful=True)),
            no=Count("feedback", filter=Q(feedback__helpful=False)),
        )
        .values("language", "yes", "no")
    )
    return {r["language"]: {"yes": r["yes"], "no": r["no"]} for r in rows}


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = access_article(request.user, pk)
    translations = list(article.translations.select_related("updated_by"))
    wanted = normalise_language(request.GET.get("lang") or request.LANGUAGE_CODE)
    by_language = {t.language: t for t in translations}
    shown = by_language.get(wanted) or (translations[0] if translations else None)
    attachments = list(article.attachments.all())
    resolver = attachment_resolver(article, "kb", attachments)
    counts = _feedback_counts(article)
    for t in translations:
        t.helpful_yes = counts.get(t.language, {}).get("yes", 0)
        t.helpful_no = counts.get(t.language, {}).get("no", 0)
    comments = shown.feedback.exclude(comment="").order_by("-created_at")[:20] if shown else []
    return render(
        request,
        "kb/article.html",
        {
            "article": article,
            "category_name": article.category.name_in(request.LANGUAGE_CODE)
            if article.category
            else "",
            "translations": translations,
            "shown": shown,
            "body_html": render_markdown(shown.body, resolver) if shown else "",
            "missing": [c for c in Language if c.value not in by_language],
            "attachments": attachments,
            "comments": comments,
            "can_edit": can_edit(request.user, article),
            "can_publish": can_publish(request.user),
            "can_translate": can_edit(request.user, article)
            and (article.status != Status.PUBLISHED or can_publish(request.user)),
            "proposals": ArticleVersion.objects.filter(
                translation__article=article, proposed=True, resolved_at=None
            ).count(),
            "settings_form": SettingsForm(
                initial={
                    "category": article.category_id,
                    "visibility": article.visibility,
                    "team": article.team_id,
                    "position": article.position,
                }
            ),
            "attachment_form": AttachmentForm(),
            "public_url": reverse("help-article", args=[shown.language, article.pk])
            if shown and article.is_public
            else "",
        },
    )


@login_required
def translation_edit(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    article = access_article_for_edit(request.user, pk)
    code = normalise_language(language)
    if code is None or code != language:
        raise Http404
    translation = article.translations.filter(language=code).first()
    initial = {"title": translation.title, "body": translation.body} if translation else {}
    form = TranslationForm(request.POST or None, initial=initial)
    proposing = article.status == Status.PUBLISHED and not can_publish(request.user)
    if proposing and translation is None:
        messages.error(request, _("A supervisor adds translations to a published article."))
        return redirect("kb_article", article.pk)
    if request.method == "POST" and form.is_valid():
        title, body = form.cleaned_data["title"], form.cleaned_data["body"]
        if proposing:
            # Publishing needs a supervisor: an agent's change to public text is a proposal.
            actions.do_propose_translation(translation, title, body, request.user)
            messages.success(
                request,
                _("Your change waits for a supervisor; the public text stays until it is applied."),
            )
            return redirect("kb_versions", article.pk, code)
        actions.do_save_translation(article, code, title, body, request.user)
        messages.success(request, _("Saved. The previous text is kept as a version."))
        return redirect(f"{reverse('kb_article', args=[article.pk])}?lang={code}")
    return render(
        request,
        "kb/edit.html",
        {
            "article": article,
            "language": code,
            "language_name": Language(code).label,
            "translation": translation,
            "form": form,
            "attachments": list(article.attachments.all()),
            "proposing": proposing,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def article_settings(request: HttpRequest, pk: int) -> HttpResponse:
    article = access_article_for_edit(request.user, pk)
    form = SettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Those settings could not be saved."))
        return redirect("kb_article", article.pk)
    f = form.cleaned_data
    team = f["team"]
    if not shares_a_team(request.user, team.pk if team else None):
        messages.error(request, _("You can only choose one of your teams."))
        return redirect("kb_article", article.pk)
    if article.status == Status.PUBLISHED and not can_publish(request.user):
        # Making a published article public or moving it changes what the public sees.
        messages.error(request, _("Only a supervisor can change a published article's settings."))
        return redirect("kb_article", article.pk)
    actions.do_update_article(
        article,
        category=f["category"],
        visibility=f["visibility"],
        team=team,
        position=f["position"],
    )
    messages.success(request, _("Settings saved."))
    return redirect("kb_article", article.pk)


TRANSITIONS = {
    "submit": (actions.do_submit_for_review, _("Submitted for review.")),
    "draft": (actions.do_return_to_draft, _("Back to draft.")),
    "publish": (actions.do_publish, _("Published: the help centre shows it now.")),
    "archive": (actions.do_archive, _("Archived.")),
}


@login_required
@require_POST
def article_transition(request: HttpRequest, pk: int) -> HttpResponse:
    article = access_article_for_edit(request.user, pk)
    step = TRANSITIONS.get(request.POST.get("to", ""))
    if step is None:
        raise Http404
    action, done = step
    needs_publisher = action in (actions.do_publish, actions.do_archive) or (
        article.status == Status.PUBLISHED  # taking a published article down
    )
    if needs_publisher and not can_publish(request.user):
        raise PermissionDenied
    try:
        action(article, request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, str(done))
    return redirect("kb_article", article.pk)


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff as (kind, line): kind '+', '-', ' ' or '@' (escaped by the template)."""
    lines = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        lines.append((line[:1] if line[:1] in "+-@" else " ", line))
    return lines


@login_required
def versions(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    article = access_article(request.user, pk)
    translation = get_object_or_404(ArticleTranslation, article=article, language=language)
    rows = list(translation.versions.select_related("author"))
    number = request.GET.get("v")
    chosen = next((v for v in rows if str(v.number) == number), rows[0] if rows else None)
    # Compared with the text that was live before it (proposals never were).
    previous = next(
        (v for v in rows if chosen and v.number < chosen.number and not v.proposed), None
    )
    diff = []
    if chosen:
        old_title, old_body = (previous.title, previous.body) if previous else ("", "")
        diff = _diff(
            f"# {old_title}\n\n{old_body}" if previous else "", f"# {chosen.title}\n\n{chosen.body}"
        )
    return render(
        request,
        "kb/versions.html",
        {
            "article": article,
            "translation": translation,
            "versions": rows,
            "chosen": chosen,
            "previous": previous,
            "diff": diff,
            "can_edit": can_edit(request.user, article),
            "can_publish": can_publish(request.user),
            "current": next((v for v in rows if not v.proposed), None),
        },
    )


@login_required
@require_POST
def version_restore(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ArticleVersion.objects.select_related("translation"), pk=pk)
    article = access_article_for_edit(request.user, version.translation.article_id)
    if article.status == Status.PUBLISHED and not can_publish(request.user):
        actions.do_propose_translation(
            version.translation, version.title, version.body, request.user
        )
        messages.success(request, _("Proposed: a supervisor applies it."))
        return redirect("kb_versions", article.pk, version.translation.language)
    actions.do_restore_version(version, request.user)
    messages.success(
        request, _("Version %(n)s restored as the newest version.") % {"n": version.number}
    )
    return redirect(
        f"{reverse('kb_article', args=[article.pk])}?lang={version.translation.language}"
    )


@login_required
@require_POST
def translation_delete(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """Remove one language of an article (its versions go with it); never the last one."""
    article = access_article_for_edit(request.user, pk)
    if article.status == Status.PUBLISHED and not can_publish(request.user):
        raise PermissionDenied
    translation = get_object_or_404(ArticleTranslation, article=article, language=language)
    if article.translations.count() < 2:
        messages.error(request, _("An article keeps at least one translation."))
    else:
        actions.do_delete_translation(translation)
        messages.success(request, _("Translation removed."))
    return redirect("kb_article", article.pk)


@login_required
@require_POST
def proposal_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ArticleVersion.objects.select_related("translation"), pk=pk)
    article = access_article_for_edit(request.user, version.translation.article_id)
    if not can_publish(request.user):
        raise PermissionDenied
    apply = request.POST.get("apply") == "1"
    actions.do_resolve_proposal(version, request.user, apply=apply)
    messages.success(request, _("Applied: the public text changed.") if apply else _("Declined."))
    return redirect("kb_versions", article.pk, version.translation.language)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    article = access_article_for_edit(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            a = actions.do_add_attachment(article, form.cleaned_data["file"], request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(
                request,
                _("Attached. Show it in the text with ![what it shows](attachment:%(id)s).")
                % {"id": a.pk},
            )
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("kb_article", article.pk)


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(ArticleAttachment, pk=pk)
    article = access_article_for_edit(request.user, attachment.article_id)
    if article.status == Status.PUBLISHED and not can_publish(request.user):
        raise PermissionDenied  # the public text may show it
    actions.do_remove_attachment(attachment)
    messages.success(request, _("Attachment removed."))
    return redirect("kb_article", article.pk)


def serve_attachment(attachment: ArticleAttachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as e:
        raise Http404 from e
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_image,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Never sniffed into HTML; never run as a page of this site.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def attachment_file(request: HttpRequest, pk: int, filename: str) -> FileResponse:
    attachment = get_object_or_404(ArticleAttachment, pk=pk)
    access_article(request.user, attachment.article_id)
    return serve_attachment(attachment)


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    if not can_publish(request.user):
        raise PermissionDenied
    edit = None
    if request.GET.get("edit"):
        edit = get_object_or_404(Category, pk=request.GET["edit"])
    form = CategoryForm(request.POST or None, instance=edit)
    if request.method == "POST" and form.is_valid():
        actions.do_save_category(edit, **form.cleaned_data)
        messages.success(request, _("Category saved."))
        return redirect("kb_categories")
    rows = Category.objects.annotate(
        published=Count("articles", filter=Q(articles__in=public_articles()))
    )
    return render(
        request,
        "kb/categories.html",
        {"form": form, "rows": rows, "edit": edit},
        status=400 if form.errors else 200,
    )
