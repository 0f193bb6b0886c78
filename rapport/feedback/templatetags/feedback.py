"""{% ticket_feedback ticket %} (the ticket page) and {% customer_feedback customer %} (the
customer page): survey answers, confirmations and churn risk (FB1, TR5, FB6)."""

from __future__ import annotations

from django import template

from rapport.tickets.models import Ticket

from ..models import Confirmation, Survey
from ..views import customer_risk

register = template.Library()


@register.inclusion_tag("feedback/_ticket_panel.html", takes_context=True)
def ticket_feedback(context, ticket):
    confirmations = list(ticket.confirmations.select_related("recorded_by")[:5])
    return {
        "ticket": ticket,
        "surveys": list(ticket.surveys.select_related("agent")[:5]),
        "confirmations": confirmations,
        "confirmed": next((c for c in confirmations if c.reopened_at is None), None),
        "reopened": ticket.is_open and any(c.reopened_at for c in confirmations),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("feedback/_customer_panel.html", takes_context=True)
def customer_feedback(context, customer):
    user = context["request"].user
    visible = Ticket.objects.visible_to(user).filter(customer=customer).values("pk")
    return {
        "customer": customer,
        "surveys": list(
            Survey.objects.filter(
                customer=customer, ticket__in=visible, level__isnull=False
            ).select_related("ticket")[:10]
        ),
        "confirmations": Confirmation.objects.filter(
            customer=customer, ticket__in=visible
        ).select_related("ticket", "recorded_by")[:10],
        "risk": customer_risk(customer),
    }
