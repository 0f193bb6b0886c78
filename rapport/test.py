"""The test base: named personas, built through the real actions (see ../docs/testing.md).

- Alice: agent in Support.          - Bob: Alice's teammate in Support.
- Sam: supervisor (sees every team). - Charlie: agent in Billing, an outsider to Support.
- Carol: a customer, with one ticket in Support that she opened by e-mail.
"""

from __future__ import annotations

from django.test import TestCase

from rapport.accounts.models import Role, Team, User
from rapport.intake.actions import InboundMessage, do_receive


def make_agent(username: str, *, teams=(), role: str = Role.AGENT, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password="password",  # noqa: S106 — test personas
        role=role,
        email=f"{username}@rapport.test",
        **extra,
    )
    for team in teams:
        team.members.add(user)
    return user


def receive(channel: str = "email", sender: str = "carol@example.com", **fields):
    """Deliver a customer's message through the one intake path; returns the Message."""
    fields.setdefault("body_text", "Hello, my order has not arrived.")
    receipt = do_receive(InboundMessage(channel=channel, sender=sender, **fields))
    assert not receipt.quarantined, receipt.raw.error
    return receipt.raw.message


class Personas:
    @classmethod
    def create_personas(cls) -> None:
        cls.support = Team.objects.create(name="Support", is_default=True)
        cls.billing = Team.objects.create(name="Billing")
        cls.alice = make_agent("alice", teams=[cls.support], first_name="Alice")
        cls.bob = make_agent("bob", teams=[cls.support], first_name="Bob")
        cls.sam = make_agent("sam", role=Role.SUPERVISOR, first_name="Sam")
        cls.charlie = make_agent("charlie", teams=[cls.billing], first_name="Charlie")
        first = receive(
            external_id="<carol-1@example.com>", subject="Where is my order?", sender_name="Carol"
        )
        cls.carol = first.customer
        cls.carol_ticket = first.ticket


class BaseTestCase(Personas, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.create_personas()

    def login(self, user: User) -> None:
        self.client.force_login(user)
