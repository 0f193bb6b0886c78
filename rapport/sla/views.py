"""/sla/: the supervisor's SLA page, calendars and policies. Thin views: access → form → action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Team

from . import actions, report
from .forms import CalendarForm, PolicyForm
from .models import BusinessCalendar, SlaPolicy

PERIODS = (7, 30, 90)


def access_sla_settings(user) -> None:
    """SLA configuration and reports are for supervisors and administrators only."""
    if not user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators manage service levels."))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    access_sla_settings(request.user)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    teams = list(Team.objects.all())
    team_id = request.GET.get("team")
    team_id = int(team_id) if team_id and team_id.isdigit() else None
    return render(
        request,
        "sla/overview.html",
        {
            "days": days,
            "periods": PERIODS,
            "teams": teams,
            "team_id": team_id,
            "rows": report.attainment(days, team_id),
            "promises": report.promises(days, team_id),
            "overdue": report.overdue_now(team_id),
            "calendars": BusinessCalendar.objects.select_related("team"),
            "policies": SlaPolicy.objects.select_related("organisation", "team"),
        },
    )


@login_required
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_sla_settings(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else BusinessCalendar()
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        actions.do_save_calendar(form.save(commit=False), week=form.week, days=form.days)
        messages.success(
            request, _("The calendar is saved; open tickets' due times are being recomputed.")
        )
        return redirect("sla")
    return render(
        request,
        "sla/form.html",
        {"form": form, "title": _("Business calendar"), "object": calendar},
        status=400 if form.errors else 200,
    )


@login_required
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_sla_settings(request.user)
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else SlaPolicy()
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        actions.do_save_policy(form.save(commit=False))
        messages.success(
            request,
            _("The policy is saved; it applies to new tickets, and open tickets are re-targeted."),
        )
        return redirect("sla")
    return render(
        request,
        "sla/form.html",
        {"form": form, "title": _("SLA policy"), "object": policy},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    access_sla_settings(request.user)
    actions.do_delete_policy(get_object_or_404(SlaPolicy, pk=pk))
    messages.success(request, _("The policy is deleted."))
    return redirect("sla")
