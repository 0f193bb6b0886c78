"""Planning across time zones and quiet hours (FB3, RS5); consent for greetings; the signed
opt-out link."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.utils import timezone

from rapport.customers.models import Customer
from rapport.followups import actions
from rapport.followups.models import (
    Consent,
    ConsentSource,
    CustomerTimeZone,
    FollowUp,
    Outreach,
    Purpose,
    State,
)
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Status

from .base import FollowupsTestCase

UTC = zoneinfo.ZoneInfo("UTC")
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class QuietHoursTests(FollowupsTestCase):
    def test_a_time_in_the_night_moves_to_the_morning_in_the_recipients_zone(self):
        quiet = Outreach(quiet_start=time(21, 0), quiet_end=time(9, 0))
        # 20:30 UTC is 23:30 in Moscow (quiet) → 09:00 Moscow the next day = 06:00 UTC.
        at = datetime(2026, 3, 10, 20, 30, tzinfo=UTC)
        self.assertEqual(
            actions.out_of_quiet_hours(at, quiet, MOSCOW), datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
        )
        # 05:00 UTC is 13:00 in Shanghai: not quiet there, sent as planned.
        at = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
        self.assertEqual(actions.out_of_quiet_hours(at, quiet, SHANGHAI), at)
        # 23:00 UTC is 07:00 in Shanghai: before the quiet hours end, same local day, 09:00.
        at = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
        self.assertEqual(
            actions.out_of_quiet_hours(at, quiet, SHANGHAI),
            datetime(2026, 3, 11, 1, 0, tzinfo=UTC),
        )

    def test_quiet_hours_within_one_day_and_none(self):
        lunch = Outreach(quiet_start=time(13, 0), quiet_end=time(14, 0))
        at = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
        self.assertEqual(
            actions.out_of_quiet_hours(at, lunch, UTC), datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
        )
        never = Outreach(quiet_start=time(0, 0), quiet_end=time(0, 0))
        self.assertEqual(actions.out_of_quiet_hours(at, never, UTC), at)

    def test_a_check_in_after_a_solved_ticket_is_planned_once_outside_quiet_hours(self):
        # Solved at 19:00 UTC = 22:00 in Moscow: a week later at 22:00 is quiet → 09:00.
        solved_at = timezone.now().replace(hour=19, minute=0, second=0, microsecond=0)
        do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice, at=solved_at)
        self.assertEqual(actions.do_plan_after_solved(), 1)
        self.assertEqual(actions.do_plan_after_solved(), 0)  # the cursor moved on
        item = FollowUp.objects.get()
        local = item.due_at.astimezone(MOSCOW)
        self.assertEqual((local.hour, local.minute), (9, 0))
        self.assertEqual(
            local.date(),
            (solved_at + timedelta(days=7)).astimezone(MOSCOW).date() + timedelta(days=1),
        )
        self.assertEqual(item.ticket_id, self.carol_ticket.pk)
        self.assertIn("Carol", item.text)
        self.assertIn(f"#{self.carol_ticket.pk}", item.text)
        # Re-reading the whole log (a lost cursor) plans nothing twice: the key decides.
        from rapport.followups.models import ScanCursor

        ScanCursor.objects.update(position=0)
        self.assertEqual(actions.do_plan_after_solved(), 0)
        self.assertEqual(FollowUp.objects.count(), 1)

    def test_the_customers_own_time_zone_wins_over_the_teams(self):
        CustomerTimeZone.objects.create(customer=self.carol, time_zone="Asia/Shanghai")
        solved_at = timezone.now().replace(hour=19, minute=0, second=0, microsecond=0)
        do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice, at=solved_at)
        actions.do_plan_after_solved()
        local = FollowUp.objects.get().due_at.astimezone(SHANGHAI)
        # 19:00 UTC is 03:00 in Shanghai: quiet until 09:00 there.
        self.assertEqual((local.hour, local.minute), (9, 0))

    def test_templates_speak_the_customers_language(self):
        Customer.objects.filter(pk=self.carol.pk).update(language="ru", name="Кэрол Иванова")
        do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        actions.do_plan_after_solved()
        item = FollowUp.objects.get()
        self.assertTrue(item.text.startswith("Здравствуйте, Кэрол Иванова!"), item.text)
        self.assertEqual(item.subject, "Как дела, Кэрол?")


class GreetingConsentTests(FollowupsTestCase):
    def setUp(self):
        super().setUp()
        self.now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        Customer.objects.filter(pk=self.carol.pk).update(birthday=date(1990, 6, 12))

    def test_no_greeting_is_planned_without_consent(self):
        self.assertEqual(actions.do_plan_greetings(self.now), 0)
        self.assertFalse(FollowUp.objects.exists())

    def test_a_greeting_is_planned_at_the_greeting_hour_in_the_customers_zone(self):
        actions.do_record_consent(
            self.carol, Purpose.GREETING, granted=True, source=ConsentSource.AGENT, actor=self.alice
        )
        self.assertEqual(actions.do_plan_greetings(self.now), 1)
        self.assertEqual(actions.do_plan_greetings(self.now), 0)  # once per year
        item = FollowUp.objects.get()
        self.assertEqual(item.key, f"birthday:{self.carol.pk}:2026")
        self.assertEqual(item.due_at, datetime(2026, 6, 12, 10, 0, tzinfo=MOSCOW))
        self.assertEqual(item.text, "Happy birthday, Carol! Best wishes from Support.")

    def test_a_greeting_without_consent_at_send_time_is_not_sent(self):
        actions.do_record_consent(
            self.carol, Purpose.GREETING, granted=True, source=ConsentSource.FORM
        )
        actions.do_plan_greetings(self.now)
        item = FollowUp.objects.get()
        # Consent records are history; a later withdrawal wins and the plan is dropped.
        actions.do_record_consent(
            self.carol, Purpose.GREETING, granted=False, source=ConsentSource.AGENT
        )
        item.refresh_from_db()
        self.assertEqual(item.state, State.SKIPPED)
        self.assertEqual(Consent.objects.filter(customer=self.carol).count(), 2)
        # An item slipped in by hand is still checked when it comes due.
        FollowUp.objects.filter(pk=item.pk).update(state=State.SCHEDULED, due_at=self.now)
        [result] = actions.do_send_due(self.now + timedelta(hours=3))
        self.assertEqual(result.state, State.SKIPPED)
        self.assertIn("opted out", result.reason)

    def test_february_29_is_greeted_on_the_28th_in_a_common_year(self):
        Customer.objects.filter(pk=self.carol.pk).update(birthday=date(1992, 2, 29))
        actions.do_record_consent(self.carol, Purpose.GREETING, granted=True, source="form")
        actions.do_plan_greetings(datetime(2027, 2, 20, 8, 0, tzinfo=UTC))
        self.assertEqual(FollowUp.objects.get().due_at.astimezone(MOSCOW).date(), date(2027, 2, 28))


class OptOutLinkTests(FollowupsTestCase):
    def test_the_link_shows_a_page_and_only_a_post_opts_out(self):
        url = actions.optout_url(self.carol.pk, Purpose.CHECK_IN)
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = self.client.get("/" + path)
        self.assertContains(response, "Stop these messages?")
        self.assertFalse(Consent.objects.exists())  # a mail scanner opening it changes nothing
        response = self.client.post("/" + path)
        self.assertContains(response, "You will not receive these messages any more")
        consent = Consent.objects.get()
        self.assertEqual(
            (consent.customer_id, consent.purpose, consent.granted, consent.source),
            (self.carol.pk, Purpose.CHECK_IN, False, ConsentSource.LINK),
        )
        self.assertEqual(actions.may_contact(self.carol.pk, Purpose.CHECK_IN)[0], False)

    def test_a_tampered_link_is_refused(self):
        token = actions.optout_token(self.carol.pk, Purpose.CHECK_IN)
        forged = signing.dumps(
            {"c": self.carol.pk + 1, "p": "check_in"}, salt="another.salt", compress=True
        )
        for bad in (token[:-2] + "xx", forged, "nonsense"):
            response = self.client.post(f"/followups/optout/{bad}/")
            self.assertEqual(response.status_code, 400)
        self.assertFalse(Consent.objects.exists())
