"""The review inbox, a review with its public reply, entry, CSV import, the report, and the
JSON API (CH7, FB5). Thin: permission-checked lookup → form → one action. docs/reviews.md."""

from __future__ import annotations

import hmac
import json
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Q, Value, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapport.accounts.models import Team
from rapport.tickets import coaching

from . import actions
from .checks import fb5_summary, review_findings
from .forms import (
    ImportForm,
    PeriodForm,
    PolicyForm,
    ReplyForm,
    ReviewEntryForm,
    ReviewFilterForm,
    SourceForm,
)
from .models import Review, ReviewPolicy, ReviewSource
from .report import response_report

API_MAX_ITEMS = 500
API_MAX_BYTES = 2 * 1024 * 1024


def visible_reviews(user):
    """Reviews an agent may see: those whose ticket is in one of their teams (all for
    supervisors), as for tickets."""
    qs = Review.objects.all()
    if user.sees_all_teams:
        return qs
    return qs.filter(ticket__team_id__in=user.team_ids)


def access_review(user, pk: int) -> Review:
    """The review if `user` may see it; 404 otherwise (outsiders learn nothing)."""
    qs = visible_reviews(user).select_related(
        "source", "ticket", "ticket__team", "customer", "replied_by"
    )
    return get_object_or_404(qs, pk=pk)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None, user=request.user)
    qs = visible_reviews(request.user)
    now = timezone.now()
    overdue_q = Q(replied_at=None, due_at__lt=now)
    counts = qs.aggregate(
        overdue=Count("id", filter=overdue_q),
        unanswered=Count("id", filter=Q(replied_at=None)),
        negative_open=Count("id", filter=Q(replied_at=None, negative=True)),
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["source"]:
            qs = qs.filter(source=data["source"])
        if data["rating"]:
            qs = qs.filter(rating=data["rating"])
        if data["mood"]:
            qs = qs.filter(mood=data["mood"])
        answered = data["answered"]
        if answered == "yes":
            qs = qs.exclude(replied_at=None)
        elif answered == "no":
            qs = qs.filter(replied_at=None)
        elif answered == "overdue":
            qs = qs.filter(overdue_q)
    # Overdue negative reviews first, then unanswered by due time, then the newest.
    # Unanswered first, by due time (overdue at the top); then the newest.
    qs = (
        qs.select_related("source", "customer", "replied_by")
        .annotate(
            answered=Case(When(replied_at=None, then=Value(0)), default=Value(1)),
            due_first=Case(When(replied_at=None, then=F("due_at")), default=None),
        )
        .order_by("answered", F("due_first").asc(nulls_last=True), "-received_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/inbox.html",
        {"form": form, "page": page, "counts": counts, "now": now, "query": query.urlencode()},
    )


def _coach_report(review: Review, text: str) -> dict | None:
    """The coach's reply checks with the review-specific ones (FB5) added."""
    if not text.strip():
        return None
    report = coaching.review(review.ticket, text)
    extra = review_findings(text, negative=review.negative)
    order = {"high": 0, "medium": 1, "low": 2}
    report["findings"] = sorted(
        extra + report["findings"], key=lambda f: order.get(f["severity"], 3)
    )
    report["fb5"] = fb5_summary(report["findings"])
    return report


@login_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    review = access_review(request.user, pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_publish_reply(
                review.pk,
                actor=request.user,
                text=form.cleaned_data["body"],
                solve=form.cleaned_data["solve"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _(
                    "The reply is recorded as published. Paste it on the review site if you "
                    "have not yet."
                ),
            )
            return redirect("review", pk=review.pk)
    return render(
        request,
        "reviews/review.html",
        {"review": review, "form": form, "now": timezone.now()},
    )


@login_required
@require_POST
def review_coach(request: HttpRequest, pk: int) -> HttpResponse:
    """Live checks on the public reply being typed (htmx, debounced). Advice only."""
    review = access_review(request.user, pk)
    text = (request.POST.get("body") or "")[:50_000]
    return render(request, "reviews/_coach.html", {"report": _coach_report(review, text)})


@login_required
def review_add(request: HttpRequest) -> HttpResponse:
    form = ReviewEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "id": data["external_id"] or f"manual:{timezone.now().timestamp():.6f}",
            "rating": str(data["rating"]),
            "text": data["text"],
            "author": data["author"],
            "email": data["email"],
            "url": data["url"],
            "date": data["date"].isoformat() if data["date"] else "",
        }
        result = actions.do_receive_review(
            data["source"], fields, via="form", tz=actions.time_zone_of(request.user)
        )
        if result.review is not None:
            messages.success(request, _("The review is in."))
            return redirect("review", pk=result.review.pk)
        form.add_error(None, " ".join(result.errors))
    return render(request, "reviews/add.html", {"form": form})


@login_required
def review_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        report = actions.import_csv(
            form.cleaned_data["source"],
            form.cleaned_data["file"].read(),
            encoding=form.cleaned_data["encoding"],
            tz=actions.time_zone_of(request.user),
            defer=settings.RAPPORT_INTAKE_DEFERRED,  # large files: the intake worker's batches
        )
    return render(request, "reviews/import.html", {"form": form, "report": report})


@login_required
def review_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start, end = today - timedelta(days=29), today
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    reviews = visible_reviews(request.user).filter(received_at__gte=since, received_at__lt=until)
    return render(
        request,
        "reviews/report.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "report": response_report(reviews, timezone.now()),
        },
    )


@login_required
def review_settings(request: HttpRequest) -> HttpResponse:
    """Supervisors set each team's review policy (FB5: the answer time for negative reviews,
    the invitation link) and the sources (their team, webhook and API token)."""
    if not request.user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators change review settings."))
    teams = list(Team.objects.order_by("name"))
    policies = {p.team_id: p for p in ReviewPolicy.objects.filter(team__in=teams)}
    which = request.POST.get("form", "")
    policy_forms = []
    for team in teams:
        instance = policies.get(team.pk) or ReviewPolicy(team=team)
        bound = request.method == "POST" and which == f"team-{team.pk}"
        form = PolicyForm(
            request.POST if bound else None, instance=instance, prefix=f"team-{team.pk}"
        )
        if bound and form.is_valid():
            changed = actions.do_set_policy(form.save(commit=False))
            messages.success(
                request,
                _("Saved; %(n)s unanswered reviews of %(team)s follow the new policy.")
                % {"n": changed, "team": team.name},
            )
            return redirect("review-settings")
        policy_forms.append((team, form))
    source_id = which.removeprefix("source-") if which.startswith("source-") else None
    source_forms = []
    for source in ReviewSource.objects.select_related("team"):
        bound = request.method == "POST" and source_id == str(source.pk)
        form = SourceForm(
            request.POST if bound else None, instance=source, prefix=f"source-{source.pk}"
        )
        if bound and form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("review-settings")
        source_forms.append((source, form))
    if request.method == "POST" and which.startswith("token-"):
        source = get_object_or_404(ReviewSource, pk=which.removeprefix("token-"))
        actions.do_new_api_token(source)
        messages.success(request, _("%(source)s has a new API token.") % {"source": source.name})
        return redirect("review-settings")
    new_bound = request.method == "POST" and which == "source-new"
    new_source = SourceForm(request.POST if new_bound else None, prefix="source-new")
    if new_bound and new_source.is_valid():
        new_source.save()
        messages.success(request, _("Saved."))
        return redirect("review-settings")
    return render(
        request,
        "reviews/settings.html",
        {
            "policy_forms": policy_forms,
            "source_forms": source_forms,
            "new_source": new_source,
            "api_base": request.build_absolute_uri("/reviews/api/"),
        },
    )


# --- The JSON API: a review site's connector posts reviews, authenticated per source ------


@csrf_exempt  # authenticated by the source's bearer token, not a browser session
@require_POST
def api_reviews(request: HttpRequest, source_id: int) -> JsonResponse:
    """POST one review object, a list of them, or {"reviews": [...]}; each is answered in
    order with its state ("imported", "duplicate" or "error" with the reasons)."""
    source = ReviewSource.objects.filter(pk=source_id, is_active=True).first()
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if source is None or not token or not hmac.compare_digest(token, source.api_token):
        return JsonResponse({"error": "A valid bearer token is required."}, status=403)
    if len(request.body) > API_MAX_BYTES:
        return JsonResponse({"error": "The request is larger than 2 MB."}, status=413)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The body must be JSON."}, status=400)
    items = data.get("reviews") if isinstance(data, dict) and "reviews" in data else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        return JsonResponse({"error": "Send a review object or a list of them."}, status=400)
    if len(items) > API_MAX_ITEMS:
        return JsonResponse({"error": f"At most {API_MAX_ITEMS} reviews a request."}, status=413)
    results = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            results.append({"index": n, "state": "error", "errors": ["Not a JSON object."]})
            continue
        fields = {k: v for k, v in item.items() if isinstance(v, str | int | float)}
        result = actions.do_receive_review(
            source, fields, via="api", line=n, defer=settings.RAPPORT_INTAKE_DEFERRED
        )
        results.append(
            {
                "index": n,
                "state": result.status,
                "review": result.review.pk if result.review else None,
                "errors": result.errors,
            }
        )
    failed = sum(1 for r in results if r["state"] == "error")
    accepted = any(r["state"] == "accepted" for r in results)  # deferred: the worker's turn
    status = (202 if accepted else 200) if not failed else (207 if failed < len(results) else 422)
    return JsonResponse({"results": results}, status=status)
