"""Privacy pages (docs/privacy.md): the audit log (supervisors and admins), and for admins a
customer's data export and erasure. Every page here records what it did in the audit log."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Role
from rapport.customers.models import Customer

from . import export
from .audit import record
from .erasure import do_erase_customer
from .forms import AuditFilterForm, CustomerNumberForm, ErasureConfirmForm, ErasureRequestForm
from .models import Action, AuditEntry, ErasureRequest, ErasureState

PAGE = 100
CSV_LIMIT = 100_000


def is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def access_audit(user) -> None:
    if not user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators read the audit log."))


def access_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied(_("Only administrators export or erase a customer's data."))


def _filtered(form: AuditFilterForm):
    qs = AuditEntry.objects.all()
    if not form.is_valid():
        return qs.none()
    d = form.cleaned_data
    if d["actor"]:
        qs = qs.filter(actor_name=d["actor"])
    if d["action"]:
        qs = qs.filter(action=d["action"])
    if d["object_type"]:
        qs = qs.filter(object_type=d["object_type"])
    if d["object_id"]:
        qs = qs.filter(object_id=d["object_id"])
    if d["ip"]:
        qs = qs.filter(ip=d["ip"])
    tz = timezone.get_current_timezone()
    if d["start"]:
        qs = qs.filter(at__gte=datetime.combine(d["start"], time.min, tzinfo=tz))
    if d["end"]:
        qs = qs.filter(at__lt=datetime.combine(d["end"] + timedelta(days=1), time.min, tzinfo=tz))
    return qs


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    access_audit(request.user)
    form = AuditFilterForm(request.GET)
    qs = _filtered(form)
    before = request.GET.get("before", "")
    if before.isdigit():  # keyset pages over the id, newest first
        qs = qs.filter(pk__lt=int(before))
    entries = list(qs.order_by("-pk")[: PAGE + 1])
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "privacy/audit.html",
        {
            "form": form,
            "entries": entries,
            "next_before": entries[-1].pk if more else None,
            "query": query.urlencode(),
        },
    )


def _safe(value: str) -> str:
    """No spreadsheet formulas from a cell (CSV injection), as in reports/export.py."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def audit_csv(request: HttpRequest) -> HttpResponse:
    access_audit(request.user)
    form = AuditFilterForm(request.GET)
    qs = _filtered(form).order_by("-pk")[:CSV_LIMIT]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "at", "actor_id", "actor", "action", "object_type", "object_id",
                     "ip", "path", "detail"])  # fmt: skip
    n = 0
    for e in qs.iterator():
        writer.writerow(
            [
                e.pk,
                e.at.isoformat(),
                e.actor_id or "",
                _safe(e.actor_name),
                e.action,
                e.object_type,
                _safe(e.object_id),
                e.ip or "",
                _safe(e.path),
                _safe(str(e.detail) if e.detail else ""),
            ]  # fmt: skip
        )
        n += 1
    record(
        Action.EXPORT,
        "audit_log",
        detail={k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
        | {"rows": n},
        request=request,
    )
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rapport-audit-log.csv"'
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access_audit(request.user)
    form = CustomerNumberForm(request.GET or None)
    if form.is_valid() and is_admin(request.user):
        return redirect("privacy-customer", form.cleaned_data["customer"])
    return render(
        request,
        "privacy/index.html",
        {
            "form": form,
            "is_admin": is_admin(request.user),
            "erasures": ErasureRequest.objects.select_related("requested_by", "confirmed_by")[:50],
        },
    )


def _customer(request: HttpRequest, pk: int) -> Customer:
    access_admin(request.user)
    return get_object_or_404(Customer, pk=pk)


@login_required
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    return render(
        request,
        "privacy/customer.html",
        {
            "customer": customer,
            "form": ErasureRequestForm(),
            "erasures": ErasureRequest.objects.filter(customer_id=customer.pk),
        },
    )


@login_required
def customer_export_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    data = export.collect(customer)
    data.pop("_storage_paths")
    record(Action.EXPORT, "customer", customer.pk, request=request, detail={"format": "html"})
    response = render(
        request, "privacy/customer_export.html", {"customer": customer, **export.context(data)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def customer_export_zip(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    body, data = export.build_zip(customer)
    record(
        Action.EXPORT,
        "customer",
        customer.pk,
        request=request,
        detail={"format": "zip", "tickets": len(data["tickets"]), "bytes": len(body)},
    )
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="rapport-customer-{customer.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def erasure_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Step one: the reason. Nothing is erased yet."""
    customer = _customer(request, pk)
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request, "privacy/customer.html", {"customer": customer, "form": form}, status=400
        )
    erasure = ErasureRequest.objects.create(
        customer_id=customer.pk, reason=form.cleaned_data["reason"], requested_by=request.user
    )
    record(Action.ERASE_REQUEST, "customer", customer.pk, request=request,
           detail={"request": erasure.pk})  # fmt: skip
    return redirect("privacy-erasure", erasure.pk)


@login_required
def erasure_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step two: the customer's number typed again, then the erasure itself."""
    access_admin(request.user)
    erasure = get_object_or_404(ErasureRequest, pk=pk)
    form = ErasureConfirmForm(request.POST or None, customer_id=erasure.customer_id)
    if request.method == "POST" and erasure.state == ErasureState.REQUESTED:
        if "cancel" in request.POST:
            ErasureRequest.objects.filter(pk=erasure.pk).update(state=ErasureState.CANCELLED)
            messages.info(request, _("The erasure request was cancelled."))
            return redirect("privacy")
        if form.is_valid():
            with transaction.atomic():
                locked = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
                if locked.state != ErasureState.REQUESTED:  # a double submit
                    return redirect("privacy-erasure", erasure.pk)
                customer = get_object_or_404(Customer, pk=erasure.customer_id)
                counts = do_erase_customer(customer, actor=request.user)
                ErasureRequest.objects.filter(pk=erasure.pk).update(
                    state=ErasureState.DONE,
                    confirmed_by=request.user,
                    done_at=timezone.now(),
                    counts=counts,
                )
                record(Action.ERASE, "customer", customer.pk, request=request,
                       detail={"request": erasure.pk, "counts": counts})  # fmt: skip
            messages.success(request, _("The customer's personal data was erased."))
            return redirect("privacy-erasure", erasure.pk)
    return render(request, "privacy/erasure.html", {"erasure": erasure, "form": form})
