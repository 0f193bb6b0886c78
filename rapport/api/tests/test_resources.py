"""The API's resources: writes through the actions, the UI's permissions (IDOR: other teams'
and other customers' ids are 404), idempotency keys and cursor pagination (docs/api.md)."""

from datetime import timedelta

from django.utils import timezone

from rapport.api.models import IdempotentRequest
from rapport.api.tasks import prune_idempotency_keys_task
from rapport.customers.actions import do_update_customer, organisation_named
from rapport.followups.purchases import do_import_json
from rapport.intake.models import InboundRaw
from rapport.kb.models import Article
from rapport.kb.models import Status as ArticleStatus
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import do_add_note
from rapport.tickets.models import Direction, Event, EventKind, Message, Note, Status

from .helpers import token_client


class ResourceTest(BaseTestCase):
    def setUp(self):
        self.api, _raw = token_client(self.alice)
        self.charlie_api, _raw2 = token_client(self.charlie)
        self.ticket_url = f"/api/v1/tickets/{self.carol_ticket.pk}/"

    def test_an_agent_lists_and_reads_their_teams_tickets(self):
        listing = self.api.get("/api/v1/tickets/", {"status": "new"}).json()
        self.assertEqual([t["id"] for t in listing["results"]], [self.carol_ticket.pk])
        ticket = self.api.get(self.ticket_url).json()
        self.assertEqual(ticket["customer"], self.carol.pk)
        customer = self.api.get(f"/api/v1/customers/{self.carol.pk}/").json()
        self.assertIn("carol@example.com", [i["value"] for i in customer["identities"]])
        found = self.api.get("/api/v1/customers/", {"identity": "carol@example.com"}).json()
        self.assertEqual([c["id"] for c in found["results"]], [self.carol.pk])
        events = self.api.get(f"{self.ticket_url}events/").json()["results"]
        self.assertIn(EventKind.TICKET_CREATED, [e["kind"] for e in events])

    def test_an_outsider_gets_404_for_every_id_of_another_team(self):
        api = self.charlie_api
        self.assertEqual(api.get("/api/v1/tickets/").json()["results"], [])
        for url in (
            self.ticket_url,
            f"{self.ticket_url}messages/",
            f"{self.ticket_url}notes/",
            f"{self.ticket_url}events/",
            f"/api/v1/customers/{self.carol.pk}/",
            f"/api/v1/messages/{self.carol_ticket.messages.first().pk}/",
        ):
            self.assertEqual(api.get(url).status_code, 404, url)
        writes = [
            (f"{self.ticket_url}notes/", {"body": "peek"}),
            (f"{self.ticket_url}messages/", {"body_text": "hello"}),
            (f"/api/v1/customers/{self.carol.pk}/identities/", {"kind": "phone", "value": "+1"}),
            (
                "/api/v1/inbound/",
                {"sender": "x@y.z", "body_text": "hi", "ticket": self.carol_ticket.pk},
            ),
        ]
        for url, body in writes:
            self.assertEqual(api.post(url, body, format="json").status_code, 404, url)
        self.assertEqual(
            api.patch(self.ticket_url, {"status": "solved"}, format="json").status_code, 404
        )
        for url in ("/api/v1/customers/", "/api/v1/events/", "/api/v1/messages/", "/api/v1/notes/"):
            self.assertEqual(api.get(url).json()["results"], [], url)
        # Opening a ticket for a customer one cannot see is refused, and learns nothing.
        response = api.post(
            "/api/v1/tickets/", {"customer": self.carol.pk, "subject": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.carol_ticket.refresh_from_db()
        self.assertEqual(self.carol_ticket.status, Status.NEW)
        self.assertFalse(Note.objects.exists())

    def test_purchases_and_organisations_follow_the_customers_visibility(self):
        results = do_import_json(
            [
                {
                    "external_id": "o-1",
                    "purchased_at": "2026-01-05",
                    "product": "Kettle",
                    "email": "carol@example.com",
                }
            ]
        )
        self.assertNotIn("error", results[0])
        do_update_customer(self.carol, actor=self.alice, organisation=organisation_named("Acme"))
        purchases = self.api.get("/api/v1/purchases/").json()["results"]
        self.assertEqual(
            [(p["customer"], p["product"]) for p in purchases], [(self.carol.pk, "Kettle")]
        )
        self.assertEqual(
            [o["name"] for o in self.api.get("/api/v1/organisations/").json()["results"]], ["Acme"]
        )
        for url in ("/api/v1/purchases/", "/api/v1/organisations/", "/api/v1/reviews/"):
            self.assertEqual(self.charlie_api.get(url).json()["results"], [], url)
        purchase = purchases[0]["id"]
        self.assertEqual(self.charlie_api.get(f"/api/v1/purchases/{purchase}/").status_code, 404)

    def test_a_customers_message_goes_through_intake_once_per_external_id(self):
        body = {
            "sender": "dan@example.com",
            "sender_kind": "email",
            "sender_name": "Dan",
            "subject": "Refund",
            "body_text": "I want my money back.",
            "external_id": "crm-42",
        }
        first = self.api.post("/api/v1/inbound/", body, format="json")
        self.assertEqual(first.status_code, 201, first.content)
        message = Message.objects.get(pk=first.json()["id"])
        self.assertEqual((message.channel, message.direction), ("api", Direction.IN))
        self.assertEqual(message.ticket.team, self.support)
        self.assertEqual(message.customer.name, "Dan")
        self.assertTrue(InboundRaw.objects.filter(channel="api", message=message).exists())
        again = self.api.post("/api/v1/inbound/", body, format="json")
        self.assertEqual((again.status_code, again.json()["id"]), (200, message.pk))
        self.assertEqual(Message.objects.filter(channel="api").count(), 1)
        # Another user's integration using the same id of its own gets its own message.
        bob_api, _raw = token_client(self.bob)
        other = bob_api.post("/api/v1/inbound/", body, format="json")
        self.assertEqual(other.status_code, 201)
        self.assertNotEqual(other.json()["id"], message.pk)

    def test_an_inbound_message_with_an_idempotency_key_is_taken_in_once(self):
        body = {"sender": "gus@example.com", "sender_kind": "email", "body_text": "Hello?"}
        first = self.api.post("/api/v1/inbound/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
        again = self.api.post("/api/v1/inbound/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual((again.status_code, again.json()), (201, first.json()))
        self.assertEqual(Message.objects.filter(channel="api").count(), 1)
        changed = dict(body, body_text="Hello again")
        other = self.api.post(
            "/api/v1/inbound/", changed, format="json", HTTP_IDEMPOTENCY_KEY="m-1"
        )
        self.assertEqual(other.status_code, 422)

    def test_replies_notes_and_changes_go_through_the_actions(self):
        reply = self.api.post(
            f"{self.ticket_url}messages/",
            {"body_text": "Your parcel left today.", "status_after": "pending"},
            format="json",
        )
        self.assertEqual(reply.status_code, 201, reply.content)
        message = Message.objects.get(pk=reply.json()["id"])
        self.assertEqual((message.direction, message.author), (Direction.OUT, self.alice))
        self.carol_ticket.refresh_from_db()
        self.assertEqual(self.carol_ticket.status, Status.PENDING)
        self.assertEqual(self.carol_ticket.assignee, self.alice)  # do_reply's own rule
        self.assertEqual(self.carol_ticket.first_response_at, message.created_at)
        note = self.api.post(f"{self.ticket_url}notes/", {"body": "Courier: DHL"}, format="json")
        self.assertEqual(note.status_code, 201)
        changed = self.api.patch(
            self.ticket_url,
            {"priority": 3, "tags": ["Delivery"], "summary": "Waiting for the courier"},
            format="json",
        )
        self.assertEqual(changed.status_code, 200, changed.content)
        self.assertEqual(changed.json()["tags"], ["delivery"])
        kinds = set(Event.objects.filter(ticket=self.carol_ticket).values_list("kind", flat=True))
        for kind in (
            "message.sent",
            "note.added",
            "ticket.status",
            "ticket.priority",
            "ticket.tags",
            "ticket.summary",
        ):
            self.assertIn(kind, kinds)
        bad = self.api.patch(self.ticket_url, {"status": "new"}, format="json")
        self.assertEqual(bad.status_code, 400)  # the lifecycle's rule, from check_change_status
        moved = self.api.patch(self.ticket_url, {"team": self.billing.pk}, format="json")
        self.assertEqual(moved.status_code, 403)  # check_assign: only to one's own teams

    def test_an_idempotency_key_replays_the_same_response_and_refuses_another_body(self):
        url = f"{self.ticket_url}notes/"
        first = self.api.post(
            url, {"body": "Called the courier"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        second = self.api.post(
            url, {"body": "Called the courier"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        self.assertEqual(first.status_code, 201)
        self.assertEqual((second.status_code, second.json()), (201, first.json()))
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(Note.objects.count(), 1)
        other = self.api.post(
            url, {"body": "Something else"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        self.assertEqual(other.status_code, 422)
        self.assertEqual(Note.objects.count(), 1)
        # A refused create is not stored: the corrected request may use the key.
        empty = self.api.post(url, {"body": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        self.assertEqual(empty.status_code, 400)
        self.assertFalse(IdempotentRequest.objects.filter(key="k-2").exists())
        # Kept 24 hours, then pruned by the hourly task.
        IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
        self.assertEqual(prune_idempotency_keys_task.call(), 1)
        # Keys are per user: Bob's k-1 is his own.
        bob_api, _raw = token_client(self.bob)
        bob = bob_api.post(url, {"body": "Bob's note"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        self.assertEqual(bob.status_code, 201)
        self.assertEqual(Note.objects.count(), 2)

    def test_cursor_pagination_walks_every_row_once_while_rows_are_added(self):
        notes = [do_add_note(self.carol_ticket, author=self.alice, body=f"n{i}") for i in range(5)]
        seen, url = [], "/api/v1/notes/?page_size=2&ordering=id"
        while url:
            page = self.api.get(url).json()
            seen += [n["id"] for n in page["results"]]
            if len(seen) == 2:
                do_add_note(self.carol_ticket, author=self.alice, body="late")  # appended
            url = page["next"]
            self.assertNotIn("page=", url or "")  # a cursor, not page numbers
        self.assertEqual(seen[:5], [n.pk for n in notes])
        self.assertEqual(len(seen), 6)
        self.assertEqual(len(set(seen)), 6)

    def test_articles_are_read_by_the_kb_rules_and_created_as_drafts(self):
        created = self.api.post(
            "/api/v1/articles/",
            {
                "language": "en",
                "title": "Tracking a parcel",
                "body": "Open the link.",
                "visibility": "internal",
                "team": self.support.pk,
            },
            format="json",
        )
        self.assertEqual(created.status_code, 201, created.content)
        article = Article.objects.get(pk=created.json()["id"])
        self.assertEqual(article.status, ArticleStatus.DRAFT)
        self.assertEqual(created.json()["translations"][0]["title"], "Tracking a parcel")
        self.assertEqual(self.charlie_api.get(f"/api/v1/articles/{article.pk}/").status_code, 404)
        refused = self.charlie_api.post(
            "/api/v1/articles/",
            {"language": "en", "title": "x", "body": "y", "team": self.support.pk},
            format="json",
        )
        self.assertEqual(refused.status_code, 403)

    def test_a_supervisor_sees_every_team(self):
        receive(
            sender="erin@example.com", external_id="<erin-1@example.com>", team_id=self.billing.pk
        )
        sam_api, _raw = token_client(self.sam)
        teams = {t["team"] for t in sam_api.get("/api/v1/tickets/").json()["results"]}
        self.assertEqual(teams, {self.support.pk, self.billing.pk})
        self.assertEqual(
            {t["name"] for t in sam_api.get("/api/v1/teams/").json()["results"]},
            {"Support", "Billing"},
        )
        self.assertEqual(len(self.api.get("/api/v1/agents/").json()["results"]), 4)
