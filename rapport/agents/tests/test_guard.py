"""The closing guard (CQ21): solving or closing while the customer's last message is negative
or angry needs a confirmation — in the action layer, so every path gets it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.test import BaseTestCase, receive
from rapport.tickets import actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Status, Ticket


class ClosingGuardTest(BaseTestCase):
    def angry(self):
        return analyse(
            receive(
                body_text="This is ridiculous, NOBODY answers! Useless!",
                external_id="<angry@example.com>",
                ticket_id=self.carol_ticket.pk,
            )
        )

    def status(self):
        return Ticket.objects.get(pk=self.carol_ticket.pk).status

    def test_solving_over_an_angry_last_message_needs_confirmation(self):
        self.angry()
        with self.assertRaises(ValidationError) as caught:
            actions.check_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        self.assertEqual(caught.exception.code, "unhappy_customer")
        self.assertEqual(self.status(), Status.NEW)  # unchanged
        actions.check_change_status(
            self.carol_ticket, Status.SOLVED, actor=self.alice, confirm_unhappy=True
        )
        self.assertEqual(self.status(), Status.SOLVED)

    def test_a_reply_that_solves_needs_it_too(self):
        self.angry()
        with self.assertRaises(ValidationError):
            actions.check_reply(
                self.carol_ticket, author=self.alice, body_text="Fixed.", status_after=Status.CLOSED
            )
        self.assertFalse(self.carol_ticket.messages.filter(direction="out").exists())

    def test_a_calm_last_message_needs_no_confirmation(self):
        self.angry()
        analyse(
            receive(
                body_text="Thank you so much, it arrived!",
                external_id="<ok@example.com>",
                ticket_id=self.carol_ticket.pk,
            )
        )
        actions.check_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        self.assertEqual(self.status(), Status.SOLVED)

    def test_other_status_changes_are_not_guarded(self):
        self.angry()
        actions.check_change_status(self.carol_ticket, Status.PENDING, actor=self.alice)
        self.assertEqual(self.status(), Status.PENDING)

    def test_the_status_form_warns_and_requires_the_checkbox(self):
        self.angry()
        self.login(self.alice)
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "solving or closing needs your confirmation")
        form = {
            "status": "solved",
            "priority": 2,
            "team": self.support.pk,
            "assignee": "",
            "tags": "",
            "summary": "",
        }
        response = self.client.post(reverse("ticket-update", args=[self.carol_ticket.pk]), form)
        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response, "Confirm that you want to end the conversation", status_code=400
        )
        self.assertEqual(self.status(), Status.NEW)  # unchanged
        response = self.client.post(
            reverse("ticket-update", args=[self.carol_ticket.pk]), {**form, "confirm_unhappy": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.status(), Status.SOLVED)

    def test_the_reply_form_takes_the_confirmation(self):
        self.angry()
        self.login(self.alice)
        url = reverse("ticket-reply", args=[self.carol_ticket.pk])
        response = self.client.post(url, {"body": "Sorry! Refunded.", "status_after": "solved"})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            url, {"body": "Sorry! Refunded.", "status_after": "solved", "confirm_unhappy": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.status(), Status.SOLVED)
