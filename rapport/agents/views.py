"""/agents/: my availability and breaks; for supervisors, every agent's limits and each team's
assignment mode (ES2, ES6). Thin views: access → form → action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Team, User
from rapport.tickets.models import Ticket

from . import actions
from .assignment import do_set_team_mode
from .forms import AvailabilityForm, BreakForm, EscalateForm, LimitsForm, TeamModeForm
from .limits import settings_for
from .models import AgentSettings, TeamAssignment


def _back(request: HttpRequest, default: str = "agents") -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
def agents_home(request: HttpRequest) -> HttpResponse:
    me = settings_for(request.user)
    context: dict = {
        "me": me,
        "availability_form": AvailabilityForm(initial={"availability": me.availability}),
    }
    if request.user.sees_all_teams:
        agents = list(
            User.objects.filter(is_active=True, teams__isnull=False)
            .distinct()
            .order_by("first_name", "username")
            .prefetch_related("teams")
        )
        rows = {r.user_id: r for r in AgentSettings.objects.filter(user__in=agents)}
        context["agents"] = [(a, rows.get(a.pk) or AgentSettings(user=a)) for a in agents]
        modes = {r.team_id: r for r in TeamAssignment.objects.select_related("last_assignee")}
        context["teams"] = [
            (
                t,
                modes.get(t.pk),
                TeamModeForm(
                    initial={"mode": modes[t.pk].mode} if t.pk in modes else None, prefix=f"t{t.pk}"
                ),
            )
            for t in Team.objects.all()
        ]
    return render(request, "agents/home.html", context)


@login_required
def agent_limits(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(User, pk=pk, is_active=True)
    row = actions.access_agent_settings(request.user, agent)
    form = LimitsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        actions.do_update_limits(row, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("Limits of %(agent)s saved.") % {"agent": agent.display_name})
        return redirect("agents")
    return render(
        request,
        "agents/limits.html",
        {"agent": agent, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def my_availability(request: HttpRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        row = actions.do_set_availability(request.user, form.cleaned_data["availability"])
        messages.success(
            request, _("You are now: %(status)s.") % {"status": row.get_availability_display()}
        )
    return _back(request)


@login_required
@require_POST
def my_break(request: HttpRequest) -> HttpResponse:
    """ES6: a short pause from auto-assignment (or its end)."""
    form = BreakForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A break lasts between 1 and 240 minutes."))
    elif form.cleaned_data["end"]:
        actions.do_end_break(request.user)
        messages.success(request, _("Welcome back: new tickets can be assigned to you again."))
    else:
        row = actions.do_take_break(request.user, form.cleaned_data["minutes"])
        messages.success(
            request,
            _("Take a breath. No new tickets are assigned to you until %(time)s.")
            % {"time": _time(row.paused_until)},
        )
    return _back(request)


def _time(value) -> str:
    return time_format(timezone.localtime(value), "TIME_FORMAT")


@login_required
@require_POST
def team_mode(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators set team assignment."))
    team = get_object_or_404(Team, pk=pk)
    form = TeamModeForm(request.POST, prefix=f"t{team.pk}")
    if form.is_valid():
        do_set_team_mode(team, form.cleaned_data["mode"])
        messages.success(request, _("Assignment of %(team)s saved.") % {"team": team.name})
    return redirect("agents")


@login_required
@require_POST
def escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = EscalateForm(request.POST)
    with transaction.atomic():
        ticket = get_object_or_404(
            Ticket.objects.visible_to(request.user)
            .select_for_update(of=("self",))
            .select_related("team", "customer", "assignee"),
            pk=ticket_id,
        )
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        actions.do_escalate(ticket, actor=request.user, reason=reason)
    messages.success(request, _("Escalated: the supervisors are notified."))
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
        return redirect("inbox")
    return redirect("ticket", pk=ticket.pk)
