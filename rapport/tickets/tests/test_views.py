"""The agent workspace through the test client: inbox, ticket page, permissions, bad input."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.customers.actions import do_flag_customer
from rapport.test import BaseTestCase, receive
from rapport.tickets import actions
from rapport.tickets.models import Message, Status, Ticket


class InboxTest(BaseTestCase):
    def test_an_agent_sees_their_teams_tickets(self):
        self.login(self.alice)
        response = self.client.get(reverse("inbox"))
        self.assertContains(response, "Where is my order?")

    def test_an_outsider_sees_none_of_them(self):
        self.login(self.charlie)
        for view in ("teams", "open", "all", "unassigned", "flagged"):
            response = self.client.get(reverse("inbox"), {"view": view})
            self.assertNotContains(response, "Where is my order?")

    def test_mine_shows_only_tickets_assigned_to_me(self):
        other = receive(external_id="<o@x>", subject="Unassigned one").ticket
        actions.check_assign(self.carol_ticket, team=None, assignee=self.alice, actor=self.alice)
        self.login(self.alice)
        response = self.client.get(reverse("inbox"), {"view": "mine"})
        self.assertContains(response, "Where is my order?")
        self.assertNotContains(response, other.subject)

    def test_flagged_shows_tickets_of_flagged_customers(self):
        receive(sender="calm@example.com", external_id="<c@x>", subject="Calm customer")
        do_flag_customer(self.carol, kind="abusive", reason="Shouted", actor=self.alice)
        self.login(self.alice)
        response = self.client.get(reverse("inbox"), {"view": "flagged"})
        self.assertContains(response, "Where is my order?")
        self.assertNotContains(response, "Calm customer")

    def test_filters_by_channel_status_priority_and_tag(self):
        chat = receive(channel="webchat", sender="v1", external_id="c1", body_text="Чат вопрос")
        actions.do_set_tags(chat.ticket, ["vip"], actor=self.alice)
        actions.do_set_priority(chat.ticket, 4, actor=self.alice)
        self.login(self.alice)
        for params in (
            {"channel": "webchat"},
            {"tag": "vip"},
            {"priority": "4"},
            {"status": "new", "channel": "webchat"},
        ):
            response = self.client.get(reverse("inbox"), params)
            self.assertContains(response, "Чат вопрос", msg_prefix=str(params))
            self.assertNotContains(response, "Where is my order?", msg_prefix=str(params))

    def test_solved_tickets_leave_the_open_views_but_a_status_filter_finds_them(self):
        actions.do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        self.login(self.alice)
        self.assertNotContains(self.client.get(reverse("inbox")), "Where is my order?")
        self.assertContains(
            self.client.get(reverse("inbox"), {"status": "solved"}), "Where is my order?"
        )

    def test_keyset_pages_cover_every_ticket_once(self):
        for i in range(60):
            receive(external_id=f"<bulk{i}@x>", subject=f"Bulk subject {i:02d}")
        self.login(self.alice)
        seen, params = [], {"view": "all"}
        for _page in range(5):
            response = self.client.get(reverse("inbox"), params)
            seen += [t.pk for t in response.context["page"].rows]
            cursor = response.context["page"].next_cursor
            if not cursor:
                break
            params = {"view": "all", "after": cursor}
        self.assertEqual(len(seen), 61)
        self.assertEqual(len(set(seen)), 61)
        self.assertEqual(seen, sorted(seen, reverse=True))  # same order as last activity here

    def test_a_malformed_cursor_shows_the_first_page(self):
        self.login(self.alice)
        response = self.client.get(reverse("inbox"), {"after": "!!not-a-cursor"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Where is my order?")

    def test_live_counts_per_saved_view(self):
        self.login(self.alice)
        response = self.client.get(reverse("inbox-counts"))
        counts = response.context["counts"]
        self.assertEqual(counts["teams"], (1, False))
        self.assertEqual(counts["mine"], (0, False))
        self.assertEqual(counts["unassigned"], (1, False))

    def test_counts_are_capped(self):
        with self.settings(RAPPORT_COUNT_CAP=3):
            for i in range(5):
                receive(external_id=f"<cap{i}@x>", subject=f"Cap {i}")
            self.login(self.alice)
            counts = self.client.get(reverse("inbox-counts")).context["counts"]
            self.assertEqual(counts["teams"], (3, True))

    def test_the_inbox_query_count_does_not_grow_with_the_page(self):
        self.login(self.alice)
        self.client.get(reverse("inbox"))  # warm the session
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("inbox"))
        for i in range(30):
            message = receive(sender=f"c{i}@example.com", external_id=f"<q{i}@x>", subject=f"Q {i}")
            actions.do_assign(message.ticket, team=None, assignee=self.bob, actor=self.bob)
            do_flag_customer(message.customer, kind="vip", reason="x", actor=self.bob)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(reverse("inbox"))
        self.assertEqual(len(response.context["page"].rows), 25)
        self.assertEqual(len(few), len(many))
        self.assertLessEqual(len(many), 8)


class TicketPageTest(BaseTestCase):
    def test_the_ticket_page_shows_the_full_timeline_and_the_customer_card(self):
        actions.do_add_note(self.carol_ticket, author=self.bob, body="Courier called")
        actions.do_reply(self.carol_ticket, author=self.alice, body_text="Дорогая Кэрол, ...")
        receive(channel="telegram", sender="77", external_id="t1", body_text="TG")
        self.login(self.alice)
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(response, "Hello, my order has not arrived.")
        self.assertContains(response, "Courier called")
        self.assertContains(response, "Дорогая Кэрол")
        self.assertContains(response, "carol@example.com")
        kinds = [e.kind for e in response.context["timeline"]]
        self.assertEqual(kinds[0], "message")
        self.assertEqual(kinds.count("message"), 2)  # the Telegram message is another ticket
        self.assertIn("note", kinds)

    def test_a_flagged_customer_shows_a_warning_banner(self):
        do_flag_customer(self.carol, kind="abusive", reason="Swore at Bob", actor=self.bob)
        self.login(self.alice)
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(response, "warning-banner")
        self.assertContains(response, "Swore at Bob")

    def test_the_ticket_page_query_count_does_not_grow_with_the_conversation(self):
        self.login(self.alice)
        url = reverse("ticket", args=[self.carol_ticket.pk])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for i in range(15):
            receive(external_id=f"<t{i}@x>", in_reply_to=["<carol-1@example.com>"])
            actions.do_reply(self.carol_ticket, author=self.bob, body_text=f"answer {i}")
            actions.do_add_note(self.carol_ticket, author=self.alice, body=f"note {i}")
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)
        self.assertEqual(len(few), len(many))

    def test_replying_puts_the_reply_in_the_timeline(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-reply", args=[self.carol_ticket.pk]),
            {"body": "您好，我们正在处理。", "status_after": "pending"},
            follow=True,
        )
        self.assertContains(response, "您好，我们正在处理。")
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.status, Status.PENDING)

    def test_customer_text_is_escaped(self):
        receive(
            external_id="<x@x>",
            in_reply_to=["<carol-1@example.com>"],
            body_text="<script>alert('x')</script>",
        )
        self.login(self.alice)
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, "&lt;script&gt;alert")

    def test_an_oversized_reply_is_a_form_error_not_a_crash(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-reply", args=[self.carol_ticket.pk]), {"body": "x" * 60_000}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Message.objects.filter(direction="out").count(), 0)

    def test_an_empty_reply_is_a_form_error(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-reply", args=[self.carol_ticket.pk]), {"body": ""}
        )
        self.assertEqual(response.status_code, 400)

    def test_updating_properties_goes_through_the_actions(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-update", args=[self.carol_ticket.pk]),
            {
                "status": "open",
                "priority": "3",
                "team": self.support.pk,
                "assignee": self.bob.pk,
                "tags": "доставка, urgent",
                "summary": "Waiting on courier",
            },
        )
        self.assertEqual(response.status_code, 302)
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual((ticket.status, ticket.priority, ticket.assignee), ("open", 3, self.bob))
        self.assertEqual(sorted(t.name for t in ticket.tags.all()), ["urgent", "доставка"])
        self.assertEqual(ticket.summary, "Waiting on courier")

    def test_an_impossible_status_change_is_a_form_error(self):
        actions.do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-update", args=[self.carol_ticket.pk]),
            {
                "status": "pending",
                "priority": "2",
                "team": self.support.pk,
                "assignee": "",
                "tags": "",
                "summary": "",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Ticket.objects.get(pk=self.carol_ticket.pk).status, Status.SOLVED)

    def test_merge_and_split_from_the_page(self):
        other = receive(external_id="<o@x>", subject="Second problem").ticket
        self.login(self.alice)
        response = self.client.post(
            reverse("ticket-merge", args=[other.pk]), {"target": self.carol_ticket.pk}
        )
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))
        moved = Message.objects.get(external_id="<o@x>")
        self.assertEqual(moved.ticket, self.carol_ticket)
        response = self.client.post(
            reverse("message-split", args=[moved.pk]), {"subject": "Back on its own"}
        )
        moved.refresh_from_db()
        self.assertRedirects(response, reverse("ticket", args=[moved.ticket_id]))
        self.assertEqual(moved.ticket.subject, "Back on its own")

    def test_viewing_a_merged_ticket_leads_to_the_one_it_was_merged_into(self):
        other = receive(external_id="<o@x>", subject="Second problem").ticket
        actions.do_merge_tickets(other, self.carol_ticket, actor=self.alice)
        self.login(self.alice)
        response = self.client.get(reverse("ticket", args=[other.pk]))
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))

    def test_who_else_is_viewing_the_ticket(self):
        url = reverse("ticket", args=[self.carol_ticket.pk])
        bob = Client()
        bob.force_login(self.bob)
        bob.get(url)
        self.login(self.alice)
        response = self.client.get(url)
        self.assertContains(response, "Also viewing:")
        self.assertContains(response, "Bob")
        ping = bob.post(reverse("ticket-presence", args=[self.carol_ticket.pk]), {"typing": "1"})
        self.assertContains(ping, "Alice")


class PermissionTest(BaseTestCase):
    """Charlie, in another team, learns nothing: every object view answers 404."""

    def test_an_outsider_gets_404_everywhere(self):
        message = self.carol_ticket.messages.get()
        self.login(self.charlie)
        pk = self.carol_ticket.pk
        for method, url, data in [
            ("get", reverse("ticket", args=[pk]), {}),
            ("post", reverse("ticket-reply", args=[pk]), {"body": "hi"}),
            ("post", reverse("ticket-note", args=[pk]), {"body": "hi"}),
            ("post", reverse("ticket-update", args=[pk]), {"status": "solved"}),
            ("post", reverse("ticket-merge", args=[pk]), {"target": pk}),
            ("post", reverse("ticket-presence", args=[pk]), {}),
            ("post", reverse("message-split", args=[message.pk]), {}),
            ("get", reverse("customer", args=[self.carol.pk]), {}),
            (
                "post",
                reverse("customer-flag", args=[self.carol.pk]),
                {"kind": "vip", "reason": "x"},
            ),
            ("post", reverse("customer-edit", args=[self.carol.pk]), {"name": "x"}),
        ]:
            response = getattr(self.client, method)(url, data)
            self.assertEqual(response.status_code, 404, url)
        self.assertEqual(Message.objects.count(), 1)

    def test_a_supervisor_sees_every_team(self):
        self.login(self.sam)
        self.assertEqual(
            self.client.get(reverse("ticket", args=[self.carol_ticket.pk])).status_code, 200
        )

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_posts_without_a_csrf_token_are_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post(reverse("ticket-reply", args=[self.carol_ticket.pk]), {"body": "hi"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Message.objects.count(), 1)


class OriginalLinkTest(BaseTestCase):
    def test_only_messages_with_a_stored_original_link_to_it(self):
        with_raw = receive(
            external_id="<r@x>",
            raw=b"From: carol@example.com\r\n\r\nHi",
            in_reply_to=["<carol-1@example.com>"],
        )
        self.login(self.alice)
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, f"/messages/{with_raw.pk}/original/")
        first = self.carol_ticket.messages.order_by("id").first()
        self.assertNotContains(page, f"/messages/{first.pk}/original/")
