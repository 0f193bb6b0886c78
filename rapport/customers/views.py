"""Customer list, search and the customer page with every contact across channels (TR6, TR7)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.lib.keyset import paginate
from rapport.tickets.models import Event, EventKind, Message, Ticket

from . import actions
from .forms import CustomerForm, CustomerMergeForm, CustomerSearchForm, FlagForm, IdentityForm
from .models import Customer, CustomerFlag, Identity

TIMELINE_LIMIT = 50
TICKETS_SHOWN = 20


def visible_customers(user) -> QuerySet[Customer]:
    """Supervisors see every customer; an agent sees those with a ticket in one of their teams."""
    qs = Customer.objects.filter(merged_into=None)
    if user.sees_all_teams:
        return qs
    return qs.filter(
        Exists(Ticket.objects.filter(customer=OuterRef("pk"), team_id__in=user.team_ids))
    )


def access_customer(user, pk: int) -> Customer:
    return get_object_or_404(visible_customers(user).select_related("organisation"), pk=pk)


def _back(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Back to where the form was (the ticket page has the flag form too), if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("customer", pk=customer.pk)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET)
    qs = visible_customers(request.user)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q:
        by_identity = Identity.objects.filter(value__startswith=q.lower()).values("customer_id")
        phone = "".join(ch for ch in q if ch.isdigit() or ch == "+")
        match = Q(name__icontains=q) | Q(pk__in=by_identity)
        if len(phone) >= 3:
            match |= Q(
                pk__in=Identity.objects.filter(kind="phone", value__contains=phone).values(
                    "customer_id"
                )
            )
        qs = qs.filter(match)
    page = paginate(
        qs.select_related("organisation"), "created_at", True, request.GET.get("after"), size=50
    )
    flagged = set(
        CustomerFlag.objects.filter(
            cleared_at=None, customer_id__in=[c.pk for c in page.rows]
        ).values_list("customer_id", flat=True)
    )
    query = request.GET.copy()
    query.pop("after", None)
    if page.next_cursor:
        query["after"] = page.next_cursor
    return render(
        request,
        "customers/list.html",
        {
            "form": form,
            "page": page,
            "q": q,
            "flagged": flagged,
            "next_query": query.urlencode() if page.next_cursor else None,
        },
    )


def _customer_context(request, customer: Customer, **forms) -> dict:
    visible = Ticket.objects.visible_to(request.user).filter(customer=customer)
    tickets = list(visible.order_by("-updated_at")[: TICKETS_SHOWN + 1])
    # Every contact on every ticket this agent may see, newest first, a page at a time.
    contacts = paginate(
        Message.objects.filter(customer=customer, ticket__in=visible.values("pk"))
        .select_related("author")
        .defer("body_text", "body_html", "body_quoted")
        .annotate(preview=Substr("body_text", 1, 400)),
        "created_at",
        True,
        request.GET.get("before"),
        size=TIMELINE_LIMIT,
    )
    history = list(
        Event.objects.filter(customer=customer, ticket=None)
        .exclude(kind=EventKind.CUSTOMER_CREATED)
        .select_related("actor")
        .order_by("-created_at")[:50]
    )
    flags = list(customer.flags.select_related("set_by", "cleared_by"))
    return {
        "customer": customer,
        "identities": list(customer.identities.all()),
        "anniversaries": list(customer.anniversaries.all()),
        "flags": [f for f in flags if f.is_active],
        "past_flags": [f for f in flags if not f.is_active],
        "tickets": tickets[:TICKETS_SHOWN],
        "more_tickets": len(tickets) > TICKETS_SHOWN,
        "contacts": contacts.rows,
        "older_contacts": contacts.next_cursor,
        "history": history,
        "form": forms.get("form")
        or CustomerForm(
            instance=customer,
            initial={
                "organisation_name": customer.organisation.name if customer.organisation else ""
            },
        ),
        "flag_form": forms.get("flag_form") or FlagForm(),
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "merge_form": forms.get("merge_form") or CustomerMergeForm(),
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    return render(request, "customers/detail.html", _customer_context(request, customer))


@login_required
@require_POST
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = CustomerForm(
        request.POST,
        instance=Customer.objects.get(pk=customer.pk),
        initial={"organisation_name": customer.organisation.name if customer.organisation else ""},
    )
    if not form.is_valid():
        return render(
            request,
            "customers/detail.html",
            _customer_context(request, customer, form=form),
            status=400,
        )
    changed = {
        name: form.cleaned_data[name] for name in form.changed_data if name != "organisation_name"
    }
    if "organisation_name" in form.changed_data:
        changed["organisation"] = actions.organisation_named(form.cleaned_data["organisation_name"])
    actions.do_update_customer(customer, actor=request.user, **changed)
    messages.success(request, _("Customer saved."))
    return redirect("customer", pk=customer.pk)


@login_required
@require_POST
def customer_flag(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            actions.check_flag_customer(customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("reason", exc)
    if form.errors:
        return render(
            request,
            "customers/detail.html",
            _customer_context(request, customer, flag_form=form),
            status=400,
        )
    messages.success(request, _("Flag set. Every agent will see it."))
    return _back(request, customer)


@login_required
@require_POST
def flag_clear(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(CustomerFlag, pk=pk)
    customer = access_customer(request.user, flag.customer_id)
    actions.do_clear_flag(flag, actor=request.user)
    messages.success(request, _("Flag cleared."))
    return _back(request, customer)


@login_required
@require_POST
def customer_add_identity(request: HttpRequest, pk: int) -> HttpResponse:
    customer = access_customer(request.user, pk)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_identity(
                customer, form.cleaned_data["kind"], form.cleaned_data["value"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("value", exc)
    if form.errors:
        return render(
            request,
            "customers/detail.html",
            _customer_context(request, customer, identity_form=form),
            status=400,
        )
    messages.success(request, _("Address added."))
    return redirect("customer", pk=customer.pk)


@login_required
@require_POST
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another profile (the source) into this one (TR6: one profile per person)."""
    target = access_customer(request.user, pk)
    form = CustomerMergeForm(request.POST)
    if form.is_valid():
        source = visible_customers(request.user).filter(pk=form.cleaned_data["source"]).first()
        if source is None:
            form.add_error("source", _("No such customer among the ones you can see."))
        else:
            try:
                actions.check_merge_customers(source, target, actor=request.user)
            except ValidationError as exc:
                form.add_error("source", exc)
    if form.errors:
        return render(
            request,
            "customers/detail.html",
            _customer_context(request, target, merge_form=form),
            status=400,
        )
    messages.success(request, _("Profiles merged."))
    return redirect("customer", pk=target.pk)
