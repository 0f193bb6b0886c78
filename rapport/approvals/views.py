"""Empowerment limits (RS7): grant on a ticket, the approval queue, one-click decisions,
the limits page. Thin views: access → validate → one action (docs/approvals.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.tickets.models import Ticket
from rapport.tickets.views import access_ticket

from .actions import can_decide, check_decide, check_grant
from .forms import DecideForm, GrantForm, LimitFormSet
from .models import EmpowermentLimit, Grant, GrantStatus


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_POST
def ticket_grant(request: HttpRequest, pk: int) -> HttpResponse:
    form = GrantForm(request.POST)
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        if not form.is_valid():
            messages.error(request, _("The grant was not recorded: check the amount and reason."))
            return redirect("ticket", pk=ticket.pk)
        try:
            grant = check_grant(ticket, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect("ticket", pk=ticket.pk)
    if grant.status == GrantStatus.GRANTED:
        messages.success(request, _("Granted and recorded on the ticket."))
    else:
        messages.info(request, _("Above your limit: the team's supervisors were asked to approve."))
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    """Requests on tickets the user may see: pending first; decide buttons where allowed."""
    visible = Grant.objects.filter(ticket__in=Ticket.objects.visible_to(request.user))
    visible = visible.exclude(status=GrantStatus.GRANTED).select_related(
        "ticket", "ticket__team", "requested_by", "decided_by"
    )
    pending = [g for g in visible.filter(status=GrantStatus.PENDING).order_by("created_at")[:200]]
    decided = list(visible.exclude(status=GrantStatus.PENDING).order_by("-decided_at")[:50])
    for g in pending:
        g.decidable = can_decide(request.user, g)
    return render(
        request,
        "approvals/list.html",
        {"pending": pending, "decided": decided, "decide_form": DecideForm()},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            grant = check_decide(
                pk,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(
                request, _("Decided: %(status)s.") % {"status": grant.get_status_display()}
            )
    nxt = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("approvals")


@login_required
def limits(request: HttpRequest) -> HttpResponse:
    """Supervisors set what each role grants without approval."""
    if not request.user.sees_all_teams:
        raise PermissionDenied
    formset = LimitFormSet(request.POST or None, queryset=EmpowermentLimit.objects.all())
    if request.method == "POST" and formset.is_valid():
        for form in formset.forms:
            if form.cleaned_data.get("currency"):
                form.instance.currency = form.cleaned_data["currency"].upper()
        formset.save()
        messages.success(request, _("The limits were saved."))
        return redirect("approval-limits")
    return render(request, "approvals/limits.html", {"formset": formset})
