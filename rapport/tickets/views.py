"""Agent workspace: the inbox and the ticket page. Views are thin: access → validate → action."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.customers.models import CustomerFlag, FlagKind
from rapport.lib.keyset import paginate
from rapport.lib.widgets import fast_form, fast_selects, render_p
from rapport.outbox.actions import do_resend
from rapport.outbox.models import Delivery
from rapport.rules.why import firings_context

from . import actions, coaching, presence
from .forms import (
    InboxFilterForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    SplitForm,
    TicketPropertiesForm,
)
from .inbox import (
    SAVED_VIEWS,
    SORTS,
    capped_count,
    current_saved_search,
    filtered,
    sidebar_saved_searches,
    view_counts,
)
from .models import Attachment, CoachRules, Message, Ticket
from .rules_forms import CoachRulesForm
from .saved_searches import (
    SavedSearchForm,
    access_saved_search,
    do_delete_saved_search,
    do_save_search,
)
from .timeline import ticket_timeline


def access_ticket(user, pk: int, *, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it; 404 otherwise (outsiders learn nothing)."""
    qs = Ticket.objects.visible_to(user).select_related(
        "customer", "customer__organisation", "team", "assignee", "sla_policy"
    )
    if for_update:
        # FOR NO KEY UPDATE on PostgreSQL: agents' actions on the ticket still queue one after
        # the other, but rows inserted elsewhere that point at the ticket (an inbound message,
        # an event) need only a key share of it and do not wait (see intake's lock_customer).
        qs = qs.select_for_update(
            of=("self",), no_key=connection.features.has_select_for_no_key_update
        )
    return get_object_or_404(qs, pk=pk)


ROW_LABELS = ("status", "priority", "channel")
_PK_MARK = 9_876_543_210


def _label_rows(rows) -> None:
    """Each row's status, priority and channel label (`t.status_label`, …), translated once
    per page: `get_FOO_display` walks the field's choices and translates every one of them,
    three times a row — a tenth of the inbox's CPU under bench/load.py (issue #10)."""
    labels = {
        name: {value: str(label) for value, label in Ticket._meta.get_field(name).flatchoices}
        for name in ROW_LABELS
    }
    # The row's link, `{% url 'ticket' t.pk %}` twice a row, reversed once per page, and its
    # last activity as the `date` filter writes it (`|date:'c'` is the local time's ISO form)
    # without the filter's machinery twice a row: half the rows' template time (#10).
    head, tail = reverse("ticket", args=[_PK_MARK]).split(str(_PK_MARK))
    for t in rows:
        for name in ROW_LABELS:
            value = getattr(t, name)
            setattr(t, f"{name}_label", labels[name].get(value, value))
        t.url = f"{head}{t.pk}{tail}"
        local = template_localtime(t.updated_at)
        t.updated_iso = local.isoformat()
        t.updated_short = date_format(local, "SHORT_DATETIME_FORMAT")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = fast_selects(InboxFilterForm(request.GET))  # select boxes without templates (#10)
    filters = form.filters()
    field, descending, _label = SORTS[filters.sort]
    qs = filtered(request.user, filters).select_related("customer", "assignee")
    page = paginate(
        qs,
        field,
        descending,
        form.cleaned_data.get("after") if form.is_valid() else None,
        size=settings.RAPPORT_INBOX_PAGE_SIZE,
    )
    _label_rows(page.rows)
    flagged = set(
        CustomerFlag.objects.filter(
            cleared_at=None, customer_id__in={t.customer_id for t in page.rows}
        ).values_list("customer_id", flat=True)
    )
    query = request.GET.copy()
    query.pop("after", None)
    next_query = None
    if page.next_cursor:
        query["after"] = page.next_cursor
        next_query = query.urlencode()
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "flagged": flagged,
        "next_query": next_query,
        "saved_views": SAVED_VIEWS,
        # Only when a saved search is open: the other views keep their query count (the
        # sidebar's list of saved searches comes with the live counts).
        "saved_search": current_saved_search(request.user, filters.view),
        # The page's own queryset: the count's SQL is the same without building it again (the
        # count drops select_related) — #10.
        "total": capped_count(qs),
    }
    if request.htmx and request.GET.get("rows"):
        return render(request, "tickets/_inbox_rows.html", context)
    return render(request, "tickets/inbox.html", context)


@login_required
def inbox_counts(request: HttpRequest) -> HttpResponse:
    """The saved views' live counts, refreshed by htmx while the inbox is open."""
    saved_searches = sidebar_saved_searches(request.user)
    return render(
        request,
        "tickets/_view_counts.html",
        {
            "counts": view_counts(request.user, saved_searches),
            "saved_views": SAVED_VIEWS,
            "saved_searches": saved_searches,
            "current": request.GET.get("view", "teams"),
        },
    )


@login_required
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """Save a search as an inbox view (#7.5), private or shared with one of my teams. GET: the
    form, loaded into the inbox when the agent opens "Save a search as a view"."""
    if request.method != "POST":
        form = SavedSearchForm(owner=request.user, initial={"query": request.GET.get("q", "")})
        template = (
            "tickets/_saved_search_form.html" if request.htmx else "tickets/saved_search_new.html"
        )
        return render(request, template, {"form": form})
    form = SavedSearchForm(request.POST, owner=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("inbox")
    saved = do_save_search(request.user, **form.cleaned_data)
    return redirect(f"{reverse('inbox')}?view={saved.view_key}")


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    do_delete_saved_search(access_saved_search(request.user, pk, for_change=True))
    messages.info(request, _("The saved search was deleted."))
    return redirect("inbox")


def _ticket_context(request, ticket: Ticket, **forms) -> dict:
    customer = ticket.customer
    other_tickets = (
        Ticket.objects.visible_to(request.user)
        .filter(customer=customer)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at")[:10]
    )
    flags = [f for f in customer.flags.select_related("set_by") if f.is_active]
    tags = [t.name for t in ticket.tags.all()]
    timeline = ticket_timeline(ticket)
    # For the parts that read the messages too (the properties form's CQ21 check, the agent's
    # limits, the promise offer): no second query of the same rows (#10).
    timeline_messages = [e.obj for e in timeline if e.kind == "message"]
    props = forms.pop("props", None) or TicketPropertiesForm(
        ticket=ticket,
        messages=timeline_messages,
        initial={
            "status": ticket.status,
            "priority": ticket.priority,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
            "tags": ", ".join(tags),
            "summary": ticket.summary,
        },
    )
    if not props.is_bound:
        # The assignee box shows each agent's name (User.__str__: display_name) by id: the
        # columns it needs, not all twenty of every agent's row (#10).
        assignee = props.fields["assignee"]
        assignee.queryset = assignee.queryset.only("id", "username", "first_name", "last_name")
    # Widgets, labels and layouts without templates (rapport/lib/widgets.py, #10).
    props = fast_form(fast_selects(props))
    merge_form = fast_form(forms.pop("merge_form", None) or MergeForm())
    return {
        "ticket": ticket,
        "message_count": sum(1 for e in timeline if e.kind == "message"),
        "customer": customer,
        "identities": list(customer.identities.all()),
        "participants": list(ticket.participants.select_related("customer")),
        "flags": flags,
        "flag_kinds": FlagKind.choices,
        "tags": tags,
        "other_tickets": list(other_tickets),
        "timeline": timeline,
        "timeline_messages": timeline_messages,
        # Select boxes built without templates (rapport/lib/widgets.py, #10): the properties
        # form's assignee box lists every agent.
        "reply_form": fast_form(fast_selects(forms.pop("reply_form", None) or ReplyForm())),
        "note_form": fast_form(forms.pop("note_form", None) or NoteForm()),
        "props_form": props,
        "merge_form": merge_form,
        # as_p's markup without its templates, the same bytes (rapport/lib/widgets.py, #10).
        "props_form_html": render_p(props),
        "merge_form_html": render_p(merge_form),
        "viewers": presence.ping(ticket.pk, request.user),
        "presence_interval": presence.PING,
        **firings_context(ticket),  # "why did this happen?" (rapport.rules)
    }


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    if (
        ticket.merged_into_id
        and Ticket.objects.visible_to(request.user).filter(pk=ticket.merged_into_id).exists()
    ):
        messages.info(request, _("Ticket #%(id)s was merged into this one.") % {"id": ticket.pk})
        return redirect("ticket", pk=ticket.merged_into_id)
    return render(request, "tickets/ticket.html", _ticket_context(request, ticket))


def _rerender(request, ticket: Ticket, status: int = 400, **forms) -> HttpResponse:
    return render(
        request, "tickets/ticket.html", _ticket_context(request, ticket, **forms), status=status
    )


@login_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReplyForm(request.POST, request.FILES)
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        if form.is_valid():
            try:
                actions.check_reply(
                    ticket,
                    author=request.user,
                    body_text=form.cleaned_data["body"],
                    status_after=form.cleaned_data["status_after"] or None,
                    attachments=form.cleaned_data["attachments"],
                    confirm_unhappy=form.cleaned_data["confirm_unhappy"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
    if form.errors:
        return _rerender(request, ticket, reply_form=form)
    messages.success(request, _("Reply sent."))
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_POST
def ticket_note(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        if form.is_valid():
            actions.check_add_note(ticket, author=request.user, body=form.cleaned_data["body"])
    if form.errors:
        return _rerender(request, ticket, note_form=form)
    messages.success(request, _("Note added."))
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_POST
def ticket_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Status, priority, team, assignee, tags and summary, each through its own action."""
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        form = TicketPropertiesForm(request.POST, ticket=ticket)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    user = request.user
                    actions.check_change_status(
                        ticket,
                        data["status"],
                        actor=user,
                        confirm_unhappy=data.get("confirm_unhappy", False),
                    )
                    actions.do_set_priority(ticket, data["priority"], actor=user)
                    actions.check_assign(
                        ticket, team=data["team"], assignee=data["assignee"], actor=user
                    )
                    actions.do_set_tags(ticket, form.tag_names(), actor=user)
                    actions.do_set_summary(ticket, data["summary"], actor=user)
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error("team", str(exc))
    if form.errors:
        ticket.refresh_from_db()
        return _rerender(request, ticket, props=form)
    messages.success(request, _("Ticket updated."))
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
        return redirect("inbox")  # moved to a team this agent is not in
    return redirect("ticket", pk=ticket.pk)


@login_required
@require_POST
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    form = MergeForm(request.POST)
    with transaction.atomic():
        ticket = access_ticket(request.user, pk, for_update=True)
        if form.is_valid():
            target = (
                Ticket.objects.visible_to(request.user)
                .filter(pk=form.cleaned_data["target"])
                .first()
            )
            if target is None:
                form.add_error("target", _("No such ticket among the ones you can see."))
            else:
                try:
                    actions.check_merge_tickets(ticket, target, actor=request.user)
                except ValidationError as exc:
                    form.add_error("target", exc)
    if form.errors:
        return _rerender(request, ticket, merge_form=form)
    messages.success(request, _("Merged into #%(id)s.") % {"id": target.pk})
    return redirect("ticket", pk=target.pk)


@login_required
@require_POST
def message_split(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("ticket"), pk=pk)
    form = SplitForm(request.POST)
    with transaction.atomic():
        ticket = access_ticket(request.user, message.ticket_id, for_update=True)
        if not form.is_valid():
            return _rerender(request, ticket)
        try:
            new = actions.check_split_message(
                message, actor=request.user, subject=form.cleaned_data["subject"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("ticket", pk=ticket.pk)
    messages.success(request, _("The message is now ticket #%(id)s.") % {"id": new.pk})
    return redirect("ticket", pk=new.pk)


@login_required
@require_POST
def ticket_coach(request: HttpRequest, pk: int) -> HttpResponse:
    """Live findings on the reply being typed (htmx, debounced). Advice only: never blocks."""
    ticket = access_ticket(request.user, pk)
    text = (request.POST.get("body") or "")[:50_000]
    report = coaching.review(ticket, text) if text.strip() else None
    return render(request, "tickets/_coach.html", {"report": report, "ticket": ticket})


@login_required
def coach_rules(request: HttpRequest) -> HttpResponse:
    """The organisation's rule book for the coach (MG2): supervisors and admins edit it."""
    if not request.user.sees_all_teams:
        raise PermissionDenied(_("Only supervisors and administrators edit the coach's rules."))
    row = CoachRules.objects.order_by("id").first() or CoachRules()
    form = CoachRulesForm(request.POST or None, rules=row.rules)
    if request.method == "POST" and form.is_valid():
        row.rules, row.updated_by = form.rules, request.user
        row.save()
        messages.success(request, _("The coach's rules are saved; they apply from now on."))
        return redirect("coach-rules")
    return render(
        request,
        "tickets/coach_rules.html",
        {"form": form, "row": row},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ticket_presence(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    viewers = presence.ping(ticket.pk, request.user, typing=request.POST.get("typing") == "1")
    return render(
        request,
        "tickets/_viewers.html",
        {"viewers": viewers, "ticket": ticket, "presence_interval": presence.PING},
    )


@login_required
@require_POST
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("message"), pk=pk)
    ticket = access_ticket(request.user, delivery.message.ticket_id)
    do_resend(delivery)
    messages.success(request, _("The message is queued to be sent again."))
    return redirect("ticket", pk=ticket.pk)


@login_required
def message_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The message exactly as it arrived (e.g. the full MIME source), as plain text."""
    message = get_object_or_404(Message.objects.select_related("inbound_raw"), pk=pk)
    access_ticket(request.user, message.ticket_id)
    raw = getattr(message, "inbound_raw", None)
    if raw is None or not raw.raw:
        raise Http404(_("No original is stored for this message."))
    response = HttpResponse(
        bytes(raw.raw).decode("utf-8", "replace"), content_type="text/plain; charset=utf-8"
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=pk)
    access_ticket(request.user, attachment.message.ticket_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: no file (erased or expired, privacy)
        raise Http404(_("The file is missing from storage.")) from None
    # Served as a download, never rendered inline: customer files may be hostile.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )


@login_required
def go_to_ticket(request: HttpRequest) -> HttpResponse:
    """The header's "#123" jump box."""
    number = (request.GET.get("n") or "").lstrip("#").strip()
    if not number.isdigit():
        messages.error(request, _("Type a ticket number."))
        return redirect("inbox")
    return redirect(reverse("ticket", kwargs={"pk": int(number)}))
