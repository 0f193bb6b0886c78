from django.apps import AppConfig


class MacrosConfig(AppConfig):
    """Reply templates (macros) with variables and actions (issue 11, CQ16): docs/macros.md."""

    name = "rapport.macros"
    verbose_name = "Reply templates"
