from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "rapport.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # The index follows the data in the same transaction: one place connects every hook
        # (rapport/search/hooks.py, docs/search.md).
        from . import hooks

        hooks.connect()
