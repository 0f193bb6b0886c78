"""The names of the shipped rules (migration 0002), listed here for the translation catalogues:
Rule.display_name translates a name found in them."""

from django.utils.translation import gettext_noop

SHIPPED_RULE_NAMES = (
    gettext_noop("Legal threat: notify legal, flag the customer, record the threat"),
    gettext_noop("Physical threat: notify legal and supervisors, flag the customer"),
    gettext_noop("Insult: flag the customer, suggest firm but polite wording"),
    gettext_noop("Customer asks for a manager: supervisor queue"),
    gettext_noop("SLA breached: notify the team lead"),
)
