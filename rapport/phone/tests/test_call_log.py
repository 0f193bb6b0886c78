"""The call-log form (CH4, ES7, RS6): from a ticket, a customer, a CTI call or blank; the
etiquette checklist stored per call; "promise a callback" tracked by the promises app."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.customers.actions import do_add_identity
from rapport.customers.models import Customer, Identity
from rapport.intake.models import InboundRaw
from rapport.phone.actions import checklist_figures
from rapport.phone.models import Call, CallDirection
from rapport.promises.models import Promise
from rapport.test import BaseTestCase
from rapport.tickets.models import Message, Ticket

from .helpers import make_integration, post_event


def due(hours: int = 3) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


class CallLogFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def log(self, **fields):
        data = {"direction": "inbound", "outcome": "resolved", **fields}
        return self.client.post("/phone/log/", data)

    def test_the_form_opens_from_a_ticket_with_the_customer_chosen(self):
        r = self.client.get(f"/phone/log/?ticket={self.carol_ticket.pk}")
        html = r.content.decode()
        assert r.status_code == 200
        assert f'value="{self.carol.pk}" checked' in html and "Carol" in html
        assert "I asked permission before putting the caller on hold" in html

    def test_an_incoming_call_from_a_ticket_goes_on_that_ticket_through_intake(self):
        r = self.log(
            ticket=self.carol_ticket.pk,
            customer=self.carol.pk,
            phone="+7 916 555-00-11",
            notes="Carol asked where the parcel is; tracking number given.",
            minutes=4,
            greeted="yes",
            asked_before_hold="na",
            thanked="yes",
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        assert r["Location"] == f"/tickets/{self.carol_ticket.pk}/"
        call = Call.objects.get()
        assert (call.ticket, call.customer, call.agent, call.team) == (
            self.carol_ticket,
            self.carol,
            self.alice,
            self.support,
        )
        assert (call.greeted, call.asked_before_hold, call.thanked) == (True, None, True)
        assert call.checklist_at is not None and call.duration == 240
        assert call.from_number == "+79165550011"
        # The number became Carol's identity: the next call from it pops her card.
        assert Identity.objects.filter(customer=self.carol, kind="phone").exists()
        raw = InboundRaw.objects.get(external_id=f"call:manual:{call.pk}")
        assert raw.message.ticket == self.carol_ticket
        assert "tracking number given" in raw.message.body_text
        assert raw.message.channel == "phone"

    def test_promise_a_callback_tracks_a_callback_on_the_ticket(self):
        r = self.log(
            customer=self.carol.pk,
            outcome="callback",
            callback="on",
            callback_due=due(3),
            callback_text="Call Carol with the warehouse's answer",
            greeted="yes",
            asked_before_hold="yes",
            thanked="no",
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        call = Call.objects.get()
        promise = Promise.objects.get()
        assert call.callback == promise
        assert (promise.kind, promise.ticket, promise.agent) == (
            "callback",
            call.ticket,
            self.alice,
        )
        assert promise.text == "Call Carol with the warehouse's answer"
        assert (call.greeted, call.asked_before_hold, call.thanked) == (True, True, False)

    def test_callback_needed_without_a_promise_is_refused(self):
        r = self.log(customer=self.carol.pk, outcome="callback")
        assert r.status_code == 400
        assert "Promise a callback" in r.content.decode()
        r = self.log(customer=self.carol.pk, callback="on")
        assert r.status_code == 400
        assert "Give the time you will call back by." in r.content.decode()
        assert not Call.objects.exists()

    def test_a_callback_in_the_past_rolls_the_whole_log_back(self):
        past = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        r = self.log(customer=self.carol.pk, callback="on", callback_due=past)
        assert r.status_code == 400
        assert "The callback time is in the past." in r.content.decode()
        assert not Call.objects.exists() and not Message.objects.filter(channel="phone").exists()

    def test_a_new_caller_is_created_from_name_and_number(self):
        r = self.log(name="Пётр Иванов", phone="8 (916) 000-22-33", notes="Asked about prices.")
        assert r.status_code == 302, r.content.decode()[:2000]
        call = Call.objects.get()
        assert call.customer.name == "Пётр Иванов"
        assert call.ticket.channel == "phone" and call.ticket.team == self.support
        assert Identity.objects.get(customer=call.customer).value == "89160002233"

    def test_a_call_needs_a_customer(self):
        r = self.log(notes="someone")
        assert r.status_code == 400
        assert "Choose the customer" in r.content.decode()

    def test_an_outgoing_call_is_a_note_on_the_customers_open_ticket(self):
        r = self.log(customer=self.carol.pk, direction="outbound", outcome="no_answer")
        assert r.status_code == 302
        call = Call.objects.get()
        assert call.direction == CallDirection.OUTBOUND
        assert call.ticket == self.carol_ticket
        note = self.carol_ticket.notes.get()
        assert "Outgoing call" in note.body and "No answer" in note.body
        assert not Message.objects.filter(channel="phone").exists()

    def test_completing_a_cti_call_adds_the_checklist_as_a_note(self):
        integration, token = make_integration(self.support)
        do_add_identity(self.carol, "phone", "+79161234567")
        post_event(
            self.client,
            integration,
            token,
            event="ended",
            call_id="x1",
            **{"from": "+79161234567"},
            duration=90,
        )
        call = Call.objects.get()
        assert call.ticket is not None and call.checklist_at is None
        page = self.client.get(f"/phone/log/?call={call.pk}").content.decode()
        assert f'value="{self.carol.pk}" checked' in page
        r = self.log(
            call=call.pk,
            customer=self.carol.pk,
            greeted="yes",
            thanked="yes",
            asked_before_hold="no",
            notes="Transferred to billing after asking.",
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        call.refresh_from_db()
        assert call.checklist_at is not None and call.asked_before_hold is False
        assert call.duration == 90  # what the phone system measured stays
        assert Message.objects.filter(channel="phone").count() == 1  # logged once, by CTI
        note = call.ticket.notes.get()
        assert "Asked permission before hold or transfer: no" in note.body
        assert "Transferred to billing" in note.body

    def test_checklist_figures_count_each_item(self):
        for greeted, hold, thanked in [
            ("yes", "na", "yes"),
            ("no", "yes", "yes"),
            ("yes", "no", ""),
        ]:
            self.log(
                customer=self.carol.pk, greeted=greeted, asked_before_hold=hold, thanked=thanked
            )
        figures = checklist_figures(Call.objects.all())
        assert figures == {
            "calls": 3,
            "greeted": 2,
            "greeted_of": 3,
            "asked": 1,
            "asked_of": 2,
            "thanked": 2,
            "thanked_of": 2,
        }
        page = self.client.get("/phone/").content.decode()
        assert "greeted 2/3" in page

    def test_lookup_finds_customers_by_name_number_and_email(self):
        do_add_identity(self.carol, "phone", "+79161234567")
        for q in ("Car", "916123", "carol@example.com", "+7 916 123-45-67"):
            r = self.client.get("/phone/lookup/", {"q": q})
            assert f'value="{self.carol.pk}"' in r.content.decode(), q
        assert (
            f'value="{self.carol.pk}"'
            not in self.client.get("/phone/lookup/", {"q": "Nobody"}).content.decode()
        )


class CallPermissionTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.client.post(
            "/phone/log/",
            {
                "direction": "inbound",
                "outcome": "resolved",
                "customer": self.carol.pk,
                "notes": "Support's call",
            },
        )
        self.call = Call.objects.get()
        self.client.logout()

    def test_charlie_of_billing_cannot_see_supports_calls(self):
        self.login(self.charlie)
        page = self.client.get("/phone/").content.decode()
        assert "No calls yet." in page and "Carol" not in page
        assert self.client.get(f"/phone/log/?call={self.call.pk}").status_code == 404
        assert self.client.get(f"/phone/log/?ticket={self.carol_ticket.pk}").status_code == 404
        r = self.client.post(
            "/phone/log/",
            {
                "direction": "inbound",
                "outcome": "resolved",
                "call": self.call.pk,
                "customer": self.carol.pk,
            },
        )
        assert r.status_code == 404
        # Nor pick Support's customer by id without knowing her number or address.
        r = self.client.post(
            "/phone/log/",
            {"direction": "inbound", "outcome": "resolved", "customer": self.carol.pk},
        )
        assert r.status_code == 403
        assert Call.objects.count() == 1

    def test_bob_and_sam_see_it(self):
        for user in (self.bob, self.sam):
            self.login(user)
            assert "Carol" in self.client.get("/phone/").content.decode()
            assert self.client.get(f"/phone/log/?call={self.call.pk}").status_code == 200

    def test_the_exact_number_finds_the_caller_for_another_team(self):
        do_add_identity(self.carol, "phone", "+79161234567")
        self.login(self.charlie)
        r = self.client.get("/phone/lookup/", {"q": "Car"})
        assert f'value="{self.carol.pk}"' not in r.content.decode()
        r = self.client.get("/phone/lookup/", {"q": "+79161234567"})
        assert f'value="{self.carol.pk}"' in r.content.decode()
        r = self.client.post(
            "/phone/log/",
            {
                "direction": "inbound",
                "outcome": "resolved",
                "customer": self.carol.pk,
                "q": "+79161234567",
            },
        )
        call = Call.objects.latest("id")
        assert call.team == self.billing and call.customer == self.carol
        # Intake continues Carol's open phone conversation (one per customer and channel),
        # which is Support's: Charlie is told so, not sent to a page he may not open.
        assert call.ticket == self.call.ticket
        assert r.status_code == 302 and r["Location"] == "/phone/"

    def test_anonymous_users_and_agents_without_a_team_get_nothing(self):
        for url in ("/phone/", "/phone/log/", "/phone/desk/", "/phone/lookup/?q=Carol"):
            r = self.client.get(url)
            assert r.status_code == 302 and r["Location"].startswith("/login/"), url
        from rapport.test import make_agent

        before = (Customer.objects.count(), Ticket.objects.count(), Call.objects.count())
        self.client.force_login(make_agent("loner"))
        for url in ("/phone/", "/phone/log/", "/phone/desk/", "/phone/lookup/?q=Carol"):
            assert self.client.get(url).status_code == 403, url
        r = self.client.post("/phone/desk/", {"topic": "x", "outcome": "resolved"})
        assert r.status_code == 403
        r = self.client.post("/phone/log/", {"direction": "inbound", "outcome": "resolved"})
        assert r.status_code == 403
        assert (Customer.objects.count(), Ticket.objects.count(), Call.objects.count()) == before
