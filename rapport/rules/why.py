""" "Why did this happen?" on the ticket page: the rules that fired on it, with the values
that made them fire and what they did."""

from __future__ import annotations

from .models import RuleFiring
from .schema import ACTIONS, FIELDS, OPS


def _value(value) -> str:
    if isinstance(value, dict) and set(value) == {"days", "count"}:
        return f"{value['count']} / {value['days']}d"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def _reason(item: dict) -> dict:
    if "any" in item:
        item = item["any"][0]
    f = FIELDS.get(item["field"])
    return {
        "field": f.label if f else item["field"],
        "op": OPS.get(item["op"], item["op"]),
        "value": _value(item.get("value")),
        "actual": _value(item.get("actual")),
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
                            if k not in ("type", "status", "mail", "team_only")
                            and v not in (None, "", False)
                        ),
                    }
                    for d in f.done
                ],
            }
        )
    return {"rule_firings": rows}
