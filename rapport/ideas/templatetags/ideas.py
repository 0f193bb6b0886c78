"""{% ticket_ideas ticket %}: propose an improvement from the ticket page (KN5)."""

from __future__ import annotations

from django import template

from rapport.lib.widgets import fast_form

from ..forms import IdeaForm

register = template.Library()


@register.inclusion_tag("ideas/_ticket_card.html", takes_context=True)
def ticket_ideas(context, ticket):
    return {
        "ticket": ticket,
        "ideas": list(ticket.ideas.select_related("author")[:10]),
        "form": fast_form(IdeaForm()),  # widgets without templates (#10)
        "request": context["request"],
    }
