"""The shipped rule that routes a bad satisfaction rating to the team (FB1), in the rules'
language-neutral form (docs/rules.md). rapport.feedback tags a ticket rated at or below the
team's bad level `bad-rating` and evaluates the timer rules on it at once; this rule tells the
supervisors of the ticket's team (in the app and by e-mail). It fires once per ticket state
while the tag is there: remove the tag when the rating has been handled."""

from django.db import migrations

RULE = {
    "key": "fb1-bad-rating",
    "name": "Bad satisfaction rating: notify the team's supervisors",
    "trigger": "timer",
    "conditions": [
        {"field": "ticket.tags", "op": "contains", "value": "bad-rating"},
        {"field": "ticket.status", "op": "in", "value": ["solved", "closed"]},
    ],
    "actions": [
        {"type": "notify_role", "role": "supervisor", "team_only": True, "email": True},
    ],
}


def add_rule(apps, schema_editor):
    Rule = apps.get_model("rules", "Rule")
    if not Rule.objects.filter(key=RULE["key"]).exists():
        top = Rule.objects.order_by("-order").values_list("order", flat=True).first() or 0
        Rule.objects.create(order=top + 10, **RULE)


def remove_rule(apps, schema_editor):
    apps.get_model("rules", "Rule").objects.filter(key=RULE["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial"), ("rules", "0003_escalation_rules")]

    operations = [migrations.RunPython(add_rule, remove_rule)]
