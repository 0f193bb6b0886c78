"""`manage.py demo_data`: a believable multilingual desk, built through the real actions, once."""

import re
from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from rapport.accounts.models import Role, Team, User
from rapport.customers.models import Customer, CustomerFlag, CustomerKind, FlagKind, Identity
from rapport.demo.builder import DEMO_PASSWORD
from rapport.intake.models import InboundRaw, RawState
from rapport.lib.channels import Channel
from rapport.tickets.models import Direction, Event, Message, Note, Status, Ticket

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b(the|and|your|order)\b", re.IGNORECASE)


class DemoDataTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        call_command("demo_data", stdout=cls.output)
        cls.done_at = timezone.now()

    def test_it_creates_the_promised_numbers(self):
        self.assertEqual(Team.objects.count(), 4)  # and one of them an outside partner (MG5)
        self.assertEqual(Team.objects.filter(is_partner=True).count(), 1)
        self.assertEqual(Ticket.objects.filter(team__is_partner=True).count(), 12)
        self.assertEqual(Team.objects.filter(is_default=True).count(), 1)
        self.assertEqual(User.objects.count(), 9)
        self.assertEqual(Customer.objects.count(), 150)
        self.assertEqual(Ticket.objects.count(), 400)

    def test_agents_have_roles_languages_and_time_zones(self):
        admin = User.objects.get(username="admin")
        self.assertTrue(admin.is_staff and admin.is_superuser)
        self.assertTrue(admin.check_password(DEMO_PASSWORD))
        self.assertEqual(set(User.objects.values_list("role", flat=True)), set(Role.values))
        self.assertEqual(
            set(User.objects.values_list("language", flat=True)), {"en", "ru", "zh-hans"}
        )
        self.assertEqual(User.objects.get(username="anna").language, "ru")
        self.assertEqual(User.objects.get(username="li.wei").language, "zh-hans")
        self.assertEqual(User.objects.get(username="emma").language, "en")
        self.assertGreater(len(set(User.objects.values_list("time_zone", flat=True))), 3)

    def test_messages_are_in_russian_chinese_and_english(self):
        bodies = list(Message.objects.values_list("body_text", flat=True))
        for pattern in (CYRILLIC, CJK):
            self.assertTrue(any(pattern.search(body) for body in bodies), pattern.pattern)
        self.assertTrue(
            any(ENGLISH.search(b) and not CYRILLIC.search(b) and not CJK.search(b) for b in bodies)
        )
        for direction in Direction.values:  # customers and agents both write in all three
            texts = Message.objects.filter(direction=direction).values_list("body_text", flat=True)
            self.assertTrue(any(CYRILLIC.search(t) for t in texts))
            self.assertTrue(any(CJK.search(t) for t in texts))

    def test_every_channel_and_every_status_occurs(self):
        self.assertEqual(set(Ticket.objects.values_list("channel", flat=True)), set(Channel.values))
        self.assertEqual(set(Ticket.objects.values_list("status", flat=True)), set(Status.values))

    def test_customers_are_varied(self):
        self.assertTrue(Customer.objects.filter(kind=CustomerKind.INTERNAL).exists())
        self.assertTrue(Customer.objects.exclude(organisation=None).exists())
        self.assertTrue(Customer.objects.exclude(birthday=None).exists())
        self.assertTrue(Customer.objects.filter(anniversaries__isnull=False).exists())
        self.assertEqual(
            set(Customer.objects.values_list("language", flat=True)), {"en", "ru", "zh-hans"}
        )
        reachable_every_way = (
            Customer.objects.filter(identities__kind__in=["email", "phone", "telegram"])
            .annotate(kinds=Count("identities__kind", distinct=True))
            .filter(kinds=3)
        )
        self.assertGreaterEqual(reachable_every_way.count(), 10)
        self.assertEqual(
            Identity.objects.values("kind", "value").distinct().count(), Identity.objects.count()
        )

    def test_tickets_carry_the_work_of_the_desk(self):
        self.assertTrue(Note.objects.exists())
        self.assertTrue(Ticket.objects.exclude(summary="").exists())
        self.assertTrue(Ticket.objects.filter(tags__isnull=False).exists())
        self.assertTrue(Ticket.objects.exclude(assignee=None).exists())
        self.assertGreater(Ticket.objects.values("priority").distinct().count(), 2)
        self.assertFalse(InboundRaw.objects.exclude(state=RawState.PROCESSED).exists())

    def test_flags_merges_and_a_split(self):
        kinds = set(CustomerFlag.objects.values_list("kind", flat=True))
        self.assertLessEqual({FlagKind.ABUSIVE, FlagKind.LEGAL_THREAT, FlagKind.VIP}, kinds)
        self.assertFalse(CustomerFlag.objects.filter(reason="").exists())
        self.assertTrue(Ticket.objects.exclude(merged_into=None).exists())
        for ticket in Ticket.objects.exclude(merged_into=None):
            self.assertEqual(ticket.status, Status.CLOSED)
            self.assertEqual(ticket.merged_into.customer_id, ticket.customer_id)
        self.assertEqual(Customer.objects.exclude(merged_into=None).count(), 2)
        self.assertTrue(Message.objects.exclude(split_from=None).exists())

    def test_nothing_happens_in_the_future(self):
        for model in (Message, Note, Event, Ticket):
            self.assertFalse(model.objects.filter(created_at__gt=self.done_at).exists(), model)
        self.assertFalse(Ticket.objects.filter(updated_at__gt=self.done_at).exists())
        oldest = Ticket.objects.order_by("created_at").first().created_at
        self.assertGreater(oldest, self.done_at - timezone.timedelta(days=61))

    def test_every_reply_follows_the_first_message_of_its_ticket(self):
        first_in: dict[int, object] = {}
        for ticket_id, at in (
            Message.objects.filter(direction=Direction.IN)
            .order_by("created_at")
            .values_list("ticket_id", "created_at")
        ):
            first_in.setdefault(ticket_id, at)
        replies = Message.objects.filter(direction=Direction.OUT)
        self.assertTrue(replies.exists())
        for ticket_id, at in replies.values_list("ticket_id", "created_at"):
            self.assertIn(ticket_id, first_in)
            self.assertGreater(at, first_in[ticket_id])
        self.assertFalse(replies.filter(author=None).exists())

    def test_the_shop_has_a_chat_widget_for_make_run(self):
        from rapport.webchat.models import Widget

        widget = Widget.objects.get()
        self.assertTrue(widget.is_active)
        self.assertIn("http://127.0.0.1:8000", widget.allowed_origins.splitlines())
        self.assertEqual(set(widget.greetings), {"en", "ru", "zh"})

    def test_templates_limits_and_goals_are_ready_to_use(self):
        from rapport.macros.actions import check_template_text
        from rapport.macros.models import Macro
        from rapport.reports.models import Goal

        macros = Macro.objects.all()
        self.assertEqual({m.language for m in macros}, {"en", "ru", "zh-hans", ""})
        for macro in macros:
            check_template_text(macro.body)  # only known {placeholders}
        self.assertTrue(Goal.objects.filter(agent__username="anna").exists())
        self.client.force_login(Goal.objects.filter(agent__isnull=False).first().agent)
        home = self.client.get("/agents/")
        self.assertContains(home, 'id="my-goals"')  # her goals, on her home page (MG1)
        self.assertContains(home, "≥ 85")
        from rapport.reports.models import Rollup

        self.assertTrue(Rollup.objects.exists())  # the reports have the demo's history

    def test_the_staff_are_one_department_and_a_new_colleague_is_internal(self):
        """CH8: the demo's colleagues write from one domain, entered as a department; a new
        address there makes an internal customer of that department (MG6: side conversations
        can be addressed to its operations address)."""
        from rapport.customers.actions import do_resolve_customer
        from rapport.sideconv.models import Department

        department = Department.objects.get()
        self.assertEqual(department.email, "operations@lumen-home.example")
        staff = Customer.objects.filter(identities__value__endswith="@lumen-home.example")
        self.assertTrue(staff.exists())
        self.assertFalse(staff.exclude(kind=CustomerKind.INTERNAL).exists())
        newcomer, created = do_resolve_customer("email", "new.hire@lumen-home.example")
        self.assertTrue(created)
        self.assertEqual(newcomer.kind, CustomerKind.INTERNAL)
        self.assertEqual(newcomer.organisation_id, department.organisation_id)

    def test_it_prints_the_logins(self):
        output = self.output.getvalue()
        self.assertIn(DEMO_PASSWORD, output)
        for username in ("admin", "anna", "li.wei", "emma"):
            self.assertIn(username, output)

    def test_a_second_run_creates_nothing(self):
        counts = [model.objects.count() for model in (User, Team, Customer, Ticket, Message)]
        output = StringIO()
        call_command("demo_data", stdout=output)
        self.assertIn("already exists", output.getvalue())
        self.assertEqual(
            [model.objects.count() for model in (User, Team, Customer, Ticket, Message)], counts
        )
