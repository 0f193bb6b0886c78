"""The CTI webhook, the call log and the walk-in desk (CH4, CH5, ES7, RS6). Thin views.

See docs/phone.md.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rapport.customers.models import Customer
from rapport.tickets.models import Ticket

from . import actions, cti
from .forms import CallLogForm, VisitForm
from .models import CtiIntegration, VisitOutcome

log = logging.getLogger(__name__)

MAX_CTI_BODY = 64 * 1024
CALLS_SHOWN = 100


def agent_required(view):
    """Signed-in agents of a team, and supervisors; everyone else gets nothing."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not actions.is_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- the CTI webhook ---------------------------------------------------------------------------


def _refuse(integration: CtiIntegration | None, reason: str, status: int) -> JsonResponse:
    if integration is not None:
        cti.count_rejection(integration, reason)
    log.info("phone: CTI event refused (%s): %s", status, reason)
    return JsonResponse({"error": reason}, status=status)


@csrf_exempt  # authenticated by the integration's bearer token, not a browser session
@require_POST
def cti_webhook(request: HttpRequest, integration_id: int) -> JsonResponse:
    """POST /phone/cti/<id>/ — a phone system's call event (ringing, answered, ended)."""
    integration = CtiIntegration.objects.select_related("team").filter(pk=integration_id).first()
    if integration is None or not integration.is_active:
        return _refuse(None, "No such CTI integration.", 404)
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _refuse(integration, "A bearer token is required.", 401)
    if not integration.token_matches(header.removeprefix("Bearer ").strip()):
        return _refuse(integration, "The token is not valid for this integration.", 403)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(integration, "The body is larger than the server accepts.", 413)
    if len(body) > MAX_CTI_BODY:
        return _refuse(integration, f"The body is larger than {MAX_CTI_BODY} bytes.", 413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(integration, "The body is not valid JSON.", 400)
    try:
        event = cti.parse_cti_event(data)
    except cti.CtiRejected as exc:
        return _refuse(integration, exc.reason, exc.status)
    result = cti.do_cti_event(integration, event)
    return JsonResponse(result, status=200 if result["duplicate"] else 202)


# --- calls ---------------------------------------------------------------------------------


@agent_required
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """Recent calls of the agent's teams (all for supervisors) and the checklist figures."""
    calls = actions.visible_calls(request.user)
    rows = list(
        calls.select_related("customer", "agent", "ticket", "team").order_by("-started_at", "-id")[
            :CALLS_SHOWN
        ]
    )
    return render(
        request,
        "phone/calls.html",
        {"rows": rows, "figures": actions.checklist_figures(calls)},
    )


@agent_required
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The customer lookup behind the call and desk forms (htmx)."""
    query = request.GET.get("q", "")
    return render(
        request,
        "phone/_lookup.html",
        {"found": actions.customers_for_lookup(request.user, query), "q": query},
    )


def _initial_call(request: HttpRequest) -> dict:
    """Prefill from ?call= (a CTI call), ?ticket= or ?customer=."""
    initial: dict = {}
    call_id = request.GET.get("call", "")
    ticket_id = request.GET.get("ticket", "")
    customer_id = request.GET.get("customer", "")
    if call_id.isdigit():
        call = actions.access_call(request.user, int(call_id))
        initial.update(call=call.pk, direction=call.direction)
        if call.customer_id:
            initial["customer"] = call.customer_id
        else:
            initial["phone"] = call.customer_number
        if call.outcome:
            initial["outcome"] = call.outcome
    if ticket_id.isdigit():
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=int(ticket_id))
        initial.update(ticket=ticket.pk, customer=ticket.customer_id, team=ticket.team_id)
    elif customer_id.isdigit():
        from rapport.customers.views import access_customer

        initial["customer"] = access_customer(request.user, int(customer_id)).pk
    return initial


def _chosen(form) -> Customer | None:
    pk = form.cleaned_data.get("customer")
    return Customer.objects.filter(pk=pk).first() if pk else None


@agent_required
def call_log(request: HttpRequest) -> HttpResponse:
    """Log a call (CH4): customer, direction, outcome, notes, the etiquette checklist (ES7)
    and a callback promise (RS6)."""
    teams = actions.agent_teams(request.user)
    if request.method != "POST":
        form = CallLogForm(initial=_initial_call(request), teams=teams)
        return _call_form(request, form)
    form = CallLogForm(request.POST, teams=teams)
    if not form.is_valid():
        return _call_form(request, form, status=400)
    data = form.cleaned_data
    call = actions.access_call(request.user, data["call"]) if data.get("call") else None
    ticket = None
    if data.get("ticket"):
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=data["ticket"])
    number = data["phone"]
    try:
        with transaction.atomic():
            customer = actions.resolve_customer(
                request.user,
                customer=_chosen(form),
                lookup=data.get("q", ""),
                name=data["name"],
                phone=number,
                email=data["email"],
            )
            call = actions.check_log_call(
                request.user,
                actions.CallLog(
                    direction=data["direction"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    number=number,
                    greeted=form.answer("greeted"),
                    asked_before_hold=form.answer("asked_before_hold"),
                    thanked=form.answer("thanked"),
                    duration=data["minutes"] * 60 if data.get("minutes") else None,
                    callback_due=data["callback_due"] if data["callback"] else None,
                    callback_text=data["callback_text"],
                ),
                customer=customer,
                call=call,
                ticket=ticket,
                team=data.get("team"),
            )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _call_form(request, form, status=400)
    messages.success(request, _("Call logged on ticket #%(n)s.") % {"n": call.ticket_id})
    if Ticket.objects.visible_to(request.user).filter(pk=call.ticket_id).exists():
        return redirect("ticket", pk=call.ticket_id)
    return redirect("phone-calls")  # continued a conversation of another team


def _call_form(request, form, status: int = 200) -> HttpResponse:
    pk = form["customer"].value()
    chosen = None
    if str(pk or "").isdigit():
        # Shown again only if the agent may see it, or the typed lookup names it exactly (as
        # resolve_customer decides): a posted id alone must not reveal a name (IDOR;
        # docs/permissions.md).
        from rapport.customers.views import visible_customers

        chosen = visible_customers(request.user).filter(pk=pk).first()
        if chosen is None:
            exact = actions.exact_identity_customer(str(form["q"].value() or "").strip())
            chosen = exact if exact is not None and exact.pk == int(pk) else None
    return render(request, "phone/log.html", {"form": form, "chosen": chosen}, status=status)


# --- the walk-in desk ------------------------------------------------------------------------


@agent_required
def desk(request: HttpRequest) -> HttpResponse:
    """/phone/desk/: log a visit in seconds (CH5) and see today's visits."""
    teams = actions.agent_teams(request.user)
    if request.method == "POST":
        form = VisitForm(request.POST, teams=teams)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    customer = actions.resolve_customer(
                        request.user,
                        customer=_chosen(form),
                        lookup=data.get("q", ""),
                        name=data["name"],
                        phone=data["phone"],
                        email=data["email"],
                    )
                    visit = actions.check_log_visit(
                        request.user,
                        topic=data["topic"],
                        outcome=data["outcome"],
                        notes=data["notes"],
                        customer=customer,
                        visitor_name=data["name"],
                        team=data.get("team"),
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if visit.outcome == VisitOutcome.FOLLOW_UP and not visit.ticket_id:
                    messages.warning(
                        request,
                        _(
                            "Visit logged, but its ticket could not be opened; the message is "
                            "kept in the intake quarantine for an administrator."
                        ),
                    )
                elif visit.ticket_id:
                    messages.success(
                        request,
                        _("Visit logged; ticket #%(n)s opened for the follow-up.")
                        % {"n": visit.ticket_id},
                    )
                else:
                    messages.success(request, _("Visit logged."))
                return redirect("phone-desk")
        status = 400
    else:
        form = VisitForm(teams=teams)
        status = 200
    visits = list(actions.todays_visits(request.user).order_by("-created_at", "-id")[:200])
    return render(
        request,
        "phone/desk.html",
        {"form": form, "visits": visits, "now": timezone.now()},
        status=status,
    )
