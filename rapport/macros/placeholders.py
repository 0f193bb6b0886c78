"""Safe `{placeholder}` substitution for reply templates (docs/macros.md).

A template is plain text. The only markup is `{name}` for one of VARIABLES; anything else in
braces (an unknown name, `{{ … }}`, `{% … %}`, a stray brace) is refused when the template is
saved, and the text is never run through a template engine, so nothing a template's author
writes is executed. Values are inserted as text (the reply box is a textarea)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

VARIABLES = {
    "customer_name": _("the customer's name"),
    "ticket_number": _("the ticket's number"),
    "order_number": _("the order number the customer gave"),
    "agent_name": _("your name"),
    "team_name": _("the ticket's team"),
    "expected_time": _("when the next answer is due (the SLA)"),
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def problems(text: str) -> list[str]:
    """What is wrong with a template's text: unknown placeholders and stray braces."""
    found = []
    for m in PLACEHOLDER.finditer(text):
        if m.group(1) not in VARIABLES:
            found.append(m.group(0))
    rest = PLACEHOLDER.sub("", text)
    found += re.findall(r"\{[^{}]*\}?|\}", rest)  # "{{ x }}", "{% if %}", "{", "}"
    return list(dict.fromkeys(found))


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each known placeholder replaced; one without a value stays visible as
    `{name}` so the agent sees what is left to fill in."""

    def one(m: re.Match) -> str:
        value = values.get(m.group(1))
        return str(value) if value else m.group(0)

    return PLACEHOLDER.sub(one, text)


def unfilled(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) in VARIABLES]
