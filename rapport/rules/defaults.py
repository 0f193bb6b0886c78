"""The names of the shipped rules (migrations 0002, 0003), for the translation catalogues:
Rule.display_name translates a name found in them."""

from django.utils.translation import gettext_noop

SHIPPED_RULE_NAMES = (
    gettext_noop("Legal threat: notify legal, flag the customer, record the threat"),
    gettext_noop("Physical threat: notify legal and supervisors, flag the customer"),
    gettext_noop("Insult: flag the customer, suggest firm but polite wording"),
    gettext_noop("Customer asks for a manager: supervisor queue"),
    gettext_noop("SLA breached: notify the team lead"),
    gettext_noop("Repeated contact: third ticket in a week goes to the supervisor queue"),
    gettext_noop(
        "Hostility: an angry message from a customer flagged abusive goes to the supervisor queue"
    ),
)
