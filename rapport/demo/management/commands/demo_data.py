"""`python manage.py demo_data`: fill an empty desk with a believable multilingual demo.

3 teams, 8 agents (password `rapport-demo`), 150 customers and 400 tickets over the last 60
days, in Russian, Chinese and English, on every channel, all built through the real actions
(see rapport/demo/builder.py). It only runs on a desk without tickets, so `make run` can call
it every time: the second run says so and changes nothing.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from rapport.accounts.models import Team, User
from rapport.demo.builder import AGENTS, DEMO_PASSWORD, TEAMS, DemoBuilder
from rapport.tickets.models import Ticket


class Command(BaseCommand):
    help = "Create demo teams, agents, customers and tickets (only if there are no tickets yet)."

    def handle(self, *args, **options) -> None:
        if Ticket.objects.exists():
            self.stdout.write(
                f"Demo data already exists (the desk has {Ticket.objects.count()} tickets); "
                "nothing to do."
            )
            usernames = {spec["username"] for spec in AGENTS}
            if User.objects.filter(username__in=usernames).count() == len(usernames):
                self.stdout.write(self.logins_table(note=" unless you changed it"))
            return
        usernames = [spec["username"] for spec in AGENTS]
        clashes = sorted(
            [
                *User.objects.filter(username__in=usernames).values_list("username", flat=True),
                *Team.objects.filter(name__in=[name for _, name, _ in TEAMS]).values_list(
                    "name", flat=True
                ),
            ]
        )
        if clashes or Team.objects.filter(is_default=True).exists():
            self.stdout.write(
                self.style.WARNING(
                    "No demo data created: the desk has no tickets, but already has its own "
                    f"agents or teams ({', '.join(clashes) or 'a default team'})."
                )
            )
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = DemoBuilder().build()
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data created in {seconds:.1f} s: {counts['teams']} teams, "
                f"{counts['agents']} agents, {counts['customers']} customers, "
                f"{counts['tickets']} tickets, {counts['messages']} messages."
            )
        )
        self.stdout.write(self.logins_table())

    def logins_table(self, note: str = "") -> str:
        users = {u.username: u for u in User.objects.prefetch_related("teams")}
        rows = [("username", "password", "role", "language", "time zone", "teams")]
        for spec in AGENTS:
            user = users[spec["username"]]
            role = user.get_role_display()
            if user.is_superuser:
                role += " (superuser)"
            rows.append(
                (
                    user.username,
                    DEMO_PASSWORD,
                    role,
                    user.language,
                    user.time_zone,
                    ", ".join(team.name for team in user.teams.all()) or "-",
                )
            )
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        lines = ["", f"Demo logins (the password for all of them is {DEMO_PASSWORD}{note}):", ""]
        for n, row in enumerate(rows):
            lines.append(
                "  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        return "\n".join(lines)
