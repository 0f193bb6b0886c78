"""Views of rapport.feedback: the customer's public survey page (signed links, no login), the
agent's "confirmed by phone" button, the service-level index and the churn-risk list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Team
from rapport.customers.models import Customer
from rapport.tickets.views import access_ticket

from .actions import check_confirm_resolution, do_answer_survey, do_confirm_resolution
from .churn import explain
from .forms import FeedbackSettingsForm
from .index import service_index
from .links import BadLink, ExpiredLink, make_token, read_token
from .models import DEFAULTS, ChurnRisk, FeedbackSettings, Level, Source, Survey

PUBLIC_LANGUAGES = ("en", "ru", "zh-hans")


def _public(request, template: str, lang: str, context: dict, status: int = 200):
    """A public page in the survey's language (or the one the customer picked)."""
    picked = request.GET.get("lang")
    lang = picked if picked in PUBLIC_LANGUAGES else lang
    with translation.override(lang):
        context.update(lang=lang, languages=PUBLIC_LANGUAGES)
        response = render(request, template, context, status=status)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _read(request, token: str):
    """(survey, what) or an error page: tampered and expired links say so plainly."""
    lang = translation.get_language() or "en"
    try:
        survey_id, what = read_token(token)
    except ExpiredLink:
        return None, _public(request, "feedback/link_error.html", lang, {"expired": True}, 410)
    except BadLink:
        return None, _public(request, "feedback/link_error.html", lang, {"expired": False}, 400)
    survey = Survey.objects.select_related("ticket").filter(pk=survey_id).first()
    if survey is None:
        return None, _public(request, "feedback/link_error.html", lang, {"expired": False}, 404)
    return (survey, what), None


def survey_link(request: HttpRequest, token: str) -> HttpResponse:
    """One click: a level is recorded (a different level later replaces it; the same one is
    not recorded twice), or the resolution is confirmed. Then a comment form."""
    found, error = _read(request, token)
    if error:
        return error
    survey, what = found
    context = {"survey": survey, "token": token, "ticket": survey.ticket}
    if request.user.is_authenticated:
        # An agent clicking a link in the ticket's timeline must not answer for the customer.
        context.update(agent_view=True)
        return _public(request, "feedback/link.html", survey.language, context, 403)
    if what == "ok":
        confirmation = do_confirm_resolution(survey.ticket, source=Source.LINK)
        context.update(confirmed=confirmation)
        return _public(request, "feedback/link.html", survey.language, context)
    level = int(what)
    if survey.level == level:
        context.update(outcome="same")
    else:
        survey, before = do_answer_survey(survey, level=level, source=Source.LINK)
        context.update(outcome="changed" if before else "recorded", before=before and Level(before))
    context.update(survey=survey, level=Level(level), confirm_token=make_token(survey.pk, "ok"))
    if level >= Level.EXCEEDED:  # FB5: satisfied customers may be invited to a public review
        from rapport.reviews.invite import review_invitation_url

        context.update(review_url=review_invitation_url(survey.team_id, survey.language))
    return _public(request, "feedback/link.html", survey.language, context)


@require_POST
def survey_comment(request: HttpRequest, token: str) -> HttpResponse:
    """The optional comment (a form with CSRF protection). Sending again replaces it."""
    found, error = _read(request, token)
    if error:
        return error
    survey, what = found
    comment = (request.POST.get("comment") or "").strip()[:2000]
    context = {"survey": survey, "token": token, "ticket": survey.ticket}
    if request.user.is_authenticated:  # agents do not comment for the customer
        context.update(agent_view=True)
        return _public(request, "feedback/link.html", survey.language, context, 403)
    if not comment:
        context.update(outcome="empty_comment")
        return _public(request, "feedback/link.html", survey.language, context, 400)
    replaced = bool(survey.comment)
    survey, _before = do_answer_survey(survey, comment=comment, source=survey.source or Source.LINK)
    context.update(survey=survey, outcome="comment_replaced" if replaced else "comment_saved")
    return _public(request, "feedback/link.html", survey.language, context)


@login_required
@require_POST
def confirm_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    """TR5: the agent records "yes, this suits me" given by phone or in person."""
    ticket = access_ticket(request.user, pk)
    check_confirm_resolution(ticket, agent=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("The customer's confirmation is recorded."))
    return redirect("ticket", pk=ticket.pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    try:
        weeks = min(max(int(request.GET.get("weeks", 12)), 1), 104)
    except ValueError:
        weeks = 12
    return render(request, "feedback/index.html", service_index(request.user, weeks=weeks))


@login_required
def churn_list(request: HttpRequest) -> HttpResponse:
    """FB6: customers most at risk, for supervisors (computed hourly, read here)."""
    _supervisor(request)
    rows = list(
        ChurnRisk.objects.select_related("customer").filter(customer__merged_into=None)[:200]
    )
    for row in rows:
        row.explained = [explain(s) for s in row.signals]
    return render(
        request, "feedback/churn.html", {"rows": rows, "total": ChurnRisk.objects.count()}
    )


def _supervisor(request) -> None:
    if not request.user.sees_all_teams:
        raise PermissionDenied


@login_required
def team_settings_view(request: HttpRequest) -> HttpResponse:
    """Per-team survey policy (FB1's throttle, the bad level), edited by supervisors."""
    _supervisor(request)
    teams = list(Team.objects.order_by("name"))
    current = {s.team_id: s for s in FeedbackSettings.objects.all()}
    status = 200
    if request.method == "POST":
        team = next((t for t in teams if str(t.pk) == request.POST.get("team")), None)
        if team is None:
            raise Http404
        instance = current.get(team.pk) or FeedbackSettings(team=team)
        form = FeedbackSettingsForm(request.POST, instance=instance, prefix=f"t{team.pk}")
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("feedback-settings")
        status = 400
    rows = []
    for team in teams:
        instance = current.get(team.pk) or FeedbackSettings(
            team=team,
            surveys_enabled=DEFAULTS.surveys_enabled,
            period_days=DEFAULTS.period_days,
            bad_level=DEFAULTS.bad_level,
        )
        bound = request.method == "POST" and request.POST.get("team") == str(team.pk)
        rows.append(
            (
                team,
                form if bound else FeedbackSettingsForm(instance=instance, prefix=f"t{team.pk}"),
            )
        )
    return render(request, "feedback/settings.html", {"rows": rows}, status=status)


def customer_risk(customer: Customer) -> ChurnRisk | None:
    risk = ChurnRisk.objects.filter(customer=customer).first()
    if risk is not None:
        risk.explained = [explain(s) for s in risk.signals]
    return risk
