"""{% ticket_grants ticket %}: grants and approval requests on the ticket page (RS7)."""

from __future__ import annotations

from django import template

from rapport.lib.widgets import fast_form

from ..actions import can_decide, is_unlimited
from ..forms import GrantForm
from ..models import EmpowermentLimit, LimitRole

register = template.Library()


@register.inclusion_tag("approvals/_ticket_card.html", takes_context=True)
def ticket_grants(context, ticket):
    request = context["request"]
    user = request.user
    grants = list(ticket.grants.select_related("requested_by", "decided_by")[:20])
    for g in grants:
        g.ticket = ticket  # no query per row
        g.decidable = g.is_pending and can_decide(user, g)
    role = LimitRole.SUPERVISOR if user.role == LimitRole.SUPERVISOR else LimitRole.AGENT
    my_limits = None if is_unlimited(user) else list(EmpowermentLimit.objects.filter(role=role))
    return {
        "ticket": ticket,
        "grants": grants,
        "form": fast_form(GrantForm()),  # widgets without templates (#10)
        "my_limits": my_limits,
        "request": request,
    }
