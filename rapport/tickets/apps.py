from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "rapport.tickets"
    label = "tickets"
    verbose_name = "Tickets"
