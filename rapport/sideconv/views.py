"""Side conversations (MG6) and departments (CH8). Thin views: access → validate → action.

Who sees a side conversation: whoever may see its ticket, and the members of the team it asks
(who may not see the ticket: they get the side conversation's own page). Anyone else gets a
404, as for a ticket. Customers never: nothing here is reachable from the portal.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.tickets.views import access_ticket

from . import actions
from .departments import do_apply_department, do_save_department
from .forms import DepartmentForm, OpenForm, PostForm
from .mail import do_resend
from .models import DeliveryState, Department, SideConversation, SideMessage


def access_side(user, pk: int, *, for_update: bool = False) -> SideConversation:
    """The side conversation if `user` may read it; 404 otherwise (outsiders learn nothing)."""
    qs = SideConversation.objects.visible_to(user).select_related(
        "ticket", "ticket__assignee", "team", "department", "created_by"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def _back(request, conversation: SideConversation) -> HttpResponse:
    """To the ticket's panel for those who see the ticket, else the side conversation's page."""
    if actions.can_see_ticket(request.user, conversation):
        return redirect(
            f"{reverse('ticket', args=[conversation.ticket_id])}#side-{conversation.pk}"
        )
    return redirect("side-conversation", pk=conversation.pk)


@login_required
@require_POST
def ticket_open(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        form = OpenForm(request.POST, ticket=ticket)
        if not form.is_valid():
            errors = [e for errs in form.errors.values() for e in errs]
            messages.error(request, " ".join(errors))
            return redirect(f"{reverse('ticket', args=[ticket.pk])}#side-conversations")
        data = form.cleaned_data
        try:
            conversation = actions.check_open(
                ticket,
                actor=request.user,
                kind=data["kind"],
                body=data["body"],
                subject=data["subject"],
                team=data["team"],
                department=data["department"],
                address=data["address"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('ticket', args=[ticket.pk])}#side-conversations")
    messages.success(
        request, _("Side conversation opened with %(who)s.") % {"who": conversation.with_whom}
    )
    return _back(request, conversation)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access_side(request.user, pk)
    return render(
        request,
        "sideconv/detail.html",
        {
            "conversation": conversation,
            "side_messages": list(conversation.messages.select_related("author")),
            "form": PostForm(),
            "sees_ticket": actions.can_see_ticket(request.user, conversation),
        },
    )


@login_required
@require_POST
def post(request: HttpRequest, pk: int) -> HttpResponse:
    form = PostForm(request.POST)
    with transaction.atomic():
        conversation = access_side(request.user, pk, for_update=True)
        if form.is_valid():
            try:
                actions.check_post(
                    conversation, author=request.user, body=form.cleaned_data["body"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, _("Write a message first."))
    return _back(request, conversation)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        conversation = access_side(request.user, pk, for_update=True)
        if request.POST.get("reopen"):
            actions.do_reopen(conversation, actor=request.user)
        else:
            actions.do_close(conversation, actor=request.user)
    return _back(request, conversation)


def _access_message(user, pk: int) -> SideMessage:
    message = get_object_or_404(SideMessage.objects.select_related("inbound_raw"), pk=pk)
    access_side(user, message.conversation_id)
    return message


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = _access_message(request.user, pk)
    if message.delivery_state == DeliveryState.FAILED:
        do_resend(message)
        messages.success(request, _("The message is queued to be sent again."))
    return _back(request, message.conversation)


@login_required
@require_GET
def original(request: HttpRequest, pk: int) -> HttpResponse:
    """An e-mailed answer exactly as it arrived (with its attachments), as plain text."""
    message = _access_message(request.user, pk)
    raw = message.inbound_raw
    if raw is None or not raw.raw:
        raise Http404(_("No original is stored for this message."))
    response = HttpResponse(
        bytes(raw.raw).decode("utf-8", "replace"), content_type="text/plain; charset=utf-8"
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@login_required
@require_GET
def side_list(request: HttpRequest) -> HttpResponse:
    """What other teams ask of mine, and what I asked."""
    return render(
        request,
        "sideconv/list.html",
        {
            "asked_of_us": list(actions.asked_of(request.user)[:100]),
            "mine": list(actions.opened_by(request.user)[:50]),
        },
    )


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    """The company's departments (CH8, MG6): supervisors and admins edit them."""
    if not request.user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators edit departments."))
    editing = None
    if request.GET.get("edit"):
        editing = get_object_or_404(Department, pk=request.GET["edit"])
    form = DepartmentForm(request.POST or None, instance=editing)
    if request.method == "POST":
        if request.POST.get("apply"):
            dept = get_object_or_404(Department, pk=request.POST["apply"])
            with transaction.atomic():
                n = do_apply_department(dept, actor=request.user)
            messages.success(
                request,
                _("%(n)s existing customers marked as internal customers of %(name)s.")
                % {"n": n, "name": dept.name},
            )
            return redirect("side-departments")
        if form.is_valid():
            do_save_department(form.save(commit=False))
            messages.success(request, _("Department saved."))
            return redirect("side-departments")
    return render(
        request,
        "sideconv/departments.html",
        {"form": form, "editing": editing, "departments": list(Department.objects.all())},
        status=400 if form.errors else 200,
    )
