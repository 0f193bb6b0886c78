"""The calendar (FB3): what goes out in the next 30 days, editable and cancellable until it
goes; who may see and touch which item; consent and thank-you notes from the customer card."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from rapport.followups import actions
from rapport.followups.models import Consent, FollowUp, Outreach, Purpose, State
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Status

from .base import FollowupsTestCase


class CalendarTests(FollowupsTestCase):
    def setUp(self):
        super().setUp()
        do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        actions.do_plan_after_solved()
        self.item = FollowUp.objects.get()

    def test_the_queue_lists_the_next_30_days_for_the_team(self):
        far = FollowUp.objects.create(
            key="far",
            team=self.support,
            customer=self.carol,
            kind="message",
            purpose=Purpose.THANK_YOU,
            text="Far away",
            due_at=timezone.now() + timedelta(days=45),
        )
        Outreach.objects.update(quiet_start=time(0, 0), quiet_end=time(0, 0))  # none
        for n in range(3):  # sent ones are listed too, with a link to their message
            thanks = actions.check_thank_you(
                self.carol, actor=self.alice, team=self.support, text=f"Thanks {n}"
            )
            FollowUp.objects.filter(pk=thanks.pk).update(due_at=timezone.now())
            actions.do_send(thanks.pk, now=timezone.now() + timedelta(hours=12))
        self.login(self.alice)
        with self.assertNumQueries(7):
            response = self.client.get("/followups/")
        self.assertContains(response, self.item.text[:40])
        self.assertEqual(len(response.context["recent"]), 3)
        self.assertNotContains(response, far.text)
        self.assertContains(self.client.get("/followups/?days=60"), "Far away")

    def test_an_agent_edits_the_text_and_date_before_it_goes(self):
        self.login(self.bob)
        when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
            hour=12, minute=0, second=0, microsecond=0
        )
        response = self.client.post(
            f"/followups/{self.item.pk}/edit/",
            {
                "subject": "Checking in",
                "text": "Dear Carol, all good?",
                "due_at": when.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        self.assertRedirects(response, "/followups/")
        self.item.refresh_from_db()
        self.assertEqual(
            (self.item.text, self.item.subject), ("Dear Carol, all good?", "Checking in")
        )
        self.assertEqual(self.item.due_at, when)
        self.assertEqual(self.item.edited_by, self.bob)

    def test_a_cancelled_or_sent_item_cannot_be_edited(self):
        self.login(self.alice)
        self.client.post(f"/followups/{self.item.pk}/cancel/")
        self.item.refresh_from_db()
        self.assertEqual(self.item.state, State.CANCELLED)
        self.assertIn("Alice", self.item.reason)
        response = self.client.post(
            f"/followups/{self.item.pk}/edit/",
            {"text": "Changed", "due_at": "2030-01-01T12:00"},
        )
        self.assertContains(response, "already gone out or was cancelled")
        self.item.refresh_from_db()
        self.assertNotEqual(self.item.text, "Changed")
        self.assertEqual(actions.do_send_due(timezone.now() + timedelta(days=30)), [])

    def test_an_outsider_sees_and_touches_nothing_of_another_team(self):
        self.login(self.charlie)
        self.assertNotContains(self.client.get("/followups/"), "Carol")
        self.assertEqual(self.client.get(f"/followups/{self.item.pk}/edit/").status_code, 404)
        self.assertEqual(self.client.post(f"/followups/{self.item.pk}/cancel/").status_code, 404)
        self.assertEqual(
            self.client.post(
                f"/followups/customer/{self.carol.pk}/consent/",
                {"purpose": "greeting", "granted": "1", "source": "agent"},
            ).status_code,
            404,
        )
        self.item.refresh_from_db()
        self.assertEqual(self.item.state, State.SCHEDULED)
        self.assertFalse(Consent.objects.exists())
        self.login(self.sam)  # the supervisor sees every team
        self.assertContains(self.client.get("/followups/"), "Carol")
        self.sam.is_staff = self.sam.is_superuser = True
        self.sam.save()
        page = self.client.get("/followups/")
        self.assertContains(page, "/admin/followups/followuprule/")
        for model in ("followuprule", "messagetemplate", "outreach", "followup", "purchase"):
            self.assertEqual(self.client.get(f"/admin/followups/{model}/").status_code, 200)

    def test_consent_and_a_thank_you_note_from_the_customer_card(self):
        self.login(self.alice)
        response = self.client.get(f"/customers/{self.carol.pk}/")
        self.assertContains(response, "never asked")
        self.client.post(
            f"/followups/customer/{self.carol.pk}/consent/",
            {"purpose": "greeting", "granted": "1", "source": "agent", "note": "On the phone"},
        )
        consent = Consent.objects.get()
        self.assertEqual(
            (consent.granted, consent.actor, consent.note), (True, self.alice, "On the phone")
        )
        response = self.client.post(
            f"/followups/customer/{self.carol.pk}/thanks/",
            {"team": self.support.pk, "text": "Thank you for your patience, {first_name}."},
        )
        note = FollowUp.objects.get(purpose=Purpose.THANK_YOU)
        self.assertRedirects(response, f"/followups/{note.pk}/edit/")
        self.assertEqual(note.text, "Thank you for your patience, Carol.")
        self.assertEqual(note.agent, self.alice)
        # The customer's own clock, for quiet hours and greetings.
        self.client.post(
            f"/followups/customer/{self.carol.pk}/time-zone/", {"time_zone": "Asia/Shanghai"}
        )
        self.assertEqual(self.carol.followup_time_zone.time_zone, "Asia/Shanghai")
        self.assertContains(
            self.client.get(f"/customers/{self.carol.pk}/"),
            '<option value="Asia/Shanghai" selected>',
        )
        # Alice cannot write on behalf of a team she is not in.
        response = self.client.post(
            f"/followups/customer/{self.carol.pk}/thanks/",
            {"team": self.billing.pk, "text": "Thanks"},
        )
        self.assertEqual(FollowUp.objects.filter(purpose=Purpose.THANK_YOU).count(), 1)
