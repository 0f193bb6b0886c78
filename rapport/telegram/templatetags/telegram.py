"""{% telegram_contacts customer %}: the customer's Telegram username per bot, and a warning
when they blocked the bot (replies will not arrive) — for the customer card (TR6, TR7).

The card is shown only to agents who may see the customer; this adds no data about anyone
else. Use: {% load telegram %}{% telegram_contacts customer %}
"""

from __future__ import annotations

from django import template

from ..models import Contact

register = template.Library()


@register.inclusion_tag("telegram/_contacts.html")
def telegram_contacts(customer):
    contacts = (
        Contact.objects.filter(customer=customer).select_related("bot").order_by("-last_seen_at")
    )
    return {"contacts": list(contacts[:5])}
