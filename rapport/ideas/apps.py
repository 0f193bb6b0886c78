from django.apps import AppConfig


class IdeasConfig(AppConfig):
    """The suggestion box: improvement ideas from front-line agents (issue 11, KN5):
    docs/ideas.md."""

    name = "rapport.ideas"
    verbose_name = "Suggestion box"
