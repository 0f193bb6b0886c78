"""The typed schema of rule conditions and actions, and its validation.

A condition is ``{"field": ..., "op": ..., "value": ...}``; an item ``{"any": [conditions]}``
holds when one of its conditions does. All items of a rule's list must hold.
An action is ``{"type": ..., <parameters>}``. See docs/rules.md for the full table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.coach.customer import MOODS, SIGNALS
from rapport.lib.channels import Channel

LANGUAGES = ("en", "ru", "zh")
SLA_STATES = ("", "ok", "warning", "breached", "paused")
OPS = {
    "is": gettext_lazy("is"),
    "is_not": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "gte": gettext_lazy("at least"),
    "lte": gettext_lazy("at most"),
    "is_set": gettext_lazy("is set"),
    "is_not_set": gettext_lazy("is not set"),
}
CHOICE_OPS = ("is", "is_not", "in", "not_in")
SET_OPS = ("contains", "not_contains")
NUMBER_OPS = ("gte", "lte")
PRESENCE_OPS = ("is_set", "is_not_set")


def _statuses():
    from rapport.tickets.models import Status

    return tuple(Status.values)


def _flag_kinds():
    from rapport.customers.models import FlagKind

    return tuple(FlagKind.values)


def _customer_kinds():
    from rapport.customers.models import CustomerKind

    return tuple(CustomerKind.values)


@dataclass(frozen=True)
class Field:
    label: object
    kind: str  # choice | int | minutes | window | text | presence
    ops: tuple
    choices: object = None  # a tuple or a callable returning one
    cost: int = 0  # evaluation cost class: conditions are checked cheapest first

    def allowed(self) -> tuple:
        return self.choices() if callable(self.choices) else (self.choices or ())


FIELDS: dict[str, Field] = {
    "message.signals": Field(
        gettext_lazy("Signals in the customer's message"), "choice", SET_OPS, SIGNALS
    ),
    "message.mood": Field(
        gettext_lazy("Mood of the customer's message"), "choice", CHOICE_OPS, MOODS
    ),
    "message.language": Field(
        gettext_lazy("Language of the customer's message"), "choice", CHOICE_OPS, LANGUAGES
    ),
    "ticket.status": Field(gettext_lazy("Ticket status"), "choice", CHOICE_OPS, _statuses),
    "ticket.priority": Field(
        gettext_lazy("Ticket priority (1 low … 4 urgent)"),
        "int",
        CHOICE_OPS + NUMBER_OPS,
        (1, 2, 3, 4),
    ),
    "ticket.channel": Field(
        gettext_lazy("Ticket channel"), "choice", CHOICE_OPS, tuple(Channel.values)
    ),
    "ticket.team": Field(gettext_lazy("Ticket team (name)"), "text", CHOICE_OPS + PRESENCE_OPS),
    "ticket.assignee": Field(gettext_lazy("Ticket assignee"), "presence", PRESENCE_OPS),
    "ticket.sla_state": Field(gettext_lazy("SLA state"), "choice", CHOICE_OPS, SLA_STATES),
    "ticket.tags": Field(gettext_lazy("Ticket tags"), "text", SET_OPS, cost=1),
    "customer.kind": Field(gettext_lazy("Customer kind"), "choice", CHOICE_OPS, _customer_kinds),
    "customer.flags": Field(
        gettext_lazy("Customer flags (active)"), "choice", SET_OPS, _flag_kinds, cost=1
    ),
    "time.customer_waiting": Field(
        gettext_lazy("Minutes since the customer's last message, unanswered"),
        "minutes",
        NUMBER_OPS,
        cost=1,
    ),
    "time.since_agent_reply": Field(
        gettext_lazy("Minutes since the last agent reply"), "minutes", NUMBER_OPS, cost=1
    ),
    "customer.recent_tickets": Field(
        gettext_lazy("Tickets of this customer in the last N days"), "window", NUMBER_OPS, cost=2
    ),
    "customer.recent_messages": Field(
        gettext_lazy("Messages from this customer in the last N days"), "window", NUMBER_OPS, cost=2
    ),
}
TIME_FIELDS = ("time.customer_waiting", "time.since_agent_reply")


@dataclass(frozen=True)
class ActionType:
    label: object
    params: dict  # name -> (kind, required)


ROLE_CHOICES = ("supervisor", "legal", "admin", "agent")
ACTIONS: dict[str, ActionType] = {
    "assign": ActionType(
        gettext_lazy("Assign to a team and/or agent"),
        {"team": ("team", False), "agent": ("agent", False)},
    ),
    "set_priority": ActionType(gettext_lazy("Set priority"), {"priority": ("priority", True)}),
    "add_tag": ActionType(gettext_lazy("Add a tag"), {"tag": ("tag", True)}),
    "notify_role": ActionType(
        gettext_lazy("Notify a role (in-app, optionally by e-mail)"),
        {
            "role": ("role", True),
            "email": ("bool", False),
            "team_only": ("bool", False),
            "in_app": ("bool", False),
        },
    ),
    "flag_customer": ActionType(
        gettext_lazy("Flag the customer"), {"kind": ("flag", True), "reason": ("text", False)}
    ),
    "add_note": ActionType(
        gettext_lazy("Add an internal note"),
        {
            "text": ("text", False),
            "quote_signal": ("signal", False),
            "suggestion": ("suggestion", False),
        },
    ),
    "send_template": ActionType(
        gettext_lazy("Send a template reply to the customer"), {"texts": ("texts", True)}
    ),
    "side_discussion": ActionType(
        gettext_lazy("Start a side discussion with a role"),
        {"role": ("role", True), "text": ("text", False)},
    ),
}
# Coach suggestion texts (rapport/coach/packs/*/suggestions.toml) a note may carry.
SUGGESTIONS = ("insult_response",)


def _error(where: str, message: str) -> str:
    return f"{where}: {message}"


def _check_value(f: Field, op: str, value, where: str) -> list[str]:
    if op in PRESENCE_OPS:
        return (
            [] if value in (None, "", True) else [_error(where, _("this operator takes no value."))]
        )
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            return [_error(where, _("the value must be a non-empty list."))]
        errors = []
        for item in value:
            errors += _check_scalar(f, item, where)
        return errors
    if f.kind == "window":
        if (
            not isinstance(value, dict)
            or set(value) != {"days", "count"}
            or not all(isinstance(value[k], int) and not isinstance(value[k], bool) for k in value)
            or not 1 <= value["days"] <= 365
            or value["count"] < 0
        ):
            return [_error(where, _('the value must be {"days": 1–365, "count": a number}.'))]
        return []
    return _check_scalar(f, value, where)


def _check_scalar(f: Field, value, where: str) -> list[str]:
    if f.kind in ("int", "minutes"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return [_error(where, _("the value must be a whole number."))]
    elif not isinstance(value, str):
        return [_error(where, _("the value must be text."))]
    allowed = f.allowed()
    if allowed and value not in allowed:
        return [
            _error(
                where,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(map(str, allowed)) or '""'},
            )
        ]
    if f.kind == "text" and not value.strip():
        return [_error(where, _("the value cannot be empty."))]
    return []


def _check_condition(item, where: str, *, nested: bool = False) -> list[str]:
    if not isinstance(item, dict):
        return [_error(where, _("a condition must be an object."))]
    if "any" in item and not nested:
        group = item["any"]
        if set(item) != {"any"} or not isinstance(group, list) or not group:
            return [_error(where, _("“any” must be a non-empty list of conditions."))]
        errors = []
        for i, sub in enumerate(group, 1):
            errors += _check_condition(sub, f"{where}.{i}", nested=True)
        return errors
    unknown = set(item) - {"field", "op", "value"}
    if unknown:
        return [_error(where, _("unknown key(s): %s.") % ", ".join(sorted(unknown)))]
    name = item.get("field")
    f = FIELDS.get(name)
    if f is None:
        return [_error(where, _("unknown field “%s”.") % name)]
    op = item.get("op")
    if op not in f.ops:
        return [
            _error(
                where,
                _("“%(op)s” is not an operator of %(field)s (use: %(ops)s).")
                % {"op": op, "field": name, "ops": ", ".join(f.ops)},
            )
        ]
    if f.kind == "text" and name == "ticket.team" and op not in PRESENCE_OPS:
        errors = _check_value(f, op, item.get("value"), where)
        if not errors:
            errors = _check_teams_exist(item["value"], where)
        return errors
    return _check_value(f, op, item.get("value"), where)


def _check_teams_exist(value, where: str) -> list[str]:
    from rapport.accounts.models import Team

    names = value if isinstance(value, list) else [value]
    known = set(Team.objects.filter(name__in=names).values_list("name", flat=True))
    missing = [n for n in names if n not in known]
    return [_error(where, _("no team is called “%s”.") % n) for n in missing]


def validate_conditions(conditions) -> list:
    """The conditions, unchanged, or ValidationError listing every problem found."""
    if not isinstance(conditions, list):
        raise ValidationError(_("Conditions must be a list."))
    errors: list[str] = []
    for i, item in enumerate(conditions, 1):
        errors += _check_condition(item, _("Condition %s") % i)
    if errors:
        raise ValidationError(errors)
    return conditions


def validate_actions(actions) -> list:
    if not isinstance(actions, list):
        raise ValidationError(_("Actions must be a list."))
    if not actions:
        raise ValidationError(_("A rule needs at least one action."))
    errors: list[str] = []
    for i, item in enumerate(actions, 1):
        errors += _check_action(item, _("Action %s") % i)
    if errors:
        raise ValidationError(errors)
    return actions


def _check_action(item, where: str) -> list[str]:
    from rapport.accounts.models import Team, User

    if not isinstance(item, dict):
        return [_error(where, _("an action must be an object."))]
    kind = ACTIONS.get(item.get("type"))
    if kind is None:
        return [_error(where, _("unknown action “%s”.") % item.get("type"))]
    unknown = set(item) - {"type"} - set(kind.params)
    if unknown:
        return [_error(where, _("unknown parameter(s): %s.") % ", ".join(sorted(unknown)))]
    errors = []
    for name, (pkind, required) in kind.params.items():
        value = item.get(name)
        if value in (None, ""):
            if required:
                errors.append(_error(where, _("“%s” is required.") % name))
            continue
        errors += _check_param(pkind, name, value, where)
    if errors:
        return errors
    if item["type"] == "assign":
        team_name, username = item.get("team"), item.get("agent")
        if not team_name and not username:
            return [_error(where, _("name a team, an agent or both."))]
        team = Team.objects.filter(name=team_name).first() if team_name else None
        if team_name and team is None:
            errors.append(_error(where, _("no team is called “%s”.") % team_name))
        agent = User.objects.filter(username=username, is_active=True).first() if username else None
        if username and agent is None:
            errors.append(_error(where, _("no active agent has the login “%s”.") % username))
        if team and agent and not agent.teams.filter(pk=team.pk).exists():
            errors.append(
                _error(
                    where,
                    _("%(agent)s is not a member of %(team)s.")
                    % {"agent": username, "team": team_name},
                )
            )
    if item["type"] == "add_note" and not any(
        item.get(k) for k in ("text", "quote_signal", "suggestion")
    ):
        errors.append(_error(where, _("give a text, a signal to quote or a suggestion.")))
    return errors


def _check_param(pkind: str, name: str, value, where: str) -> list[str]:
    bad = _error(where, _("“%s” has a value of the wrong kind.") % name)
    if pkind == "bool":
        return [] if isinstance(value, bool) else [bad]
    if pkind == "priority":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4
        return [] if ok else [_error(where, _("priority must be 1, 2, 3 or 4."))]
    if pkind == "texts":
        if not isinstance(value, dict) or not value:
            return [_error(where, _('texts must be {"en": "...", "ru": "...", "zh": "..."}.'))]
        errors = []
        for lang, text in value.items():
            if lang not in LANGUAGES:
                errors.append(_error(where, _("unknown language “%s”.") % lang))
            elif not isinstance(text, str) or not text.strip():
                errors.append(_error(where, _("the %s text is empty.") % lang))
        return errors
    if not isinstance(value, str):
        return [bad]
    allowed = {
        "role": ROLE_CHOICES,
        "flag": _flag_kinds(),
        "signal": SIGNALS,
        "suggestion": SUGGESTIONS,
    }.get(pkind)
    if allowed and value not in allowed:
        return [
            _error(
                where,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(allowed)},
            )
        ]
    if pkind == "tag" and len(value.strip()) > 50:
        return [_error(where, _("a tag has at most 50 characters."))]
    return []
