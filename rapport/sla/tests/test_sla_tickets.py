"""SLA clocks on real tickets, with controlled time (freezegun): business hours over weekends,
nights and holidays in Moscow, Shanghai and Berlin (DST); pause/resume, re-target, reopen,
merge; the breach scan raising each warning and breach once (RS1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from rapport.notify.models import Kind, Notification
from rapport.sla.actions import do_recompute, do_scan
from rapport.sla.models import BusinessCalendar, ClockKind, ClockStatus, SlaClock, SlaPolicy
from rapport.test import BaseTestCase, receive
from rapport.tickets import actions
from rapport.tickets.models import Event, EventKind, Priority, SlaState, Status, Ticket

MSK = ZoneInfo("Europe/Moscow")
SHA = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")
WEEKDAYS = ["09:00-18:00"] * 5 + ["", ""]


class SlaCase(BaseTestCase):
    n = 0

    def calendar(self, tz="Europe/Moscow", week=WEEKDAYS, country="", shorten=0, team=None):
        return BusinessCalendar.objects.create(
            name=tz,
            team=team or self.support,
            time_zone=tz,
            week=week,
            holiday_country=country,
            shorten_pre_holiday_minutes=shorten,
        )

    def policy(self, name="Default", order=100, first=240, next_=120, resolution=960, **kw):
        return SlaPolicy.objects.create(
            name=name,
            order=order,
            first_response_minutes=first,
            next_response_minutes=next_,
            resolution_minutes=resolution,
            **kw,
        )

    def new_ticket(self, when, sender="dave@example.com", **fields) -> Ticket:
        SlaCase.n += 1
        with freeze_time(when):
            message = receive(
                sender=sender, subject="Help", external_id=f"<sla-{self.n}@x>", **fields
            )
        return Ticket.objects.get(pk=message.ticket_id)

    def reply(self, ticket, when, status_after=None, author=None):
        with freeze_time(when):
            actions.do_reply(
                ticket, author=author or self.alice, body_text="On it.", status_after=status_after
            )
        ticket.refresh_from_db()

    def customer_writes(self, ticket, when):
        SlaCase.n += 1
        with freeze_time(when):
            receive(
                sender="dave@example.com",
                subject="Re: Help",
                body_text="Any news?",
                external_id=f"<sla-{self.n}@x>",
                ticket_id=ticket.pk,
            )
        ticket.refresh_from_db()

    def scan(self, when) -> int:
        with freeze_time(when):
            return do_scan()


class BusinessHoursTest(SlaCase):
    def test_a_friday_evening_ticket_in_moscow_is_due_on_monday_after_the_shortened_day(self):
        # 7 March 2025 is a pre-holiday day (closes 17:00); 8 March is a Saturday holiday.
        self.calendar(country="RU", shorten=60)
        self.policy()
        ticket = self.new_ticket(datetime(2025, 3, 7, 16, 30, tzinfo=MSK))
        self.assertEqual(ticket.sla_policy.name, "Default")
        # 30 min on Friday, then Monday from 09:00: 3.5 h more.
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 10, 12, 30, tzinfo=MSK))
        self.assertEqual(ticket.sla_due, ticket.first_response_due)
        self.assertEqual(ticket.sla_state, SlaState.OK)

    def test_a_night_ticket_in_shanghai_counts_from_the_next_opening(self):
        self.calendar(tz="Asia/Shanghai")
        self.policy(first=120)
        ticket = self.new_ticket(datetime(2025, 3, 4, 22, 0, tzinfo=SHA))
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 5, 11, 0, tzinfo=SHA))

    def test_the_spring_festival_is_skipped_and_its_working_sunday_counts(self):
        self.calendar(tz="Asia/Shanghai", country="CN")
        self.policy()
        before_holiday = self.new_ticket(datetime(2025, 1, 27, 17, 0, tzinfo=SHA))
        self.assertEqual(before_holiday.first_response_due, datetime(2025, 2, 5, 12, 0, tzinfo=SHA))
        friday = self.new_ticket(datetime(2025, 1, 24, 17, 0, tzinfo=SHA), sender="eve@x.cn")
        self.assertEqual(friday.first_response_due, datetime(2025, 1, 26, 12, 0, tzinfo=SHA))

    def test_a_berlin_night_shift_across_the_march_change_is_an_hour_shorter(self):
        self.calendar(tz="Europe/Berlin", week=["22:00-06:00"] * 7)
        self.policy(first=480)
        ticket = self.new_ticket(datetime(2024, 3, 30, 22, 0, tzinfo=BER))
        # Saturday night lasts 7 real hours (02:00 → 03:00); the 8th is Sunday 22-23 CEST.
        self.assertEqual(ticket.first_response_due, datetime(2024, 3, 31, 23, 0, tzinfo=BER))

    def test_a_team_without_a_calendar_is_measured_around_the_clock(self):
        self.policy(first=60)
        ticket = self.new_ticket(datetime(2025, 3, 8, 23, 30, tzinfo=MSK))
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 9, 0, 30, tzinfo=MSK))

    def test_no_policy_no_clocks(self):
        ticket = self.new_ticket(datetime(2025, 3, 4, 10, 0, tzinfo=MSK))
        self.assertIsNone(ticket.sla_policy)
        self.assertEqual(ticket.sla_state, SlaState.NONE)
        self.assertFalse(SlaClock.objects.filter(ticket=ticket).exists())
        # A policy that starts to apply later counts from the ticket's creation.
        SlaPolicy.objects.create(name="High", priority=Priority.HIGH, first_response_minutes=60)
        with freeze_time(datetime(2025, 3, 4, 10, 20, tzinfo=MSK)):
            actions.do_set_priority(ticket, Priority.HIGH, actor=self.sam)
        ticket.refresh_from_db()
        self.assertEqual(ticket.sla_policy.name, "High")
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 4, 11, 0, tzinfo=MSK))


class LifecycleTest(SlaCase):
    def setUp(self):
        self.calendar()
        self.policy(first=120, next_=60, resolution=480)

    def test_pending_pauses_and_the_customers_reply_resumes(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))  # Monday
        self.reply(ticket, datetime(2025, 3, 3, 11, 0, tzinfo=MSK), status_after=Status.PENDING)
        first = SlaClock.objects.get(ticket=ticket, kind=ClockKind.FIRST_RESPONSE)
        self.assertEqual(first.status, ClockStatus.STOPPED)
        self.assertTrue(first.met)
        self.assertEqual(first.elapsed_seconds, 3600)
        self.assertEqual(ticket.sla_state, SlaState.PAUSED)
        self.assertIsNone(ticket.resolution_due)
        self.assertIsNone(ticket.sla_check_at)
        # Waiting for the customer overnight costs nothing.
        self.customer_writes(ticket, datetime(2025, 3, 4, 10, 0, tzinfo=MSK))
        self.assertEqual(ticket.status, Status.OPEN)
        self.assertEqual(ticket.resolution_due, datetime(2025, 3, 4, 17, 0, tzinfo=MSK))
        self.assertEqual(ticket.next_response_due, datetime(2025, 3, 4, 11, 0, tzinfo=MSK))
        self.assertEqual(ticket.sla_due, ticket.next_response_due)
        self.assertEqual(ticket.sla_state, SlaState.OK)

    def test_every_customer_message_waiting_gets_a_next_response_clock(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.reply(ticket, datetime(2025, 3, 3, 10, 30, tzinfo=MSK))
        self.customer_writes(ticket, datetime(2025, 3, 3, 12, 0, tzinfo=MSK))
        self.customer_writes(ticket, datetime(2025, 3, 3, 12, 20, tzinfo=MSK))
        # The older unanswered message sets the time.
        self.assertEqual(ticket.next_response_due, datetime(2025, 3, 3, 13, 0, tzinfo=MSK))
        self.reply(ticket, datetime(2025, 3, 3, 12, 50, tzinfo=MSK))
        self.assertIsNone(ticket.next_response_due)
        self.customer_writes(ticket, datetime(2025, 3, 3, 17, 30, tzinfo=MSK))
        self.assertEqual(ticket.next_response_due, datetime(2025, 3, 4, 9, 30, tzinfo=MSK))
        clocks = SlaClock.objects.filter(ticket=ticket, kind=ClockKind.NEXT_RESPONSE)
        self.assertEqual([c.status for c in clocks], [ClockStatus.STOPPED, ClockStatus.RUNNING])

    def test_a_priority_change_mid_way_retargets_against_the_time_already_used(self):
        SlaPolicy.objects.create(
            name="Urgent",
            order=1,
            priority=Priority.URGENT,
            first_response_minutes=60,
            resolution_minutes=240,
        )
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 3, 12, 0, tzinfo=MSK))
        with freeze_time(datetime(2025, 3, 3, 10, 30, tzinfo=MSK)):
            actions.do_set_priority(ticket, Priority.URGENT, actor=self.sam)
        ticket.refresh_from_db()
        self.assertEqual(ticket.sla_policy.name, "Urgent")
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 3, 11, 0, tzinfo=MSK))
        self.assertEqual(ticket.resolution_due, datetime(2025, 3, 3, 14, 0, tzinfo=MSK))
        # Later than the stricter target allows: overdue at once, breached from the change on.
        other = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK), sender="zoe@x.ru")
        change = datetime(2025, 3, 3, 11, 30, tzinfo=MSK)
        with freeze_time(change):
            actions.do_set_priority(other, Priority.URGENT, actor=self.sam)
        other.refresh_from_db()
        self.assertEqual(other.sla_state, SlaState.BREACHED)
        # Both tickets are past their first-response time now: one breach each.
        self.assertEqual(self.scan(change + timedelta(minutes=1)), 2)
        breach = Event.objects.get(ticket=other, kind=EventKind.SLA_BREACH)
        self.assertEqual(breach.after["target"], ClockKind.FIRST_RESPONSE)

    def test_reopen_continues_the_resolution_clock_and_waits_for_an_answer(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.reply(ticket, datetime(2025, 3, 3, 12, 0, tzinfo=MSK), status_after=Status.SOLVED)
        self.assertEqual(ticket.sla_state, SlaState.NONE)
        self.assertIsNone(ticket.sla_due)
        resolution = SlaClock.objects.get(ticket=ticket, kind=ClockKind.RESOLUTION)
        self.assertEqual(resolution.status, ClockStatus.STOPPED)
        self.customer_writes(ticket, datetime(2025, 3, 4, 10, 0, tzinfo=MSK))
        self.assertEqual(ticket.status, Status.OPEN)
        # 2 h used before it was solved; the night while solved does not count.
        self.assertEqual(ticket.resolution_due, datetime(2025, 3, 4, 16, 0, tzinfo=MSK))
        self.assertEqual(ticket.next_response_due, datetime(2025, 3, 4, 11, 0, tzinfo=MSK))

    def test_a_deleted_policy_leaves_clocks_that_still_stop_when_solved(self):
        from rapport.sla.actions import do_delete_policy

        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        do_delete_policy(SlaPolicy.objects.get())
        ticket.refresh_from_db()
        self.assertIsNone(ticket.sla_policy)
        self.reply(ticket, datetime(2025, 3, 3, 11, 0, tzinfo=MSK), status_after=Status.SOLVED)
        self.assertEqual(ticket.sla_state, SlaState.NONE)
        self.assertFalse(SlaClock.objects.exclude(status=ClockStatus.STOPPED).exists())

    def test_a_move_to_another_team_measures_on_its_calendar(self):
        BusinessCalendar.objects.create(
            name="Shanghai", team=self.billing, time_zone="Asia/Shanghai", week=WEEKDAYS
        )
        ticket = self.new_ticket(datetime(2025, 3, 3, 16, 0, tzinfo=MSK))  # 21:00 in Shanghai
        with freeze_time(datetime(2025, 3, 3, 16, 0, tzinfo=MSK)):
            actions.do_assign(ticket, team=self.billing, assignee=None, actor=self.sam)
        ticket.refresh_from_db()
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 4, 11, 0, tzinfo=SHA))

    def test_a_merge_keeps_the_customer_waiting_since_their_message(self):
        source = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        target = self.new_ticket(datetime(2025, 3, 3, 9, 0, tzinfo=MSK))
        self.reply(target, datetime(2025, 3, 3, 9, 30, tzinfo=MSK))
        with freeze_time(datetime(2025, 3, 3, 10, 30, tzinfo=MSK)):
            actions.do_merge_tickets(source, target, actor=self.alice)
        source.refresh_from_db()
        target.refresh_from_db()
        self.assertEqual(source.sla_state, SlaState.NONE)
        self.assertEqual(target.next_response_due, datetime(2025, 3, 3, 11, 0, tzinfo=MSK))

    def test_policies_match_by_segment_flag_and_channel_in_order(self):
        from rapport.customers.models import CustomerFlag, CustomerKind

        SlaPolicy.objects.create(
            name="VIP", order=1, customer_flag="vip", first_response_minutes=30
        )
        SlaPolicy.objects.create(
            name="Internal",
            order=2,
            customer_kind=CustomerKind.INTERNAL,
            first_response_minutes=600,
        )
        SlaPolicy.objects.create(name="Chat", order=3, channel="webchat", first_response_minutes=15)
        mail = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.assertEqual(mail.sla_policy.name, "Default")
        chat = self.new_ticket(
            datetime(2025, 3, 3, 10, 0, tzinfo=MSK), sender="chat-1", channel="webchat"
        )
        self.assertEqual(chat.sla_policy.name, "Chat")
        mail.customer.kind = CustomerKind.INTERNAL
        mail.customer.save()
        inside = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.assertEqual(inside.sla_policy.name, "Internal")
        first = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK), sender="vip@x.ru")
        self.assertEqual(first.sla_policy.name, "Default")
        CustomerFlag.objects.create(customer=first.customer, kind="vip", reason="Key account")
        vip = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK), sender="vip@x.ru")
        self.assertEqual(vip.sla_policy.name, "VIP")


class ScanTest(SlaCase):
    def setUp(self):
        self.calendar()
        self.policy(first=60, next_=60, resolution=480, warn_share=0.5)

    def test_each_warning_and_breach_is_raised_once_and_notified(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.assertEqual(self.scan(datetime(2025, 3, 3, 10, 20, tzinfo=MSK)), 0)
        # Half the hour used: a warning, to the team (nobody is assigned yet).
        self.assertEqual(self.scan(datetime(2025, 3, 3, 10, 31, tzinfo=MSK)), 1)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 10, 32, tzinfo=MSK)), 0)
        ticket.refresh_from_db()
        self.assertEqual(ticket.sla_state, SlaState.WARNING)
        warned = Notification.objects.filter(kind=Kind.SLA_WARNING)
        self.assertEqual(sorted(n.user.username for n in warned), ["alice", "bob"])
        # Exactly at the due instant it is still in time.
        self.assertEqual(self.scan(datetime(2025, 3, 3, 11, 0, tzinfo=MSK)), 0)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 11, 1, tzinfo=MSK)), 1)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 11, 2, tzinfo=MSK)), 0)
        ticket.refresh_from_db()
        self.assertEqual(ticket.sla_state, SlaState.BREACHED)
        breaches = Notification.objects.filter(kind=Kind.SLA_BREACH)
        self.assertEqual(sorted(n.user.username for n in breaches), ["alice", "bob", "sam"])
        self.assertEqual(Event.objects.filter(ticket=ticket, kind=EventKind.SLA_WARNING).count(), 1)
        self.assertEqual(Event.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACH).count(), 1)
        # The resolution clock warns later (half of 8 h), once.
        self.assertEqual(self.scan(datetime(2025, 3, 3, 14, 1, tzinfo=MSK)), 1)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 14, 2, tzinfo=MSK)), 0)
        self.assertFalse(Notification.objects.filter(user=self.charlie).exists())

    def test_each_agent_reads_the_notice_in_their_language_and_time_zone(self):
        self.alice.language, self.alice.time_zone = "ru", "Europe/Moscow"
        self.alice.save(update_fields=["language", "time_zone"])
        self.bob.language, self.bob.time_zone = "zh-hans", "Asia/Shanghai"
        self.bob.save(update_fields=["language", "time_zone"])
        self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.assertEqual(self.scan(datetime(2025, 3, 3, 11, 1, tzinfo=MSK)), 1)
        text = dict(
            Notification.objects.filter(kind=Kind.SLA_BREACH).values_list("user__username", "text")
        )
        self.assertIn("2025-03-03 11:00 Europe/Moscow", text["alice"])
        self.assertIn("2025-03-03 16:00 Asia/Shanghai", text["bob"])
        self.assertIn("2025-03-03 08:00 UTC", text["sam"])
        self.assertTrue(text["sam"].startswith("SLA breached"))
        self.assertFalse(text["alice"].startswith("SLA breached"))  # in Russian
        self.assertNotEqual(text["alice"][:10], text["bob"][:10])  # and in Chinese

    def test_an_answered_ticket_raises_nothing_and_the_assignee_alone_is_warned(self):
        answered = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.reply(answered, datetime(2025, 3, 3, 10, 10, tzinfo=MSK), status_after=Status.SOLVED)
        mine = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK), sender="zoe@x.ru")
        actions.do_assign(mine, team=None, assignee=self.bob, actor=self.sam)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 10, 45, tzinfo=MSK)), 1)
        self.assertEqual(
            list(Notification.objects.values_list("user__username", "ticket_id")),
            [("bob", mine.pk)],
        )

    def test_the_scan_is_a_periodic_job_and_running_it_twice_raises_once(self):
        from rapport.jobs.periodic import REGISTRY
        from rapport.sla.tasks import scan_sla_task

        self.assertIn(scan_sla_task, [job.task for job in REGISTRY.values()])
        self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        with freeze_time(datetime(2025, 3, 3, 11, 1, tzinfo=MSK)):
            self.assertEqual(scan_sla_task.call(), 1)  # the breach; its warning is skipped
            self.assertEqual(scan_sla_task.call(), 0)
        self.assertFalse(Event.objects.filter(kind=EventKind.SLA_WARNING).exists())

    def test_a_paused_clock_never_breaches(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.reply(ticket, datetime(2025, 3, 3, 10, 10, tzinfo=MSK), status_after=Status.PENDING)
        self.assertEqual(self.scan(datetime(2025, 3, 10, 10, 0, tzinfo=MSK)), 0)

    def test_a_relaxed_policy_is_recomputed_and_warns_again_later(self):
        ticket = self.new_ticket(datetime(2025, 3, 3, 10, 0, tzinfo=MSK))
        self.scan(datetime(2025, 3, 3, 10, 31, tzinfo=MSK))
        SlaPolicy.objects.update(first_response_minutes=240)
        with freeze_time(datetime(2025, 3, 3, 10, 40, tzinfo=MSK)):
            self.assertEqual(do_recompute(), 1)
        ticket.refresh_from_db()
        self.assertEqual(ticket.first_response_due, datetime(2025, 3, 3, 14, 0, tzinfo=MSK))
        self.assertEqual(ticket.sla_state, SlaState.OK)
        self.assertEqual(self.scan(datetime(2025, 3, 3, 12, 1, tzinfo=MSK)), 1)
        self.assertEqual(Event.objects.filter(ticket=ticket, kind=EventKind.SLA_WARNING).count(), 2)
