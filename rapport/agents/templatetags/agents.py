"""{% agent_limits ticket %}: the agent's limits on this conversation, on the ticket page (ES2,
ES6) — an escalation suggestion past a limit, a break offer after a hostile conversation."""

from __future__ import annotations

from django import template

from ..limits import limits_for

register = template.Library()


@register.inclusion_tag("agents/_limits.html", takes_context=True)
def agent_limits(context, ticket, messages=None):
    """`messages`: the ticket's messages if the page has them already (the ticket page's
    timeline): hostility is counted from them instead of another query (#10)."""
    request = context["request"]
    limits = limits_for(ticket, request.user, messages=messages)
    return {"ticket": ticket, "limits": limits, "request": request}
