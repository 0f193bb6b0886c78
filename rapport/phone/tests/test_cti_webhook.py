"""The CTI webhook (CH4): bearer-token auth, bad input refused and counted, exactly once per
(call, event), the caller's card pushed on ringing, the call logged on a ticket at the end."""

from __future__ import annotations

from datetime import timedelta

from rapport.customers.actions import do_add_identity, do_flag_customer
from rapport.customers.models import Customer
from rapport.intake.models import InboundRaw
from rapport.phone.models import Call, CallOutcome, CtiEvent, CtiIntegration, Extension
from rapport.promises.actions import do_add_promise
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets.models import Message, Ticket

from .helpers import Inbox, make_integration, post_event

CAROL_PHONE = "+7 (916) 123-45-67"


class CtiAuthTests(BaseTestCase):
    def setUp(self) -> None:
        self.integration, self.token = make_integration(self.support)

    def counts(self) -> tuple[int, int]:
        self.integration.refresh_from_db()
        return self.integration.events_accepted, self.integration.events_rejected

    def test_the_token_is_stored_hashed_and_compared_whole(self):
        assert self.token not in self.integration.token_hash
        assert len(self.integration.token_hash) == 64
        assert self.integration.token_matches(self.token)
        assert not self.integration.token_matches(self.token[:-1])
        assert not self.integration.token_matches("")

    def test_it_refuses_a_missing_token_with_401_and_counts_it(self):
        r = post_event(self.client, self.integration, None, event="ringing", call_id="c1")
        assert r.status_code == 401
        assert "bearer token" in r.json()["error"]
        assert self.counts() == (0, 1)
        assert not CtiEvent.objects.exists()

    def test_it_refuses_a_forged_token_with_403(self):
        r = post_event(self.client, self.integration, "forged", event="ringing", call_id="c1")
        assert r.status_code == 403
        other, other_token = make_integration(self.billing, name="Billing PBX")
        r = post_event(self.client, self.integration, other_token, event="ringing", call_id="c1")
        assert r.status_code == 403  # another integration's token opens only its own door
        assert self.counts() == (0, 2)
        self.integration.refresh_from_db()
        assert self.integration.last_rejection == "The token is not valid for this integration."

    def test_an_unknown_or_inactive_integration_is_404(self):
        r = self.client.post("/phone/cti/999999/", data="{}", content_type="application/json")
        assert r.status_code == 404
        CtiIntegration.objects.filter(pk=self.integration.pk).update(is_active=False)
        r = post_event(self.client, self.integration, self.token, event="ringing", call_id="c1")
        assert r.status_code == 404

    def test_only_post_is_accepted(self):
        r = self.client.get(f"/phone/cti/{self.integration.pk}/")
        assert r.status_code == 405

    def test_bad_json_and_bad_fields_get_a_clear_400_each_counted(self):
        url = f"/phone/cti/{self.integration.pk}/"
        auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        cases = [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "JSON object"),
            ('{"event": "transferred", "call_id": "c1"}', "Unknown event 'transferred'"),
            ('{"call_id": "c1"}', "'event' is required"),
            ('{"event": "ringing"}', "'call_id' is required"),
            ('{"event": "ringing", "call_id": "c1", "direction": "sideways"}', "'direction'"),
            ('{"event": "ended", "call_id": "c1", "timestamp": "yesterday"}', "ISO 8601"),
            ('{"event": "ended", "call_id": "c1", "timestamp": "2026-01-01T10:00:00"}', "offset"),
            ('{"event": "ended", "call_id": "c1", "duration": -3}', "'duration'"),
            ('{"event": "ended", "call_id": "c1", "from": ["x"]}', "'from' must be a string"),
            ('{"event": "ended", "call_id": "c1", "recording_url": "javascript:x"}', "http(s)"),
            (b"\xff\xfe", "not valid JSON"),
        ]
        for body, reason in cases:
            r = self.client.post(url, data=body, content_type="application/json", **auth)
            assert r.status_code == 400, body
            assert reason in r.json()["error"], (body, r.json())
        big = '{"event": "ringing", "call_id": "c1", "x": "' + "a" * 70_000 + '"}'
        r = self.client.post(url, data=big, content_type="application/json", **auth)
        assert r.status_code == 413
        assert self.counts() == (0, len(cases) + 1)
        assert not Call.objects.exists()


class CtiCallTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_add_identity(cls.carol, "phone", CAROL_PHONE)

    def setUp(self) -> None:
        self.integration, self.token = make_integration(self.support)

    def post(self, **event):
        return post_event(self.client, self.integration, self.token, **event)

    def ring(self, call_id="c1", number=CAROL_PHONE, **extra):
        with self.captureOnCommitCallbacks(execute=True):
            return self.post(
                event="ringing", call_id=call_id, to="+74950000000", **extra, **{"from": number}
            )

    def test_ringing_pushes_the_callers_card_to_every_agent_of_the_team(self):
        do_flag_customer(self.carol, kind="vip", reason="Key account", actor=self.sam)
        do_add_promise(
            self.carol_ticket,
            agent=self.alice,
            text="Send the refund form",
            kind="answer",
            due_at=self.carol_ticket.created_at.replace(year=2099),
            actor=self.alice,
        )
        alice, bob, charlie = Inbox(self.alice), Inbox(self.bob), Inbox(self.charlie)
        r = self.ring()
        assert r.status_code == 202, r.content
        assert r.json()["pushed"] == 2
        call = Call.objects.get()
        assert (call.customer, call.team, call.direction) == (self.carol, self.support, "inbound")
        [pushed] = alice.drain()
        assert pushed["type"] == "agent.event" and pushed["event"] == "cti.ringing"
        data = pushed["data"]
        assert (data["call"], data["customer"], data["number"]) == (
            call.pk,
            self.carol.pk,
            CAROL_PHONE,
        )
        html = data["html"]
        assert "Carol" in html
        assert "Key account" in html  # her flag (TR4)
        assert f"#{self.carol_ticket.pk}" in html and "Where is my order?" in html
        assert "Send the refund form" in html  # the open promise (RS2)
        assert f"/phone/log/?call={call.pk}" in html
        assert len(bob.drain()) == 1
        assert charlie.drain() == []  # Billing hears nothing of Support's phone

    def test_the_card_lists_only_tickets_the_agent_may_open(self):
        billing_ticket = receive(
            external_id="<carol-2@example.com>", subject="Invoice 77 is wrong", team_id=None
        ).ticket
        Ticket.objects.filter(pk=billing_ticket.pk).update(team=self.billing)
        alice, sam = Inbox(self.alice), Inbox(self.sam)
        Extension.objects.create(integration=self.integration, extension="9", agent=self.sam)
        self.ring()
        html = alice.drain()[0]["data"]["html"]
        assert "Where is my order?" in html and "Invoice 77" not in html
        assert "1 more open ticket in other teams." in html
        self.ring(call_id="c2", agent="9")
        html = sam.drain()[0]["data"]["html"]  # a supervisor sees both
        assert "Where is my order?" in html and "Invoice 77" in html

    def test_the_cards_cost_the_same_queries_for_two_agents_or_six(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as two:
            assert self.ring(call_id="q1").json()["pushed"] == 2
        for n in range(4):
            self.support.members.add(make_agent(f"extra{n}"))
        with CaptureQueriesContext(connection) as six:
            assert self.ring(call_id="q2").json()["pushed"] == 6
        assert len(six) == len(two), [q["sql"] for q in six.captured_queries]

    def test_the_extensions_agent_alone_gets_the_card(self):
        Extension.objects.create(integration=self.integration, extension="101", agent=self.bob)
        alice, bob = Inbox(self.alice), Inbox(self.bob)
        r = self.ring(agent="101")
        assert r.json()["pushed"] == 1
        assert alice.drain() == []
        assert [m["event"] for m in bob.drain()] == ["cti.ringing"]

    def test_an_unknown_number_offers_to_create_the_customer(self):
        alice = Inbox(self.alice)
        self.ring(number="+44 20 7946 0000")
        call = Call.objects.get()
        assert call.customer is None
        [pushed] = alice.drain()
        html = pushed["data"]["html"]
        assert "This number belongs to no customer yet." in html
        assert "+44 20 7946 0000" in html
        assert f"/phone/log/?call={call.pk}" in html
        # The offer opens the call-log form with the number filled in.
        self.login(self.alice)
        page = self.client.get(f"/phone/log/?call={call.pk}")
        assert 'value="+44 20 7946 0000"' in page.content.decode()

    def test_the_card_escapes_what_customers_typed(self):
        Customer.objects.filter(pk=self.carol.pk).update(name="<script>alert(1)</script>")
        alice = Inbox(self.alice)
        self.ring()
        html = alice.drain()[0]["data"]["html"]
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html

    def test_the_card_speaks_the_agents_language(self):
        do_add_promise(
            self.carol_ticket,
            agent=self.alice,
            text="Перезвонить",
            kind="callback",
            due_at=self.carol_ticket.created_at.replace(year=2099),
            actor=self.alice,
        )
        type(self.alice).objects.filter(pk=self.alice.pk).update(language="ru")
        alice, bob = Inbox(self.alice), Inbox(self.bob)
        self.ring()
        assert "Открытые обещания" in alice.drain()[0]["data"]["html"]
        assert "Open promises" in bob.drain()[0]["data"]["html"]  # Bob reads English

    def test_each_event_counts_once_per_call(self):
        first = self.ring()
        again = self.ring()
        assert first.status_code == 202 and again.status_code == 200
        assert again.json() == {"duplicate": True, "call": Call.objects.get().pk}
        assert CtiEvent.objects.count() == 1
        self.integration.refresh_from_db()
        assert self.integration.events_accepted == 1

    def test_answered_and_ended_log_the_call_on_the_customers_ticket_through_intake(self):
        Extension.objects.create(integration=self.integration, extension="101", agent=self.alice)
        self.ring()
        self.post(event="answered", call_id="c1", agent="101", timestamp="2026-03-02T10:00:00Z")
        r = self.post(
            event="ended",
            call_id="c1",
            timestamp="2026-03-02T10:03:30Z",
            recording_url="https://pbx.example/rec/c1.mp3",
        )
        assert r.status_code == 202, r.content
        call = Call.objects.get()
        assert call.agent == self.alice
        assert call.duration == 210
        Call.objects.filter(pk=call.pk).update(started_at=call.answered_at - timedelta(seconds=12))
        call.refresh_from_db()
        assert call.answered_after == 12  # how long Carol waited (CH4)
        self.login(self.bob)
        page = self.client.get("/phone/").content.decode()
        assert "12 s" in page and "210 s" in page and "Carol" in page
        assert call.ticket is not None and call.ticket.customer == self.carol
        assert r.json()["ticket"] == call.ticket_id
        # The one intake path stored it raw and made the message (CH1, TR1).
        raw = InboundRaw.objects.get(external_id=f"call:{self.integration.pk}:c1")
        message = raw.message
        assert (message.channel, message.direction, message.customer) == ("phone", "in", self.carol)
        assert "answered by Alice" in message.body_text
        assert "3 min 30 s" in message.body_text
        assert "https://pbx.example/rec/c1.mp3" in message.body_text
        # The ended event again changes nothing.
        again = self.post(event="ended", call_id="c1")
        assert again.status_code == 200
        assert Message.objects.filter(channel="phone").count() == 1

    def test_a_missed_call_becomes_a_message_so_someone_calls_back(self):
        self.ring(number="+7 999 000-11-22")
        r = self.post(event="ended", call_id="c1")
        call = Call.objects.get()
        assert call.outcome == CallOutcome.NO_ANSWER
        assert call.duration == 0
        assert call.customer is not None  # intake made the caller's profile from the number
        assert call.ticket.team == self.support
        assert call.ticket.channel == "phone"
        message = call.ticket.messages.get()
        assert message.body_text.startswith("Missed call from +7 999 000-11-22.")
        assert r.json()["logged"] is True

    def test_events_may_arrive_out_of_order(self):
        r = self.post(event="ended", call_id="c9", **{"from": CAROL_PHONE}, duration=61)
        assert r.status_code == 202
        call = Call.objects.get(call_id="c9")
        assert call.duration == 61 and call.customer == self.carol
        r = self.ring(call_id="c9")  # the late ringing finds the call; nothing duplicated
        assert Call.objects.count() == 1
        assert r.status_code == 202

    def test_a_withheld_number_is_recorded_but_logs_no_ticket(self):
        r = self.post(event="ended", call_id="c2", **{"from": "anonymous"})
        assert r.status_code == 202
        assert r.json()["logged"] is False
        assert Call.objects.get().ticket is None

    def test_an_outgoing_call_is_the_agents_note(self):
        Extension.objects.create(integration=self.integration, extension="101", agent=self.alice)
        out = {"call_id": "o1", "direction": "outbound", "agent": "101", "to": CAROL_PHONE}
        self.post(event="answered", **out)
        r = self.post(event="ended", **out)
        assert r.status_code == 202
        call = Call.objects.get()
        assert call.ticket == self.carol_ticket  # her open ticket in the team
        note = call.ticket.notes.get()
        assert note.author == self.alice
        assert note.body.startswith("Outgoing call to")
        assert not Message.objects.filter(channel="phone").exists()

    def test_answered_and_ended_tell_the_ringing_screens(self):
        Extension.objects.create(integration=self.integration, extension="101", agent=self.alice)
        alice = Inbox(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            self.post(event="answered", call_id="c1", agent="101", **{"from": CAROL_PHONE})
            self.post(event="ended", call_id="c1", agent="101", **{"from": CAROL_PHONE})
        events = [(m["event"], m["data"].get("agent")) for m in alice.drain()]
        assert events == [("cti.answered", "Alice"), ("cti.ended", "Alice")]


class UnknownCallerTests(BaseTestCase):
    def test_receive_helper_still_threads_phone_messages(self):
        # A sanity check of the assumption the call log relies on: phone is conversational.
        first = receive(channel="phone", sender="+79161112233", body_text="one")
        second = receive(channel="phone", sender="+79161112233", body_text="two")
        assert first.ticket_id == second.ticket_id
