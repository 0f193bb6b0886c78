"""Helpers for the rules tests: rules built through the real actions, shipped rules off unless a
test is about them."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps as django_apps
from django.utils import timezone

from rapport.rules.actions import check_save_rule
from rapport.rules.models import Rule, Trigger
from rapport.test import BaseTestCase

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def ensure_shipped_rules() -> None:
    """The shipped rules, as their data migrations create them (a TransactionTestCase's flush
    empties every table, so a test that needs them does not rely on the migration alone)."""
    for name in ("0002_default_rules", "0003_escalation_rules"):
        import_module(f"rapport.rules.migrations.{name}").add_rules(django_apps, None)


class RulesTestCase(BaseTestCase):
    keep_shipped_rules = False

    def setUp(self) -> None:
        super().setUp()
        if not self.keep_shipped_rules:
            # updated_at moves with it: the engine's compiled rules are keyed by it
            Rule.objects.exclude(key="").update(enabled=False, updated_at=timezone.now())

    def rule(
        self, conditions, actions, *, name="Test rule", trigger=Trigger.MESSAGE, **fields
    ) -> Rule:
        return check_save_rule(
            Rule(name=name, conditions=conditions, actions=actions, trigger=trigger, **fields),
            actor=self.sam,
        )
