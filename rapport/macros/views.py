"""Reply templates: the list and editor, the reply box's picker and the insertion endpoint.
Thin views: access → validate → one action (docs/macros.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.tickets.views import access_ticket

from .actions import (
    access_macro,
    check_save_macro,
    customer_asked,
    do_use_macro,
    filled,
    picker,
    variables,
)
from .forms import MacroForm
from .models import Macro, usable_macros
from .placeholders import VARIABLES


@login_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    qs = usable_macros(request.user) if not request.user.sees_all_teams else Macro.objects.all()
    return render(
        request,
        "macros/list.html",
        {"macros": qs.select_related("team").order_by("team__name", "language", "name")[:500]},
    )


@login_required
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    macro = access_macro(request.user, pk, for_change=True) if pk else Macro()
    form = MacroForm(request.POST or None, instance=macro, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            check_save_macro(form.instance, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("The template was saved."))
            return redirect("macros")
    return render(
        request,
        "macros/edit.html",
        {"form": form, "macro": macro, "variables": VARIABLES},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def macro_picker(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """The reply box's template list (htmx): filled for this ticket, in its language first."""
    ticket = access_ticket(request.user, ticket_pk)
    macros = picker(request.user, ticket, request.GET.get("q", "")[:100])
    cache: dict = {}
    rows = []
    for m in macros:
        lang = m.language or None
        if lang not in cache:
            cache[lang] = variables(ticket, request.user, lang)
        rows.append((m, filled(m, ticket, request.user, cache[lang])))
    return render(
        request,
        "macros/_picker_list.html",
        {"rows": rows, "ticket": ticket, "asked": customer_asked(ticket)},
    )


@login_required
@require_POST
def macro_use(request: HttpRequest, pk: int, ticket_pk: int) -> JsonResponse:
    """Insert a template: counted, remembered for the CQ16 check, its actions applied."""
    with transaction.atomic():
        ticket = access_ticket(request.user, ticket_pk, for_update=True)
        macro = access_macro(request.user, pk)
        if macro.team_id not in (None, ticket.team_id):
            return JsonResponse({"error": _("This template is for another team.")}, status=400)
        use, done = do_use_macro(macro, ticket, actor=request.user)
    return JsonResponse({"use": use.pk, "text": use.filled_text, "done": done})
