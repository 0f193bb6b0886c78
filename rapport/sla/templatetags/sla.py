"""SLA badges and figures in templates."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from rapport.tickets.models import SlaState

register = template.Library()


def short_duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": minutes // 60}
    return _("%(n)s d") % {"n": minutes // 1440}


@register.simple_tag
def sla_badge(ticket, now=None) -> str:
    """ "due in 2 h" / "overdue 15 min" / "paused" for one ticket row (RS1)."""
    now = now or timezone.now()
    due = ticket.sla_due
    if due is not None:
        if due < now:
            return format_html(
                '<span class="sla sla-breached" title="{}">{}</span>',
                due.isoformat(),
                _("overdue %(t)s") % {"t": short_duration(now - due)},
            )
        css = "sla-warning" if ticket.sla_state == SlaState.WARNING else "sla-ok"
        return format_html(
            '<span class="sla {}" title="{}">{}</span>',
            css,
            due.isoformat(),
            _("due in %(t)s") % {"t": short_duration(due - now)},
        )
    if ticket.sla_state == SlaState.PAUSED:
        return format_html('<span class="sla sla-paused">{}</span>', _("paused"))
    return ""


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@register.filter
def minutes(value) -> str:
    if not value:
        return "—"
    return (
        short_duration(timedelta(minutes=value))
        if value % 60
        else _("%(n)s h") % {"n": value // 60}
    )


@register.inclusion_tag("sla/_ticket_sla.html")
def ticket_sla(ticket, now=None) -> dict:
    """The ticket's SLA card (RS1, RS3): each target's latest clock — running with its due
    time, paused, met or breached — the policy, and what the customer was promised."""
    from rapport.sla.models import ClockStatus, SlaClock

    now = now or timezone.now()
    latest = {}
    for row in SlaClock.objects.filter(ticket=ticket).order_by("started_at", "id"):
        latest[row.kind] = row  # later clocks of a kind (next response) replace earlier ones
    clocks = []
    for row in latest.values():
        if row.status == ClockStatus.STOPPED:
            late = row.breached_at is not None
            text = _("missed") if late else _("met")
        elif row.status == ClockStatus.PAUSED:
            late, text = row.breached_at is not None, _("paused")
        elif row.due is not None and row.due < now:
            late, text = True, _("overdue %(t)s") % {"t": short_duration(now - row.due)}
        else:
            late = False
            text = _("due in %(t)s") % {"t": short_duration(row.due - now)} if row.due else ""
        clocks.append({"row": row, "late": late, "text": text})
    return {
        "ticket": ticket,
        "clocks": clocks,
        "promised": getattr(ticket, "promised_response_at", None),
    }
