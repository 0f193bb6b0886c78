"""Agents see their own notifications only; deduplicated notifications are stored once."""

from django.urls import reverse

from rapport.accounts.models import Role
from rapport.notify.actions import do_notify, do_notify_role, unread_count
from rapport.notify.models import Kind, Notification
from rapport.test import BaseTestCase, make_agent


class NotificationTest(BaseTestCase):
    def test_a_role_is_notified_once_per_dedupe_key(self):
        legal = make_agent("lena", role=Role.LEGAL)
        do_notify_role(Role.LEGAL, "Legal threat on #1", kind=Kind.ESCALATION, dedupe_key="t1")
        do_notify_role(Role.LEGAL, "Legal threat on #1", kind=Kind.ESCALATION, dedupe_key="t1")
        self.assertEqual(Notification.objects.filter(user=legal).count(), 1)
        self.assertEqual(Notification.objects.exclude(user=legal).count(), 0)

    def test_the_header_counts_unread_and_the_page_lists_only_mine(self):
        do_notify(
            [self.alice], "Ticket assigned to you", kind=Kind.ASSIGNED, ticket=self.carol_ticket
        )
        do_notify([self.bob], "Bob's own <b>note</b>")
        self.login(self.alice)
        page = self.client.get(reverse("notifications"))
        self.assertContains(page, "Ticket assigned to you")
        self.assertNotContains(page, "Bob&#x27;s own")
        self.assertNotContains(page, "<b>note</b>")
        self.assertEqual(unread_count(self.alice), 1)
        inbox = self.client.get(reverse("inbox"))
        self.assertContains(inbox, '<span class="count">1</span>', html=False)
        self.client.post(reverse("notifications-read"))
        self.assertEqual(unread_count(self.alice), 0)
        self.assertEqual(unread_count(self.bob), 1)

    def test_marking_read_needs_a_post(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("notifications-read")).status_code, 405)

    def test_a_text_function_is_rendered_in_each_agents_language(self):
        from django.utils.translation import gettext

        self.alice.language = "ru"
        self.alice.save(update_fields=["language"])
        self.bob.language = "zh-hans"
        self.bob.save(update_fields=["language"])
        do_notify([self.alice, self.bob, self.sam], lambda: gettext("Inbox"))
        texts = dict(Notification.objects.values_list("user__username", "text"))
        self.assertEqual(texts, {"alice": "Входящие", "bob": "收件箱", "sam": "Inbox"})
