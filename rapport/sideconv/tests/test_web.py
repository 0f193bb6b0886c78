"""Side conversations in the workspace (MG6): the panel beside the customer conversation, the
addressed team's own page, who sees what — and that the customer never does (portal, the
e-mails to them, the API's messages, their data export)."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.accounts.models import Team
from rapport.api.tests.helpers import token_client
from rapport.mail.models import Mailbox
from rapport.notify.models import Notification
from rapport.portal.actions import login_token
from rapport.portal.models import LoginLink
from rapport.privacy.export import collect
from rapport.sideconv.actions import check_open, check_post
from rapport.sideconv.models import Direction, Kind, SideConversation, State
from rapport.test import BaseTestCase, make_agent, receive
from rapport.tickets.actions import do_merge_tickets
from rapport.tickets.models import Event, EventKind

SECRET = "Склад: партия 7 бракованная, 内部消息 <b>не говорить</b> клиенту"


class SideConversationWebTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.legal = Team.objects.create(name="Legal")
        cls.dave = make_agent("dave", teams=[cls.legal], first_name="Dave")
        cls.mailbox = Mailbox.objects.create(
            name="Support",
            address="help@shop.test",
            team=cls.support,
            smtp_host="127.0.0.1",
            smtp_port=1,
            ack_enabled=False,
        )

    def ask_billing(self, body="Was the refund for order 1001 paid?"):
        return check_open(
            self.carol_ticket, actor=self.alice, kind=Kind.TEAM, team=self.billing, body=body
        )

    def test_an_agent_asks_another_team_from_the_ticket_page(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("side-open", args=[self.carol_ticket.pk]),
            {
                "side-kind": "team",
                "side-team": self.billing.pk,
                "side-subject": "Возврат по заказу 1001",
                "side-body": "Оплачен ли возврат?",
            },
        )
        side = SideConversation.objects.get()
        self.assertRedirects(
            response,
            f"{reverse('ticket', args=[self.carol_ticket.pk])}#side-{side.pk}",
            fetch_redirect_response=False,
        )
        self.assertEqual(
            (side.team, side.subject, side.created_by),
            (self.billing, "Возврат по заказу 1001", self.alice),
        )
        # Billing's members are told, without a link to a ticket they cannot open.
        note = Notification.objects.get(user=self.charlie)
        self.assertIsNone(note.ticket_id)
        self.assertIn("Возврат по заказу 1001", note.text)
        self.assertFalse(Notification.objects.filter(user=self.dave).exists())
        self.assertTrue(
            Event.objects.filter(ticket=self.carol_ticket, kind=EventKind.SIDE_OPENED).exists()
        )

    def test_the_addressed_team_answers_on_its_own_page_and_the_asker_quotes_it(self):
        side = self.ask_billing()
        self.login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("ticket", args=[self.carol_ticket.pk])).status_code, 404
        )
        page = self.client.get(reverse("side-conversation", args=[side.pk]))
        self.assertContains(page, "Was the refund for order 1001 paid?")
        self.assertNotContains(page, "carol@example.com")
        listing = self.client.get(reverse("side-conversations"))
        self.assertContains(listing, reverse("side-conversation", args=[side.pk]))

        self.client.post(reverse("side-post", args=[side.pk]), {"body": SECRET})
        answer = side.messages.get(direction=Direction.ANSWERED)
        self.assertEqual(answer.author, self.charlie)
        self.assertTrue(
            Notification.objects.filter(user=self.alice, ticket=self.carol_ticket).exists()
        )

        # Alice sees it in the panel beside the conversation, escaped, with a quote button
        # whose text goes into the reply box (data attribute, never HTML).
        self.login(self.alice)
        ticket_page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(ticket_page, 'id="side-conversations"')
        self.assertContains(ticket_page, "&lt;b&gt;не говорить&lt;/b&gt;")
        self.assertNotContains(ticket_page, "<b>не говорить</b>")
        self.assertContains(
            ticket_page, 'class="link side-quote" data-insert="&gt; Склад: партия 7'
        )
        self.assertContains(ticket_page, "sideconv/sideconv.js")
        # The ticket's history line says who answered; the text stays in the panel.
        self.assertContains(ticket_page, "answer from Billing")

    def test_outsiders_see_nothing(self):
        side = self.ask_billing()
        by_mail = check_open(
            self.carol_ticket, actor=self.alice, kind=Kind.EMAIL, address="w@depot.test", body="?"
        )
        self.login(self.dave)  # Legal: neither the ticket's team nor the addressed one
        for pk in (side.pk, by_mail.pk):
            self.assertEqual(
                self.client.get(reverse("side-conversation", args=[pk])).status_code, 404
            )
            self.assertEqual(
                self.client.post(reverse("side-post", args=[pk]), {"body": "x"}).status_code, 404
            )
            self.assertEqual(self.client.post(reverse("side-close", args=[pk])).status_code, 404)
        self.login(self.charlie)  # Billing is asked in one, not in the other
        self.assertEqual(
            self.client.get(reverse("side-conversation", args=[by_mail.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("side-conversation", args=[side.pk])).status_code, 200
        )
        self.assertEqual(
            self.client.post(reverse("side-open", args=[self.carol_ticket.pk]), {}).status_code, 404
        )
        self.assertEqual(side.messages.count(), 1)
        self.login(self.bob)  # the ticket's team: everything
        self.assertEqual(
            self.client.get(reverse("side-conversation", args=[by_mail.pk])).status_code, 200
        )

    def test_close_and_reopen(self):
        side = self.ask_billing()
        self.login(self.charlie)
        self.client.post(reverse("side-close", args=[side.pk]))
        side.refresh_from_db()
        self.assertEqual(side.state, State.CLOSED)
        self.client.post(reverse("side-close", args=[side.pk]), {"reopen": "1"})
        side.refresh_from_db()
        self.assertEqual(side.state, State.OPEN)
        kinds = list(
            Event.objects.filter(ticket=self.carol_ticket, kind__startswith="side.")
            .order_by("id")
            .values_list("kind", flat=True)
        )
        self.assertEqual(kinds, ["side.opened", "side.message", "side.closed", "side.opened"])

    def test_the_ticket_page_costs_the_same_queries_with_more_side_conversations(self):
        self.login(self.alice)
        url = reverse("ticket", args=[self.carol_ticket.pk])
        self.ask_billing()
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for n in range(3):
            side = self.ask_billing(body=f"Question {n}")
            check_post(side, author=self.charlie, body=f"Answer {n}")
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)
        self.assertEqual(len(few), len(many))

    def test_the_customer_never_sees_it(self):
        side = self.ask_billing(body=SECRET)
        check_post(side, author=self.charlie, body=SECRET)
        check_open(
            self.carol_ticket,
            actor=self.alice,
            kind=Kind.EMAIL,
            address="w@depot.test",
            body=SECRET,
        )
        needle = "партия 7"

        # The portal.
        identity = self.carol.identities.get(kind="email")
        link = LoginLink.objects.create(identity=identity)
        self.client.post(reverse("portal-login-link", args=[login_token(link)]))
        portal = self.client.get(reverse("portal-ticket", args=[self.carol_ticket.pk]))
        self.assertEqual(portal.status_code, 200)
        self.assertNotContains(portal, needle)
        self.assertNotContains(portal, "side")

        # The API's view of the ticket (messages, notes, events) for an integration.
        api, _raw = token_client(self.alice)
        for name in ("api-message-list", "api-note-list", "api-event-list"):
            body = api.get(reverse(name), {"ticket": self.carol_ticket.pk}).content.decode()
            self.assertNotIn(needle, body, name)

        # The customer's data export (privacy).
        self.assertNotIn(needle, json.dumps(collect(self.carol), default=str, ensure_ascii=False))

    def test_side_conversations_follow_a_merge(self):
        side = self.ask_billing(body="Was it paid?")
        other = receive(sender="carol@example.com", subject="Second", external_id="<c-2@x>").ticket
        do_merge_tickets(self.carol_ticket, other, actor=self.alice)
        self.login(self.alice)
        page = self.client.get(reverse("ticket", args=[other.pk]))
        self.assertContains(page, f'id="side-{side.pk}"')
