"""The public help centre at /help/<lang>/ (KN1, docs/kb.md): categories → articles, search,
"Was this helpful?". No JavaScript, no login; a few queries per page (asserted in the tests);
drafts, articles in review, archived and internal articles are a 404 here.

Pages are rendered in the page's language (ru, zh-hans, en), whatever the visitor's cookie or
browser says; /help/ picks one by Accept-Language.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from . import actions
from .access import public_articles
from .forms import FeedbackForm
from .markup import render as render_markdown
from .models import (
    ArticleAttachment,
    ArticleTranslation,
    Category,
    Language,
    Status,
    Visibility,
)
from .search import search_help
from .views import attachment_resolver, serve_attachment

CACHE_SECONDS = 300
IP_FEEDBACK_PER_HOUR = 30  # a whole office behind one address may answer; a bot may not


def _language(code: str) -> str:
    if code not in (Language.EN, Language.RU, Language.ZH):
        raise Http404
    return code


def _page(request: HttpRequest, template: str, language: str, context: dict, status=200):
    with translation.override(language):
        response = render(
            request,
            template,
            {
                **context,
                "language": language,
                "languages": Language.choices,
                "home_url": reverse("help-home", args=[language]),
            },
            status=status,
        )
    response["Content-Language"] = language
    if request.method == "GET" and status == 200:
        # Browsers and proxies may keep a page a few minutes: a published change shows soon
        # enough, and the desk is not asked again for every reader.
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _published(language: str):
    return ArticleTranslation.objects.filter(
        language=language,
        article__status=Status.PUBLISHED,
        article__visibility=Visibility.PUBLIC,
    ).select_related("article")


@require_safe
def help_root(request: HttpRequest) -> HttpResponse:
    code = translation.get_language_from_request(request, check_path=False)
    code = code if code in (Language.EN, Language.RU, Language.ZH) else Language.EN
    response = redirect("help-home", code)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_safe
def help_home(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    categories = list(Category.objects.all())
    articles = list(_published(language).order_by("article__position", "article_id"))
    by_category: dict[int | None, list] = {}
    for t in articles:
        by_category.setdefault(t.article.category_id, []).append(t)
    sections = [(c, by_category[c.pk]) for c in categories if c.pk in by_category]
    if None in by_category:
        sections.append((None, by_category[None]))
    return _page(
        request,
        "help/home.html",
        language,
        {"sections": [(c.name_in(language) if c else None, c, ts) for c, ts in sections]},
    )


@require_safe
def help_category(request: HttpRequest, language: str, pk: int) -> HttpResponse:
    language = _language(language)
    category = get_object_or_404(Category, pk=pk)
    articles = list(
        _published(language).filter(article__category=category).order_by("article__position")
    )
    return _page(
        request,
        "help/category.html",
        language,
        {"category": category, "name": category.name_in(language), "articles": articles},
    )


@require_safe
def help_article(request: HttpRequest, language: str, pk: int) -> HttpResponse:
    language = _language(language)
    translations = list(
        ArticleTranslation.objects.filter(
            article_id=pk,
            article__status=Status.PUBLISHED,
            article__visibility=Visibility.PUBLIC,
        ).select_related("article", "article__category")
    )
    if not translations:
        raise Http404
    by_language = {t.language: t for t in translations}
    shown = by_language.get(language)
    if shown is None:
        # Not written in this language yet: the reader is sent to one that exists.
        fallback = by_language.get(Language.EN) or translations[0]
        return redirect("help-article", fallback.language, pk)
    article = shown.article
    attachments = list(article.attachments.all())
    body_html = render_markdown(shown.body, attachment_resolver(article, "help", attachments))
    return _page(
        request,
        "help/article.html",
        language,
        {
            "t": shown,
            "article": article,
            "category_name": article.category.name_in(language) if article.category else "",
            "body_html": body_html,
            "other_languages": [t for t in translations if t.language != language],
            "thanks": request.GET.get("thanks") in ("1", "0"),
            "helpful": request.GET.get("thanks") == "1",
            "limited": request.GET.get("limited") == "1",
        },
    )


@require_safe
def help_search(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    text = request.GET.get("q", "").strip()[:200]
    hits = search_help(text, language) if text else []
    return _page(request, "help/search.html", language, {"q": text, "hits": hits})


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@require_POST
def help_feedback(request: HttpRequest, language: str, pk: int) -> HttpResponse:
    """ "Was this helpful?" (CSRF-checked form). One answer per visitor and article (a second
    replaces the first); limits per session and per address (docs/kb.md)."""
    language = _language(language)
    shown = get_object_or_404(
        ArticleTranslation,
        article_id=pk,
        language=language,
        article__in=public_articles(),
    )
    form = FeedbackForm(request.POST)
    url = reverse("help-article", args=[language, pk])
    if not form.is_valid() or form.cleaned_data["website"]:
        return redirect(url)
    # A session only when someone answers: readers never get a cookie. A forged session
    # cookie loads nothing and is replaced here.
    request.session.get("kb")
    if not request.session.session_key:
        request.session["kb"] = 1
        request.session.save()
    ip_key = f"kb-feedback-ip:{actions.visitor_key(None, _address(request))}"
    cache.add(ip_key, 0, 3600)
    try:
        ip_count = cache.incr(ip_key)
    except ValueError:
        ip_count = 1
    if ip_count > IP_FEEDBACK_PER_HOUR:
        return redirect(url + "?limited=1")
    result = actions.do_record_feedback(
        shown,
        form.cleaned_data["helpful"],
        form.cleaned_data["comment"],
        actions.visitor_key(request.session.session_key, _address(request)),
    )
    if not result.recorded:
        return redirect(url + "?limited=1")
    return redirect(url + ("?thanks=1" if form.cleaned_data["helpful"] else "?thanks=0"))


@require_safe
def help_file(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    attachment = get_object_or_404(
        ArticleAttachment, pk=pk, article__in=public_articles(), filename=filename
    )
    # Only files the (reviewed, published) text refers to are public: an agent's upload to a
    # published article is not, until a supervisor puts it in the text (docs/kb.md).
    if not ArticleTranslation.objects.filter(
        article_id=attachment.article_id, body__contains=f"attachment:{pk})"
    ).exists():
        raise Http404
    response = serve_attachment(attachment)
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response
