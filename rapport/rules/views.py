"""Rules at /rules/: supervisors and administrators list, create, edit, reorder, enable and
disable them; agents cannot (ES3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import actions
from .forms import RuleForm
from .models import Rule, RuleFiring
from .schema import ACTIONS, FIELDS
from .why import summary


def access_rules(user) -> None:
    if not user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators manage rules."))


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    access_rules(request.user)
    rules = [(rule, summary(rule)) for rule in Rule.objects.order_by("order", "id")]
    return render(request, "rules/list.html", {"rules": rules})


def _field_reference() -> list[tuple]:
    """(field, meaning, operators, values) for the reference table beside the editor."""
    rows = []
    for name, f in FIELDS.items():
        if f.kind == "window":
            values = '{"days": 7, "count": 3}'
        elif f.kind == "presence":
            values = "—"
        elif f.allowed():
            values = ", ".join('""' if v == "" else str(v) for v in f.allowed())
        else:
            values = {"minutes": _("minutes"), "text": _("text")}.get(f.kind, f.kind)
        rows.append((name, f.label, ", ".join(f.ops), values))
    return rows


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_rules(request.user)
    rule = get_object_or_404(Rule, pk=pk) if pk else Rule()
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        actions.do_save_rule(form.save(commit=False), actor=request.user)
        messages.success(request, _("The rule is saved; it applies from now on."))
        return redirect("rules")
    recent = RuleFiring.objects.filter(rule=rule).select_related("ticket")[:20] if rule.pk else []
    return render(
        request,
        "rules/edit.html",
        {
            "form": form,
            "rule": rule,
            "fields": _field_reference(),
            "action_types": ACTIONS,
            "recent": recent,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    access_rules(request.user)
    rule = get_object_or_404(Rule, pk=pk)
    actions.do_move_rule(rule, up=request.POST.get("direction") == "up", actor=request.user)
    return redirect("rules")


@login_required
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    access_rules(request.user)
    rule = get_object_or_404(Rule, pk=pk)
    actions.do_set_enabled(rule, request.POST.get("enabled") == "1", actor=request.user)
    return redirect("rules")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    access_rules(request.user)
    get_object_or_404(Rule, pk=pk).delete()
    messages.success(request, _("The rule was deleted."))
    return redirect("rules")
