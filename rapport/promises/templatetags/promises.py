"""{% ticket_promises ticket %} (the ticket page's panel) and {% customer_promises customer %}
(the customer card, on the ticket page and the customer page): open and overdue promises."""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..actions import visible_promises
from ..models import PromiseState

register = template.Library()


@register.inclusion_tag("promises/_ticket_promises.html", takes_context=True)
def ticket_promises(context, ticket, messages=None):
    """`messages`: the ticket's messages if the page has them (the ticket page's timeline):
    the latest reply to offer for tracking is found among them, not queried (#10)."""
    from ..views import ticket_panel_context

    return ticket_panel_context(context["request"], ticket, messages=messages)


@register.inclusion_tag("promises/_customer_promises.html", takes_context=True)
def customer_promises(context, customer, exclude_ticket=None):
    user = context["request"].user
    qs = visible_promises(user).filter(customer=customer, state=PromiseState.OPEN)
    if exclude_ticket is not None:
        qs = qs.exclude(ticket=exclude_ticket)
    return {"promises": list(qs.select_related("agent")[:10]), "now": timezone.now()}
