from django.apps import AppConfig


class SuggestConfig(AppConfig):
    """Answer suggestions and FAQ mining (KN1, KN2, KN6): docs/suggestions.md."""

    name = "rapport.suggest"
    verbose_name = "Suggestions"
