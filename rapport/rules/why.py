""" "Why did this happen?" on the ticket page: the rules that fired on it, with the values
that made them fire and what they did."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.tickets.templatetags.rapport import coach_label

from .models import RuleFiring
from .schema import ACTIONS, FIELDS, OPS


def _value(value, field: str = "") -> str:
    if isinstance(value, dict) and set(value) == {"days", "count"}:
        return _("%(count)s in %(days)s days") % value
    if isinstance(value, dict) and set(value) == {"count"}:
        return str(value["count"])
    items = value if isinstance(value, list) else [value]
    if field in ("message.signals", "message.mood"):
        items = [coach_label(v) for v in items]  # "asks for a manager", in the reader's language
    return ", ".join("" if v is None else str(v) for v in items)


def _reason(item: dict) -> dict:
    if "any" in item:
        item = item["any"][0]
    name = item["field"]
    f = FIELDS.get(name)
    actual = item.get("actual")
    if isinstance(item.get("value"), dict) and isinstance(actual, int):
        actual = {"count": actual}
    return {
        "field": f.label if f else name,
        "op": OPS.get(item["op"], item["op"]),
        "value": _value(item.get("value"), name),
        "actual": _value(actual, name),
    }


def firings_context(ticket, limit: int = 20) -> dict:
    firings = list(RuleFiring.objects.filter(ticket=ticket).select_related("rule")[:limit])
    rows = []
    for f in firings:
        rows.append(
            {
                "rule": f.rule,
                "at": f.at,
                "trigger": f.get_trigger_display(),
                "message_id": f.message_id,
                "why": [_reason(item) for item in f.why],
                "done": [
                    {
                        "label": ACTIONS[d["type"]].label
                        if d.get("type") in ACTIONS
                        else d.get("type"),
                        "status": d.get("status"),
                        "detail": ", ".join(
                            f"{k}={v}"
                            for k, v in d.items()
                            if k
                            not in (
                                "type",
                                "status",
                                "mail",
                                "team_only",
                                "note",
                                "flag",
                                "message",
                            )
                            and v not in (None, "", False)
                        ),
                    }
                    for d in f.done
                ],
            }
        )
    return {"rule_firings": rows}


def summary(rule) -> dict:
    """A rule in words for the list of rules: its conditions and its actions."""
    conditions = []
    for item in rule.conditions:
        group = item["any"] if "any" in item else [item]
        parts = []
        for c in group:
            r = _reason({**c, "actual": None})
            parts.append(f"{r['field']} {r['op']} {r['value']}".strip())
        conditions.append(" | ".join(parts))
    return {"conditions": conditions, "actions": [_action_words(a) for a in rule.actions]}


def _action_words(a: dict) -> str:
    kind = a.get("type")
    if kind == "assign":
        return _("assign to %s") % " / ".join(x for x in (a.get("team"), a.get("agent")) if x)
    if kind == "set_priority":
        return _("priority %s") % a["priority"]
    if kind == "add_tag":
        return _("tag “%s”") % a["tag"]
    if kind == "notify_role":
        words = _("notify %s") % a["role"]
        return words + (_(" (+ e-mail)") if a.get("email") else "")
    if kind == "flag_customer":
        return _("flag %s") % a["kind"]
    if kind == "add_note":
        return _("internal note")
    if kind == "send_template":
        return _("template reply")
    if kind == "side_discussion":
        return _("side discussion with %s") % a["role"]
    return str(kind)
