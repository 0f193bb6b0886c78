"""The SLA in the workspace: inbox badges and the "due soonest" sort (keyset pages), the
supervisor's pages and their permissions, and the honest acknowledgement (RS1, RS3, RS5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from rapport.mail.models import Mailbox
from rapport.mail.transport import acknowledge
from rapport.sla.actions import do_promise_response, percentile, round_up
from rapport.sla.models import BusinessCalendar, CalendarDay, ClockKind, SlaClock, SlaPolicy
from rapport.sla.tests.test_sla_tickets import SlaCase
from rapport.tickets.models import Message, Ticket

MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=MSK)


class InboxTest(SlaCase):
    def setUp(self):
        self.calendar()
        self.policy(first=60, resolution=480)
        self.late = self.new_ticket(MONDAY_10, sender="a@x.ru")
        self.soon = self.new_ticket(MONDAY_10 + timedelta(minutes=50), sender="b@x.ru")
        self.later = self.new_ticket(MONDAY_10 + timedelta(minutes=90), sender="c@x.ru")
        self.paused = self.new_ticket(MONDAY_10, sender="d@x.ru")
        self.reply(self.paused, MONDAY_10 + timedelta(minutes=5), status_after="pending")
        self.billing_ticket = self.new_ticket(MONDAY_10, sender="e@x.ru")
        self.billing_ticket.team = self.billing
        Ticket.objects.filter(pk=self.billing_ticket.pk).update(team=self.billing)

    def rows(self, user, **params):
        self.login(user)
        with freeze_time(MONDAY_10 + timedelta(minutes=70)):
            page = self.client.get(reverse("inbox"), {"view": "open", "sort": "due", **params})
        self.assertEqual(page.status_code, 200)
        return page

    def test_due_soonest_lists_running_clocks_overdue_first_with_badges(self):
        page = self.rows(self.alice)
        ids = [t.pk for t in page.context["page"].rows]
        self.assertEqual(ids, [self.late.pk, self.soon.pk, self.later.pk])
        self.assertContains(page, "overdue 10 min")
        self.assertContains(page, "due in 40 min")
        self.assertNotIn(self.billing_ticket.pk, ids)

    @override_settings(RAPPORT_INBOX_PAGE_SIZE=2)
    def test_due_soonest_pages_by_keyset(self):
        first = self.rows(self.alice)
        self.assertEqual([t.pk for t in first.context["page"].rows], [self.late.pk, self.soon.pk])
        after = first.context["page"].next_cursor
        second = self.rows(self.alice, after=after)
        self.assertEqual([t.pk for t in second.context["page"].rows], [self.later.pk])
        self.assertIsNone(second.context["page"].next_cursor)

    def test_the_badge_shows_a_paused_clock(self):
        self.login(self.alice)
        with freeze_time(MONDAY_10 + timedelta(minutes=70)):
            page = self.client.get(reverse("inbox"), {"view": "open"})
        self.assertContains(page, "sla-paused")

    def test_the_ticket_page_shows_each_clock_and_the_policy(self):
        self.login(self.alice)
        with freeze_time(MONDAY_10 + timedelta(minutes=70)):
            late = self.client.get(reverse("ticket", args=[self.late.pk]))
            paused = self.client.get(reverse("ticket", args=[self.paused.pk]))
        self.assertContains(late, "Response times")
        self.assertContains(late, "First response: <strong>overdue 10 min</strong>", html=False)
        self.assertContains(late, "Resolution: <strong>due in 6 h</strong>", html=False)
        self.assertContains(late, "sla-breached")
        self.assertContains(paused, "First response: <strong>met</strong>", html=False)
        self.assertContains(paused, "Resolution: <strong>paused</strong>", html=False)

    def test_charlie_sees_nothing_of_support(self):
        page = self.rows(self.charlie)
        self.assertEqual([t.pk for t in page.context["page"].rows], [self.billing_ticket.pk])
        self.assertNotContains(page, "a@x.ru")


class SettingsPagesTest(SlaCase):
    def test_agents_cannot_see_or_edit_service_levels(self):
        policy = self.policy()
        for user in (self.alice, self.charlie):
            self.login(user)
            self.assertEqual(self.client.get(reverse("sla")).status_code, 403)
            self.assertEqual(self.client.get(reverse("sla-calendar-new")).status_code, 403)
            response = self.client.post(
                reverse("sla-policy", args=[policy.pk]),
                {"name": "Hacked", "order": 1, "first_response_minutes": 1, "warn_share": 0.8},
            )
            self.assertEqual(response.status_code, 403)
            self.assertEqual(
                self.client.post(reverse("sla-policy-delete", args=[policy.pk])).status_code, 403
            )
        policy.refresh_from_db()
        self.assertEqual(policy.name, "Default")
        self.assertNotContains(self.client.get(reverse("inbox")), reverse("sla"))

    def test_a_supervisor_sets_up_a_calendar_with_holidays_and_manual_dates(self):
        self.login(self.sam)
        form = {
            "name": "Moscow office",
            "team": self.support.pk,
            "time_zone": "Europe/Moscow",
            "holiday_country": "ru",
            "holiday_subdiv": "",
            "shorten_pre_holiday_minutes": 60,
            "day_0": "09:00-13:00, 14:00-18:00",
            "day_1": "09:00-18:00",
            "day_2": "09:00-18:00",
            "day_3": "09:00-18:00",
            "day_4": "09:00-17:00",
            "day_5": "",
            "day_6": "",
            "days_text": "2025-12-31 off company day\n2025-12-27 working 10:00-15:00\n"
            "2025-12-30 shortened 120",
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("sla-calendar-new"), form)
        self.assertRedirects(response, reverse("sla"))
        cal = BusinessCalendar.objects.get(name="Moscow office")
        self.assertEqual(cal.holiday_country, "RU")
        self.assertEqual(cal.week[0], "09:00-13:00, 14:00-18:00")
        self.assertEqual(
            sorted(CalendarDay.objects.values_list("kind", flat=True)),
            ["off", "shortened", "working"],
        )
        page = self.client.get(reverse("sla-calendar", args=[cal.pk]))
        self.assertContains(page, "2025-12-27 working 10:00-15:00")

    def test_the_admin_lists_calendars_policies_and_clocks(self):
        from rapport.test import make_agent

        admin = make_agent("root", is_staff=True, is_superuser=True)
        cal = self.calendar(country="CN", tz="Asia/Shanghai")
        self.policy()
        self.new_ticket(MONDAY_10)
        self.login(admin)
        for name in ("businesscalendar", "slapolicy", "slaclock"):
            self.assertEqual(self.client.get(f"/admin/sla/{name}/").status_code, 200)
        self.assertEqual(
            self.client.get(f"/admin/sla/businesscalendar/{cal.pk}/change/").status_code, 200
        )

    def test_calendar_and_policy_forms_validate(self):
        self.login(self.sam)
        bad = self.client.post(
            reverse("sla-calendar-new"),
            {
                "name": "Bad",
                "time_zone": "Europe/Moscow",
                "holiday_country": "XX",
                "shorten_pre_holiday_minutes": 0,
                "day_0": "9-18",
                "days_text": "31.12.2025 off",
            },
        )
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "not a time of day", status_code=400)
        self.assertContains(bad, "does not know country XX", status_code=400)
        self.assertContains(bad, "YYYY-MM-DD", status_code=400)
        closed = self.client.post(
            reverse("sla-calendar-new"),
            {"name": "Never", "time_zone": "UTC", "shorten_pre_holiday_minutes": 0},
        )
        self.assertContains(closed, "no working hours", status_code=400)
        no_target = self.client.post(
            reverse("sla-policy-new"),
            {"name": "Empty", "order": 1, "is_active": "on", "warn_share": 0.8},
        )
        self.assertContains(no_target, "at least one target", status_code=400)
        self.assertFalse(BusinessCalendar.objects.exists())
        self.assertFalse(SlaPolicy.objects.exists())

    def test_a_supervisor_creates_a_policy_and_sees_attainment(self):
        self.login(self.sam)
        response = self.client.post(
            reverse("sla-policy-new"),
            {
                "name": "Urgent",
                "order": 1,
                "is_active": "on",
                "priority": 4,
                "first_response_minutes": 30,
                "resolution_minutes": 240,
                "warn_share": 0.75,
            },
        )
        self.assertRedirects(response, reverse("sla"))
        self.calendar()
        self.policy(first=60)
        met = self.new_ticket(MONDAY_10)
        self.reply(met, MONDAY_10 + timedelta(minutes=30))
        late = self.new_ticket(MONDAY_10, sender="z@x.ru")
        self.reply(late, MONDAY_10 + timedelta(minutes=90))
        with freeze_time(MONDAY_10 + timedelta(hours=2)):
            page = self.client.get(reverse("sla"), {"days": 7})
        rows = {r.label: (r.total, r.met) for r in page.context["rows"]}
        self.assertEqual(rows[str(ClockKind.FIRST_RESPONSE.label)], (2, 1))
        self.assertContains(page, "50.0 %")
        self.assertContains(page, "Urgent")


class PromiseTest(SlaCase):
    def setUp(self):
        self.calendar()
        self.policy(first=240)
        self.mailbox = Mailbox.objects.create(
            name="Support", address="help@shop.test", team=self.support, signature="The shop"
        )

    def test_percentile_and_rounding(self):
        self.assertEqual(percentile(list(range(1, 11)), 0.9), 9)
        self.assertEqual(percentile([5], 0.9), 5)
        self.assertEqual(round_up(timedelta(minutes=7)), timedelta(minutes=15))
        self.assertEqual(round_up(timedelta(minutes=100)), timedelta(minutes=105))
        self.assertEqual(round_up(timedelta(hours=2, minutes=10)), timedelta(hours=3))
        self.assertEqual(round_up(timedelta(hours=9)), timedelta(hours=12))

    def test_without_history_the_promise_is_the_policy_target_in_business_time(self):
        ticket = self.new_ticket(datetime(2025, 3, 7, 16, 0, tzinfo=MSK))  # Friday
        message = ticket.messages.get()
        with freeze_time(datetime(2025, 3, 7, 16, 0, tzinfo=MSK)):
            ack = acknowledge(message, self.mailbox)
        ticket.refresh_from_db()
        self.assertEqual(ticket.promised_response_at, datetime(2025, 3, 10, 11, 0, tzinfo=MSK))
        self.assertIn("We will answer by 10 March 2025, 11:00 (UTC+03:00).", ack.body_text)

    def test_without_policy_or_history_the_text_keeps_its_fixed_wording(self):
        SlaPolicy.objects.all().delete()
        ticket = self.new_ticket(MONDAY_10)
        with freeze_time(MONDAY_10):
            ack = acknowledge(ticket.messages.get(), self.mailbox)
        ticket.refresh_from_db()
        self.assertIsNone(ticket.promised_response_at)
        self.assertIn("We will answer within one business day.", ack.body_text)

    def test_the_promise_follows_recent_first_responses_at_that_hour(self):
        # Six tickets on the last three Mondays at 10:00, answered within 10-50 minutes: the
        # 90th percentile is 50 min, promised as 1 hour, then up to the quarter hour.
        for n, minutes in enumerate([10, 20, 30, 40, 50, 15]):
            start = MONDAY_10 - timedelta(weeks=n // 2 + 1) + timedelta(minutes=n)
            t = self.new_ticket(start, sender=f"p{n}@x.ru")
            self.reply(t, start + timedelta(minutes=minutes))
        samples = SlaClock.objects.filter(kind=ClockKind.FIRST_RESPONSE, hour_of_week=10)
        self.assertEqual(samples.count(), 6)
        ticket = self.new_ticket(
            MONDAY_10 + timedelta(minutes=5), sender="russ@x.ru", language="ru"
        )
        with freeze_time(MONDAY_10 + timedelta(minutes=5)):
            ack = acknowledge(ticket.messages.get(), self.mailbox)
        ticket.refresh_from_db()
        self.assertEqual(ticket.promised_response_at, MONDAY_10 + timedelta(minutes=75))
        self.assertIn("Мы ответим до 3 марта 2025 г., 11:15 (UTC+03:00).", ack.body_text)
        # Computed once: a second acknowledgement run does not move it.
        with freeze_time(MONDAY_10 + timedelta(hours=3)):
            self.assertEqual(do_promise_response(ticket), MONDAY_10 + timedelta(minutes=75))

    def test_a_custom_text_shows_the_promise_and_the_report_counts_it_beaten(self):
        self.mailbox.ack_templates = {"zh": "工单 {ticket}：我们将{promised}回复。"}
        self.mailbox.save()
        ticket = self.new_ticket(MONDAY_10, sender="li@x.cn", language="zh")
        with freeze_time(MONDAY_10):
            ack = acknowledge(ticket.messages.get(), self.mailbox)
        self.assertIn("我们将在 2025年3月3日 14:00（UTC+03:00）之前回复", ack.body_text)
        self.reply(ticket, MONDAY_10 + timedelta(hours=1))
        self.login(self.sam)
        with freeze_time(MONDAY_10 + timedelta(hours=2)):
            page = self.client.get(reverse("sla"))
        self.assertEqual(page.context["promises"]["beaten"], 1)
        self.assertContains(page, "Promise beaten: 100.0 %")
        self.assertEqual(Message.objects.filter(ticket=ticket, auto="ack").count(), 1)
