"""Reports, problems, complaints, the baseline assessment and goals (MG1, MG3, MG4, KN2, KN3).
Thin views: filters → scoped figures (queries, problems, goals) → template or export.
See docs/reports.md."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.customers.models import CustomerKind
from rapport.lib.channels import Channel

from . import export, goals, problems, svg, tables
from .forms import FilterForm, GoalForm
from .models import Goal
from .queries import backlog_age, cached_report, hours, scoped


def _filters(request: HttpRequest, default_days: int = 30):
    data = request.GET.copy()
    # Without a chosen period the page's default applies, and the select must show it (it
    # showed its first choice, "Last 7 days", over 30 or 90 days of figures).
    data.setdefault("period", str(default_days))
    form = FilterForm(request.user, data)
    return form, scoped(form.filters(default_days), request.user)


def _dashboard_data(request):
    form, f = _filters(request)
    data = cached_report(f)
    t = tables.build(data)
    return form, f, data, t


def _charts(f, data) -> dict:
    days = data["days"]
    day_labels = [d["day"][5:] for d in days]
    channel_names = dict(Channel.choices)
    charts = {
        "volume": svg.columns(
            [
                (_("Created"), [d["created"] for d in days]),
                (_("Solved"), [d["solved"] for d in days]),
            ],
            day_labels,
            _("Tickets created and solved by day"),
            _("Columns per day from %(start)s to %(end)s.") % {"start": f.start, "end": f.end},
        ),
        "backlog": svg.columns(
            [(_("Open at the end of the day"), [b["open"] for b in data["backlog"]["series"]])],
            day_labels,
            _("Backlog by day"),
            _("Tickets open at the end of each day."),
        ),
        "hours": svg.columns(
            [(_("Tickets created"), [data["hours"].get(h, 0) for h in range(24)])],
            [f"{h:02d}" for h in range(24)],
            _("Tickets by hour of day"),
            _("When customers write, by the hour they opened the ticket."),
            height=160,
        ),
        "channels": svg.bars(
            [(str(channel_names.get(ch, ch)), v["created"]) for ch, v in data["channels"].items()],
            _("Tickets by channel"),
            _("Tickets created in the period on each channel."),
        ),
        "findings": svg.bars(
            [(p, n) for p, n in data["findings"][:10]],
            _("Most frequent coach findings"),
            _("Findings on sent replies, by the principle they name."),
        ),
    }
    levels = data["summary"]["survey_levels"]
    charts["satisfaction"] = svg.bars(
        [(str(lv), levels[lv]) for lv in range(1, 6)],
        _("Satisfaction answers by level"),
        _("1 not satisfied, 2 satisfied, 3 exceeded, 4 delighted, 5 amazed (FB2)."),
    )
    return charts


def _ages(f, data, user) -> list[dict]:
    """The open backlog's ages from the rollup, or counted from the tickets until a full
    rebuild has stored them (an upgraded desk)."""
    return data["ages"] if data.get("ages") is not None else backlog_age(f, user)


def _query_string(request) -> str:
    return request.GET.urlencode()


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, f, data, t = _dashboard_data(request)
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "f": f,
            "data": data,
            "s": data["summary"],
            "tables": t,
            "charts": _charts(f, data),
            "ages": _ages(f, data, request.user),
            "qs": _query_string(request),
            "page": "dashboard",
        },
    )


def _problem_tables(request):
    form, f = _filters(request, 90)
    clusters = problems.problem_clusters(f, request.user)
    found = problems.complaints(f, request.user)
    t = {
        "problems": (
            _("Recurring problems"),
            [_("Question"), _("Language"), _("Questions"), _("Tickets"), _("Channels"), _("Trend")],
            [
                [r["title"], r["language"], r["questions"], r["tickets"], r["channels"], r["trend"]]
                for r in clusters["rows"]
            ],
        ),
        "topics": (
            _("Complaints by topic"),
            [
                _("Topic"),
                _("Complaints"),
                _("Tickets"),
                _("Still open"),
                _("Channels"),
                _("Causes"),
            ],
            [
                [r["topic"], r["n"], r["tickets"], r["open"], r["channels"], r["causes"]]
                for r in found["topics"]
            ],
        ),
        "causes": (
            _("Complaints by cause"),
            [_("Cause"), _("Complaints")],
            [[problems.cause_label(c), n] for c, n in found["causes"]],
        ),
        "outcomes": (
            _("Complaints by outcome"),
            [_("Outcome"), _("Complaints")],
            [[str(problems.OUTCOMES.get(c, c)), n] for c, n in found["outcomes"]],
        ),
        "complaint_channels": (
            _("Complaints by channel"),
            [_("Channel"), _("Complaints")],
            [[problems.channel_label(c), n] for c, n in found["channels"]],
        ),
    }
    return form, f, clusters, found, t


@login_required
def problems_page(request: HttpRequest) -> HttpResponse:
    form, f, clusters, found, t = _problem_tables(request)
    charts = {
        "upgrades": svg.bars(
            [(r["topic"], r["n"]) for r in found["upgrades"]],
            _("Where the system needs an upgrade"),
            _("Complaint topics that repeat across tickets, most first (KN3)."),
        ),
        "causes": svg.bars(
            [(problems.cause_label(c), n) for c, n in found["causes"][:8]],
            _("Complaints by cause"),
            _("The coach's reading of each complaint: mood or signal."),
        ),
    }
    return render(
        request,
        "reports/problems.html",
        {
            "form": form,
            "f": f,
            "clusters": clusters,
            "found": found,
            "tables": t,
            "charts": charts,
            "qs": _query_string(request),
            "page": "problems",
        },
    )


@login_required
def baseline(request: HttpRequest) -> HttpResponse:
    """MG4: where service stands — one printable page (the browser prints it to PDF)."""
    form, f = _filters(request, 90)
    data = cached_report(f)
    s = data["summary"]
    from rapport.sla.models import SlaPolicy

    targets = SlaPolicy.objects.filter(is_active=True).order_by("order", "id")
    found = problems.complaints(f, request.user)
    return render(
        request,
        "reports/baseline.html",
        {
            "form": form,
            "f": f,
            "s": s,
            "data": data,
            "hours": {k: hours(s[k]) for k in ("frt_p50", "frt_p90", "res_p50", "res_p90")},
            "targets": targets,
            "found": found,
            "kinds": dict(CustomerKind.choices),
            "ages": _ages(f, data, request.user),
            "qs": _query_string(request),
            "page": "baseline",
        },
    )


@login_required
def export_table(request: HttpRequest, page: str, name: str, fmt: str) -> HttpResponse:
    if page == "dashboard":
        t = _dashboard_data(request)[3]
    elif page == "problems":
        t = _problem_tables(request)[4]
    else:
        raise Http404
    if name not in t:
        raise Http404
    title, headers, rows = t[name]
    filename = f"rapport-{page}-{name}"
    if fmt == "csv":
        return export.as_csv(headers, rows, filename)
    if fmt == "xlsx":
        return export.as_xlsx(title, headers, rows, filename)
    raise Http404


@login_required
def goals_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = None
    if user.sees_all_teams:
        form = GoalForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            goal = form.save(commit=False)
            goal.created_by = user
            goal.save()
            messages.success(request, _("Goal saved."))
            return redirect("reports-goals")
    elif request.method == "POST":
        raise PermissionDenied
    rows = [goals.progress(g) for g in goals.visible_goals(user)]
    return render(request, "reports/goals.html", {"form": form, "rows": rows, "page": "goals"})


@login_required
@require_POST
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.sees_all_teams:
        raise PermissionDenied
    get_object_or_404(Goal, pk=pk).delete()
    messages.success(request, _("Goal deleted."))
    return redirect("reports-goals")
