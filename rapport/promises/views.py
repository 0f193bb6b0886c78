"""/promises/ (open and overdue promises, filterable, with the kept rate) and the ticket page's
promise panel (track the promise the coach found, add one by hand, keep/cancel). Thin views."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.lib.widgets import fast_form
from rapport.tickets.models import Direction, Message, Ticket

from . import actions
from .forms import CloseForm, PromiseFilterForm, PromiseForm
from .models import PromiseState

SHOWN = 200
DISMISSED = "promise_offers_dismissed"


def _ticket(request, pk: int, *, for_update: bool = False) -> Ticket:
    qs = Ticket.objects.visible_to(request.user).select_related("customer", "team")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def ticket_panel_context(
    request, ticket: Ticket, form: PromiseForm | None = None, messages=None
) -> dict:
    """The ticket page's promises: tracked ones (overdue first), the coach's offer, the form.
    `messages`: the ticket's messages, if already loaded (see actions.offer_for)."""
    promises = list(ticket.promises.select_related("agent").order_by("state", "due_at", "id"))
    dismissed = request.session.get(DISMISSED, [])
    offer = actions.offer_for(ticket, request.user, dismissed=dismissed, messages=messages)
    return {
        "ticket": ticket,
        "promises": promises,
        "open_promises": [p for p in promises if p.is_open],
        "closed_promises": [p for p in promises if not p.is_open][:10],
        "offer": offer[1] if offer else None,
        "offer_message": offer[0] if offer else None,
        "promise_form": fast_form(form or PromiseForm()),  # widgets without templates (#10)
        "now": timezone.now(),
        "request": request,
    }


def _panel(request, ticket: Ticket, form=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "promises/_ticket_promises.html",
        ticket_panel_context(request, ticket, form),
        status=status,
    )


@login_required
def promise_list(request: HttpRequest) -> HttpResponse:
    """Open and overdue promises of every team the user sees (all, for supervisors)."""
    form = PromiseFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    base = actions.visible_promises(request.user)
    if data.get("team"):
        base = base.filter(ticket__team=data["team"])
    if data.get("agent"):
        base = base.filter(agent=data["agent"])
    if data.get("kind"):
        base = base.filter(kind=data["kind"])
    state = data.get("state") or ""
    qs = base
    if state == "overdue":
        qs = qs.filter(state=PromiseState.OPEN, due_at__lte=now)
    elif state in ("kept", "broken", "cancelled"):
        qs = qs.filter(state=state).order_by("-closed_at", "-id")
    elif state != "all":
        qs = qs.filter(state=PromiseState.OPEN)
    rows = list(qs.select_related("ticket", "customer", "agent", "ticket__team")[: SHOWN + 1])
    return render(
        request,
        "promises/list.html",
        {
            "form": form,
            "rows": rows[:SHOWN],
            "more": len(rows) > SHOWN,
            "now": now,
            "overdue": base.filter(state=PromiseState.OPEN, due_at__lte=now).count(),
            "figures": actions.kept_rate(base, since=now - timedelta(days=30), now=now),
        },
    )


@login_required
@require_POST
def promise_add(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Track a promise: the coach's one-click offer (prefilled) or the manual form."""
    form = PromiseForm(request.POST)
    with transaction.atomic():
        ticket = _ticket(request, ticket_id, for_update=True)
        if form.is_valid():
            source = None
            if form.cleaned_data["source_message"]:
                source = Message.objects.filter(
                    pk=form.cleaned_data["source_message"],
                    ticket=ticket,
                    direction=Direction.OUT,
                ).first()
            try:
                actions.check_add_promise(
                    ticket,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    kind=form.cleaned_data["kind"],
                    due_at=form.cleaned_data["due_at"],
                    source_message=source,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
    if request.htmx:
        return _panel(
            request, ticket, form if form.errors else None, status=400 if form.errors else 200
        )
    if form.errors:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, _("Promise tracked: you will be reminded before it is due."))
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_POST
def promise_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Kept (a callback: logged done, with its outcome), broken or cancelled."""
    form = CloseForm(request.POST)
    with transaction.atomic():
        promise = actions.access_promise(request.user, pk, for_update=True)
        error = ""
        if form.is_valid():
            try:
                actions.check_close(
                    promise,
                    form.cleaned_data["state"],
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                )
            except (ValidationError, PermissionDenied) as exc:
                error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            error = _("Choose kept, broken or cancelled.")
    if request.htmx and request.POST.get("panel"):
        ticket = _ticket(request, promise.ticket_id)
        return _panel(request, ticket, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, _("Promise marked %(state)s.") % {"state": promise.get_state_display().lower()}
        )
    target = form.data.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("ticket", pk=promise.ticket_id)


@login_required
@require_POST
def offer_dismiss(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """ "Not a promise": the offer for that reply is not shown again (this session)."""
    ticket = _ticket(request, ticket_id)
    try:
        message_id = int(request.POST.get("message", ""))
    except ValueError:
        message_id = None
    if message_id:
        dismissed = request.session.get(DISMISSED, [])[-49:]
        request.session[DISMISSED] = [*dismissed, message_id]
    if request.htmx:
        return _panel(request, ticket)
    return redirect("ticket", pk=ticket.pk)
