"""{% ticket_side_conversations ticket %}: the side conversations panel on the ticket page
(MG6), beside the customer conversation. A fixed number of queries, whatever it holds."""

from __future__ import annotations

from django import template
from django.db.models import Prefetch, Q

from rapport.lib.widgets import fast_form

from ..forms import OpenForm
from ..models import Department, SideConversation, SideMessage

register = template.Library()


@register.inclusion_tag("sideconv/_panel.html", takes_context=True)
def ticket_side_conversations(context, ticket):
    conversations = list(
        # With those of tickets merged into this one: a merged ticket's page redirects here.
        SideConversation.objects.filter(Q(ticket=ticket) | Q(ticket__merged_into=ticket))
        .select_related("team", "department")
        .prefetch_related(
            Prefetch("messages", queryset=SideMessage.objects.select_related("author"))
        )
        .order_by("-state", "-updated_at", "-id")[:20]
    )
    return {
        "ticket": ticket,
        "conversations": conversations,
        "open_form": fast_form(OpenForm(ticket=ticket)),  # widgets without templates (#10)
        "has_departments": Department.objects.exclude(email="").exists(),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
