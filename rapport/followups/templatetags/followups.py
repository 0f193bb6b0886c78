"""{% followups_card customer %}: consent, purchases, cross-sell suggestions (FB7), what is on
the calendar, and a thank-you note form, on the customer page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..actions import consent_state, visible_followups
from ..forms import ConsentForm, ThankYouForm, TimeZoneForm
from ..models import OPT_IN_PURPOSES, CustomerTimeZone, Purpose, State
from ..purchases import suggestions_for

register = template.Library()


@register.inclusion_tag("followups/_customer_card.html", takes_context=True)
def followups_card(context, customer):
    request = context["request"]
    user = request.user
    purchases = list(customer.purchases.all()[:10])
    consents = []
    for value, label in Purpose.choices:
        last = consent_state(customer.pk, value)
        consents.append(
            {
                "label": label,
                "last": last,
                "opt_in": value in OPT_IN_PURPOSES,
                "allowed": last.granted if last else value not in OPT_IN_PURPOSES,
            }
        )
    thanks = ThankYouForm()
    if not user.sees_all_teams:
        thanks.fields["team"].queryset = user.teams.all()
    return {
        "customer": customer,
        "purchases": purchases,
        "suggestions": suggestions_for(customer) if purchases else [],
        "consents": consents,
        "consent_form": ConsentForm(),
        "time_zone_form": TimeZoneForm(
            initial={
                "time_zone": CustomerTimeZone.objects.filter(customer=customer)
                .values_list("time_zone", flat=True)
                .first()
            }
        ),
        "thanks_form": thanks,
        "upcoming": list(
            visible_followups(user)
            .filter(customer=customer, state=State.SCHEDULED)
            .order_by("due_at")[:5]
        ),
        "now": timezone.now(),
        "csrf_token": context.get("csrf_token"),
    }
