"""The follow-up calendar, its editing, consent and thank-you notes on the customer card, the
opt-out link, and purchases (CSV import, JSON endpoint). Thin views: see actions.py and
purchases.py; docs/followups.md."""

from __future__ import annotations

import hmac
import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapport.customers.views import access_customer

from . import actions
from .forms import (
    ConsentForm,
    FollowUpForm,
    ImportForm,
    QueueFilterForm,
    ThankYouForm,
    TimeZoneForm,
)
from .models import PurchaseFeed, PurchaseImport, State
from .purchases import do_import_csv, do_import_json

SHOWN = 300
MAX_UPLOAD = 20 * 1024 * 1024
MAX_JSON_ITEMS = 1000


def _supervisor(user) -> None:
    if not user.sees_all_teams:
        raise PermissionDenied


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """What will go out in the next 30 days (FB3), by day, each item editable until it goes."""
    form = QueueFilterForm(request.GET)
    days, team = 30, None
    if form.is_valid():
        days = form.cleaned_data["days"] or 30
        team = form.cleaned_data["team"]
    now = timezone.now()
    qs = actions.visible_followups(request.user).select_related("customer", "team", "agent")
    if team is not None:
        qs = qs.filter(team=team)
    upcoming = list(
        qs.filter(state=State.SCHEDULED, due_at__lte=now + timedelta(days=days)).order_by(
            "due_at", "id"
        )[:SHOWN]
    )
    recent = list(
        qs.select_related("message")
        .exclude(state=State.SCHEDULED)
        .filter(done_at__gte=now - timedelta(days=7))
        .order_by("-done_at", "-id")[:50]
    )
    return render(
        request,
        "followups/queue.html",
        {"form": form, "upcoming": upcoming, "recent": recent, "days": days, "now": now},
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_followup(request.user, pk)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                actions.check_edit(item, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("followups")
    else:
        form = FollowUpForm(
            initial={
                "subject": item.subject,
                "text": item.text,
                "due_at": timezone.localtime(item.due_at),
            }
        )
    return render(request, "followups/edit.html", {"item": item, "form": form})


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_followup(request.user, pk)
    try:
        actions.check_cancel(item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Cancelled: it will not go out."))
    return redirect("followups")


@login_required
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        actions.do_record_consent(customer, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose the purpose, the answer and its source."))
    return redirect("customer", pk=customer.pk)


@login_required
@require_POST
def time_zone(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = TimeZoneForm(request.POST)
    if form.is_valid():
        actions.do_set_time_zone(customer, form.cleaned_data["time_zone"])
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Unknown time zone."))
    return redirect("customer", pk=customer.pk)


@login_required
@require_POST
def thank_you(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = ThankYouForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        text, subject = data["text"], data["subject"]
        if not text.strip() and data["template"] is not None:
            values = actions.details(
                customer, agent=request.user.display_name, team=data["team"].name
            )
            subject, text = actions.render_template(
                data["template"], actions.language_of(customer), values
            )
        try:
            item = actions.check_thank_you(
                customer, actor=request.user, team=data["team"], text=text, subject=subject
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                _("The note is on the calendar: edit it there before it goes out if you like."),
            )
            return redirect("followup-edit", pk=item.pk)
    else:
        messages.error(request, _("Choose the team."))
    return redirect("customer", pk=customer.pk)


def optout(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every follow-up message: a page that says what it stops, and a button (a
    link alone must not opt out: mail scanners open links)."""
    try:
        customer, purpose = actions.read_optout_token(token)
    except ValidationError:
        return render(request, "followups/optout.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        actions.do_record_consent(
            customer, purpose, granted=False, source="link", note=_("Opt-out link")
        )
        done = True
    return render(
        request,
        "followups/optout.html",
        {"purpose": purpose, "label": dict(actions.Purpose.choices)[purpose], "done": done},
    )


# --- purchases ---------------------------------------------------------------------------------


@login_required
def purchase_import(request: HttpRequest) -> HttpResponse:
    _supervisor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("The file is larger than 20 MB."))
        else:
            report = do_import_csv(
                upload.read(),
                filename=upload.name,
                actor=request.user,
                encoding=form.cleaned_data["encoding"],
            )
            return redirect("purchase-import-report", pk=report.pk)
    imports = PurchaseImport.objects.select_related("created_by")[:20]
    return render(request, "purchases/import.html", {"form": form, "imports": imports})


@login_required
def purchase_import_report(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor(request.user)
    report = get_object_or_404(PurchaseImport, pk=pk)
    return render(request, "purchases/report.html", {"report": report})


@csrf_exempt  # a bearer token is not a browser's cookie; a staff session is CSRF-checked below
@require_POST
def purchase_api(request: HttpRequest) -> JsonResponse:
    """POST {"purchases": [{...}, ...]} (or one object): each item's result, in order."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
        feeds = PurchaseFeed.objects.filter(is_active=True).values_list("token", flat=True)
        if not token or not any(hmac.compare_digest(token, f) for f in feeds):
            return JsonResponse({"error": "A valid bearer token is required."}, status=403)
    elif request.user.is_authenticated and request.user.sees_all_teams:
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return JsonResponse({"error": "CSRF check failed."}, status=403)
    else:
        return JsonResponse({"error": "A valid bearer token is required."}, status=403)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    items = body.get("purchases", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        return JsonResponse({"error": "Send a purchase or a list of purchases."}, status=400)
    if len(items) > MAX_JSON_ITEMS:
        return JsonResponse({"error": f"At most {MAX_JSON_ITEMS} purchases a request."}, status=400)
    results = do_import_json(items)
    status = 200 if all("error" not in r for r in results) else 207
    return JsonResponse({"results": results}, status=status)
