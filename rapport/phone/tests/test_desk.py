"""The walk-in desk (CH5): a visit logged in seconds; one that needs follow-up becomes a
ticket on the desk channel, through intake, in the agent's team."""

from __future__ import annotations

from rapport.intake.models import InboundRaw
from rapport.phone.models import Visit
from rapport.test import BaseTestCase
from rapport.tickets.models import Ticket


class DeskTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def test_an_anonymous_visit_is_stored_and_listed_today(self):
        r = self.client.post("/phone/desk/", {"topic": "Opening hours", "outcome": "informed"})
        assert r.status_code == 302
        visit = Visit.objects.get()
        assert (visit.customer, visit.ticket, visit.agent, visit.team) == (
            None,
            None,
            self.alice,
            self.support,
        )
        page = self.client.get("/phone/desk/").content.decode()
        assert "Opening hours" in page and "Anonymous" in page
        assert Ticket.objects.count() == 1  # Carol's only

    def test_a_visit_that_needs_follow_up_becomes_a_desk_ticket_for_the_team(self):
        r = self.client.post(
            "/phone/desk/",
            {
                "topic": "Broken kettle, wants a replacement",
                "outcome": "follow_up",
                "name": "Ivan",
                "phone": "+7 903 111-22-33",
                "notes": "Receipt photographed.",
            },
        )
        assert r.status_code == 302
        visit = Visit.objects.get()
        ticket = visit.ticket
        assert ticket is not None
        assert (ticket.channel, ticket.team, ticket.customer.name) == ("desk", self.support, "Ivan")
        assert ticket.subject == "Broken kettle, wants a replacement"
        raw = InboundRaw.objects.get(external_id=f"visit:{visit.pk}")
        assert raw.message.ticket == ticket
        assert "Receipt photographed." in raw.message.body_text
        assert "logged by Alice" in raw.message.body_text
        page = self.client.get("/phone/desk/").content.decode()
        assert f"#{ticket.pk}" in page

    def test_a_follow_up_for_a_known_customer_uses_their_address(self):
        r = self.client.post(
            "/phone/desk/",
            {"topic": "Order follow-up", "outcome": "follow_up", "customer": self.carol.pk},
        )
        assert r.status_code == 302
        visit = Visit.objects.get()
        assert visit.customer == self.carol
        assert visit.ticket.customer == self.carol and visit.ticket.channel == "desk"

    def test_a_follow_up_needs_someone_to_follow_up_with(self):
        r = self.client.post("/phone/desk/", {"topic": "Complaint", "outcome": "follow_up"})
        assert r.status_code == 400
        assert "needs a customer to follow up with" in r.content.decode()
        assert not Visit.objects.exists()

    def test_a_visit_needs_a_topic(self):
        r = self.client.post("/phone/desk/", {"topic": "  ", "outcome": "resolved"})
        assert r.status_code == 400
        assert not Visit.objects.exists()

    def test_charlie_does_not_see_supports_visits_and_sam_does(self):
        self.client.post("/phone/desk/", {"topic": "Support visit", "outcome": "resolved"})
        self.login(self.charlie)
        assert "Support visit" not in self.client.get("/phone/desk/").content.decode()
        self.login(self.sam)
        assert "Support visit" in self.client.get("/phone/desk/").content.decode()

    def test_the_desk_form_needs_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        r = client.post("/phone/desk/", {"topic": "x", "outcome": "resolved"})
        assert r.status_code == 403
        assert not Visit.objects.exists()
