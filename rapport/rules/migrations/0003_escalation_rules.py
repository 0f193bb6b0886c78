"""Two more shipped escalation rules (ES3: "hostility, repeated contact → supervisor queue"),
in the same language-neutral form as 0002. Each skips a ticket already in the supervisor queue,
so a customer writing again does not notify the supervisors again."""

from django.db import migrations

IN_QUEUE = {"field": "ticket.tags", "op": "not_contains", "value": "supervisor"}
TO_QUEUE = [
    {"type": "add_tag", "tag": "supervisor"},
    {"type": "notify_role", "role": "supervisor", "email": True},
]
RULES = [
    {
        "key": "es3-repeated-contact",
        "name": "Repeated contact: third ticket in a week goes to the supervisor queue",
        "conditions": [
            {"field": "customer.recent_tickets", "op": "gte", "value": {"days": 7, "count": 3}},
            IN_QUEUE,
        ],
        "actions": TO_QUEUE,
    },
    {
        "key": "es3-hostility",
        "name": "Hostility: an angry message from a customer flagged abusive goes to the "
                "supervisor queue",
        "conditions": [
            {"field": "message.mood", "op": "is", "value": "angry"},
            {"field": "customer.flags", "op": "contains", "value": "abusive"},
            IN_QUEUE,
        ],
        "actions": TO_QUEUE,
    },
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("rules", "Rule")
    # Orders of 0002: legal 10, physical 20, insult 30, manager 40, SLA 50. Hostility runs
    # before the insult rule, so it reads the flags as they were before this message: the
    # first insult flags the customer, a later angry message escalates.
    for order, spec in zip((45, 25), RULES, strict=True):
        if not Rule.objects.filter(key=spec["key"]).exists():
            Rule.objects.create(order=order, trigger="message", **spec)


def remove_rules(apps, schema_editor):
    apps.get_model("rules", "Rule").objects.filter(key__in=[r["key"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("rules", "0002_default_rules")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
