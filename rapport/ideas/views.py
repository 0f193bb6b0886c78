"""The suggestion box (KN5): propose from a ticket, the grouped list, vote, answer
(docs/ideas.md). Thin views: access → validate → one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.suggest.models import FaqCluster
from rapport.tickets.views import access_ticket

from .actions import access_idea, check_answer, check_propose, do_toggle_vote
from .forms import AnswerForm, IdeaForm
from .grouping import best_problem, by_category, by_keywords
from .models import IdeaCategory, IdeaStatus, IdeaVote, visible_ideas

LIST_LIMIT = 500


@login_required
@require_POST
def ticket_propose(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    form = IdeaForm(request.POST)
    if form.is_valid():
        try:
            check_propose(ticket, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your suggestion went to the supervisors."))
    else:
        messages.error(request, _("Write the suggestion."))
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_GET
def idea_list(request: HttpRequest) -> HttpResponse:
    """Ideas grouped by similar words (or by category), open ones by default."""
    status = request.GET.get("status", "open")
    group = request.GET.get("group", "words")
    qs = visible_ideas(request.user).select_related("author", "ticket", "problem")
    if status == "open":
        qs = qs.filter(status__in=[IdeaStatus.NEW, IdeaStatus.PLANNED])
    elif status in IdeaStatus.values:
        qs = qs.filter(status=status)
    qs = qs.annotate(voted=Exists(IdeaVote.objects.filter(idea=OuterRef("pk"), user=request.user)))
    ideas = list(qs.order_by("-vote_count", "-created_at")[:LIST_LIMIT])
    if group == "category":
        groups = by_category(ideas, dict(IdeaCategory.choices), _("No category"))
    else:
        groups = by_keywords(ideas)
    return render(
        request,
        "ideas/list.html",
        {
            "groups": groups,
            "status": status,
            "statuses": [("open", _("Open")), *IdeaStatus.choices, ("all", _("All"))],
            "group": group,
            "count": len(ideas),
        },
    )


@login_required
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = access_idea(request.user, pk)
    form = None
    if request.user.sees_all_teams:
        suggested = None
        if idea.problem_id is None:
            suggested = best_problem(idea, FaqCluster.objects.order_by("-size")[:300])
        form = AnswerForm(
            request.POST or None,
            current=idea.problem_id,
            initial={
                "status": idea.status,
                "category": idea.category,
                "problem": idea.problem_id or (suggested.pk if suggested else None),
                "note": idea.status_note,
            },
        )
        if request.method == "POST" and form.is_valid():
            check_answer(
                idea,
                actor=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                category=form.cleaned_data["category"],
                problem=form.cleaned_data["problem"],
            )
            messages.success(request, _("Saved."))
            return redirect("idea", pk=idea.pk)
    elif request.method == "POST":
        raise PermissionDenied
    voted = IdeaVote.objects.filter(idea=idea, user=request.user).exists()
    return render(request, "ideas/idea.html", {"idea": idea, "form": form, "voted": voted})


@login_required
@require_POST
def idea_vote(request: HttpRequest, pk: int) -> HttpResponse:
    idea = access_idea(request.user, pk)
    do_toggle_vote(idea, user=request.user)
    if request.POST.get("back") == "list":
        return redirect("ideas")
    return redirect("idea", pk=idea.pk)
