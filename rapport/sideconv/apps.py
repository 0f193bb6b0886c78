from django.apps import AppConfig


class SideconvConfig(AppConfig):
    """Side conversations with other teams and departments (MG6) and internal customers
    (CH8): docs/side-conversations.md, docs/internal-customers.md."""

    name = "rapport.sideconv"
    verbose_name = "Side conversations"

    def ready(self) -> None:
        # Hooks into the shared paths, registered rather than imported by them: the e-mail
        # channel files replies to a side conversation here (not on the customer's ticket),
        # and a new customer profile written from a colleague's address is internal (CH8).
        from rapport.customers.actions import register_new_profile_defaults
        from rapport.mail.transport import register_claim

        from . import departments, mail

        register_claim(mail.claim)
        register_new_profile_defaults(departments.profile_defaults)
