from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Empowerment limits and approval requests (issue 11, RS7): docs/approvals.md."""

    name = "rapport.approvals"
    verbose_name = "Empowerment limits"
