"""Answer suggestions on the ticket page and the supervisors' suggested-FAQ page
(docs/suggestions.md). Thin: access → action → response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.tickets.views import access_ticket

from .actions import MIN_COUNT, do_dismiss_cluster, do_draft_article, do_restore_cluster
from .answers import suggestions_for
from .models import ClusterStatus, FaqCluster, FaqQuestion, MiningState

PAGE = 50
EXAMPLES = 3


@login_required
@require_GET
def ticket_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """The suggestions panel of a ticket, loaded by htmx after the page (KN6)."""
    ticket = access_ticket(request.user, pk)
    return render(
        request,
        "suggest/_suggestions.html",
        {"ticket": ticket, "suggestions": suggestions_for(ticket, request.user)},
    )


def _supervisor(user) -> None:
    if not user.sees_all_teams:
        raise PermissionDenied


def access_cluster(user, pk: int) -> FaqCluster:
    _supervisor(user)
    return get_object_or_404(FaqCluster, pk=pk)


@login_required
@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    """Suggested new FAQ (KN1, KN2): frequent questions no article answers, with counts and
    example tickets; the other tabs list answered, drafted and dismissed ones."""
    _supervisor(request.user)
    status = request.GET.get("status", ClusterStatus.OPEN)
    if status not in ClusterStatus.values:
        status = ClusterStatus.OPEN
    language = request.GET.get("language", "")
    clusters = FaqCluster.objects.filter(status=status).select_related("article")
    if status == ClusterStatus.OPEN:
        clusters = clusters.filter(size__gte=MIN_COUNT)
    if language in ("en", "ru", "zh"):
        clusters = clusters.filter(language=language)
    examples = FaqQuestion.objects.select_related("ticket").order_by("-asked_at", "-id")
    clusters = clusters.prefetch_related(
        Prefetch("questions", queryset=examples[:EXAMPLES], to_attr="examples")
    )[:PAGE]
    return render(
        request,
        "suggest/faq.html",
        {
            "clusters": clusters,
            "status": status,
            "statuses": ClusterStatus.choices,
            "language": language,
            "min_count": MIN_COUNT,
            "state": MiningState.objects.filter(pk=1).first(),
        },
    )


@login_required
@require_POST
def faq_draft(request: HttpRequest, pk: int) -> HttpResponse:
    article = do_draft_article(access_cluster(request.user, pk), request.user)
    messages.success(request, _("A draft article was created: review and publish it."))
    try:
        return redirect(reverse("kb_article", args=[article.pk]))
    except NoReverseMatch:
        return redirect("faq")


@login_required
@require_POST
def faq_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    do_dismiss_cluster(access_cluster(request.user, pk), request.user)
    return redirect("faq")


@login_required
@require_POST
def faq_restore(request: HttpRequest, pk: int) -> HttpResponse:
    do_restore_cluster(access_cluster(request.user, pk), request.user)
    return redirect(f"{reverse('faq')}?status={ClusterStatus.DISMISSED}")
