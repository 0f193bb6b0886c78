"""{% agent_limits ticket %}: the agent's limits on this conversation, on the ticket page (ES2,
ES6) — an escalation suggestion past a limit, a break offer after a hostile conversation."""

from __future__ import annotations

from django import template

from ..limits import limits_for

register = template.Library()


@register.inclusion_tag("agents/_limits.html", takes_context=True)
def agent_limits(context, ticket):
    request = context["request"]
    return {"ticket": ticket, "limits": limits_for(ticket, request.user), "request": request}
