"""The shipped rules (ES3, ES4, ES5, RS1), in a language-neutral form: no customer-facing text
is stored — notes quote the customer, suggested wording comes from the coach's packs in the
customer's language, and system texts are translated when the rule fires. See docs/rules.md.

The supervisor queue is the tag "supervisor" (the inbox filters by tag) plus a notification to
every supervisor: the ticket stays in its team, so its agents keep seeing it."""

from django.db import migrations

DEFAULT_RULES = [
    {
        "key": "es5-legal-threat",
        "name": "Legal threat: notify legal, flag the customer, record the threat",
        "conditions": [{"field": "message.signals", "op": "contains", "value": "legal_threat"}],
        "actions": [
            {"type": "notify_role", "role": "legal", "email": True},
            {"type": "flag_customer", "kind": "legal_threat"},
            {"type": "add_note", "quote_signal": "legal_threat"},
        ],
    },
    {
        "key": "es5-physical-threat",
        "name": "Physical threat: notify legal and supervisors, flag the customer",
        "conditions": [{"field": "message.signals", "op": "contains", "value": "physical_threat"}],
        "actions": [
            {"type": "notify_role", "role": "legal", "email": True},
            {"type": "notify_role", "role": "supervisor", "email": True},
            {"type": "flag_customer", "kind": "physical_threat"},
            {"type": "add_note", "quote_signal": "physical_threat"},
        ],
    },
    {
        "key": "es4-insult",
        "name": "Insult: flag the customer, suggest firm but polite wording",
        "conditions": [{"field": "message.signals", "op": "contains", "value": "insult"}],
        "actions": [
            {"type": "flag_customer", "kind": "abusive"},
            {"type": "add_note", "quote_signal": "insult", "suggestion": "insult_response"},
        ],
    },
    {
        "key": "es3-supervisor-request",
        "name": "Customer asks for a manager: supervisor queue",
        "conditions": [
            {"field": "message.signals", "op": "contains", "value": "supervisor_request"}
        ],
        "actions": [
            {"type": "add_tag", "tag": "supervisor"},
            {"type": "notify_role", "role": "supervisor", "email": True},
        ],
    },
    {
        "key": "rs1-sla-breach",
        "name": "SLA breached: notify the team lead",
        "trigger": "timer",
        "conditions": [{"field": "ticket.sla_state", "op": "is", "value": "breached"}],
        # The SLA scanner (rapport.sla) already notifies the team's supervisors in the app on
        # a breach; this rule adds the e-mail (and can be edited or switched off).
        "actions": [{"type": "notify_role", "role": "supervisor", "email": True,
                     "team_only": True, "in_app": False}],
    },
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("rules", "Rule")
    for order, spec in enumerate(DEFAULT_RULES, 1):
        if Rule.objects.filter(key=spec["key"]).exists():
            continue
        Rule.objects.create(order=order * 10, trigger=spec.get("trigger", "message"),
                            **{k: v for k, v in spec.items() if k != "trigger"})


def remove_rules(apps, schema_editor):
    Rule = apps.get_model("rules", "Rule")
    Rule.objects.filter(key__in=[spec["key"] for spec in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
