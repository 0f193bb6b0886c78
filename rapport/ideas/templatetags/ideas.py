"""{% ticket_ideas ticket %}: propose an improvement from the ticket page (KN5)."""

from __future__ import annotations

from django import template

from ..forms import IdeaForm

register = template.Library()


@register.inclusion_tag("ideas/_ticket_card.html", takes_context=True)
def ticket_ideas(context, ticket):
    return {
        "ticket": ticket,
        "ideas": list(ticket.ideas.select_related("author")[:10]),
        "form": IdeaForm(),
        "request": context["request"],
    }
