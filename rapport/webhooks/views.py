"""Managing webhooks (administrators): endpoints, their delivery log, redelivery, enable and
disable. Thin views over actions.py (docs/webhooks.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Role

from . import actions
from .forms import EndpointForm
from .models import Delivery, Endpoint

LOG_SHOWN = 50


def access_webhooks(user) -> None:
    if not (user.role == Role.ADMIN or user.is_superuser):
        raise PermissionDenied(_("Only administrators manage webhooks."))


def _save(request: HttpRequest, form: EndpointForm) -> Endpoint | None:
    if not form.is_valid():
        return None
    endpoint = form.save(commit=False)
    if endpoint.pk is None:
        endpoint.created_by = request.user
    try:
        return actions.do_save_endpoint(endpoint, teams=form.cleaned_data["teams"])
    except ValidationError as exc:
        form.add_error("url", exc)
        return None


@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    access_webhooks(request.user)
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        endpoint = _save(request, form)
        if endpoint is not None:
            messages.success(request, _("Webhook added. Its signing secret is on its page."))
            return redirect("webhook", pk=endpoint.pk)
    endpoints = Endpoint.objects.prefetch_related("teams")
    return render(request, "webhooks/list.html", {"endpoints": endpoints, "form": form})


@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_webhooks(request.user)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and _save(request, form) is not None:
        messages.success(request, _("Webhook saved."))
        return redirect("webhook", pk=endpoint.pk)
    deliveries = (
        Delivery.objects.filter(endpoint=endpoint)
        .prefetch_related("log")
        .order_by("-id")[:LOG_SHOWN]
    )
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "form": form, "deliveries": deliveries},
    )


@login_required
@require_POST
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    access_webhooks(request.user)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    if endpoint.is_active:
        actions.do_disable_endpoint(endpoint)
        messages.success(request, _("Webhook disabled."))
    else:
        actions.do_enable_endpoint(endpoint)
        messages.success(request, _("Webhook enabled; waiting deliveries are being sent."))
    return redirect("webhook", pk=endpoint.pk)


@login_required
@require_POST
def endpoint_ping(request: HttpRequest, pk: int) -> HttpResponse:
    access_webhooks(request.user)
    endpoint = get_object_or_404(Endpoint, pk=pk)
    actions.do_send_test(endpoint, request.user)
    messages.success(request, _("A test event was queued."))
    return redirect("webhook", pk=endpoint.pk)


@login_required
@require_POST
def redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    access_webhooks(request.user)
    delivery = get_object_or_404(Delivery.objects.select_related("endpoint"), pk=pk)
    actions.do_redeliver(delivery)
    messages.success(request, _("Queued for redelivery (same event id)."))
    return redirect("webhook", pk=delivery.endpoint_id)
