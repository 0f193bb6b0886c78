"""The shipped rule's name (migration 0002), for the translation catalogues: Rule.display_name
translates a name found in them."""

from django.utils.translation import gettext_noop

SHIPPED_RULE_NAMES = (gettext_noop("Bad satisfaction rating: notify the team's supervisors"),)
