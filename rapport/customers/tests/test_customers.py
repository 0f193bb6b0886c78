"""Customer profiles (TR6), flags (TR4), merging, internal customers (CH8)."""

from django.core.exceptions import ValidationError

from rapport.customers import actions
from rapport.customers.models import Customer, CustomerFlag, Identity
from rapport.test import BaseTestCase, receive
from rapport.tickets.models import Event, EventKind, Ticket


class CustomerActionsTest(BaseTestCase):
    def test_a_customer_reachable_by_phone_and_email_is_one_profile(self):
        actions.do_add_identity(self.carol, "phone", "+7 (912) 345-67-89", actor=self.alice)
        message = receive(
            channel="phone",
            sender="+79123456789",
            external_id="call-1",
            body_text="Call log: asked about the order",
        )
        self.assertEqual(message.customer, self.carol)

    def test_an_identity_of_another_customer_cannot_be_taken(self):
        dan = receive(sender="dan@example.com", external_id="<d@x>").customer
        with self.assertRaises(ValidationError):
            actions.do_add_identity(dan, "email", "carol@example.com", actor=self.alice)

    def test_merging_two_profiles_moves_everything(self):
        dan_message = receive(
            channel="telegram", sender="555", external_id="t1", sender_name="Carol T."
        )
        dan = dan_message.customer
        actions.do_flag_customer(dan, kind="vip", reason="Big account", actor=self.sam)
        actions.check_merge_customers(dan, self.carol, actor=self.alice)
        dan.refresh_from_db()
        self.assertEqual(dan.merged_into, self.carol)
        self.assertEqual(
            set(Identity.objects.filter(customer=self.carol).values_list("kind", flat=True)),
            {"email", "telegram"},
        )
        self.assertEqual(Ticket.objects.filter(customer=self.carol).count(), 2)
        self.assertTrue(CustomerFlag.objects.filter(customer=self.carol, kind="vip").exists())
        # The next Telegram message now finds Carol.
        self.assertEqual(
            receive(channel="telegram", sender="555", external_id="t2").customer, self.carol
        )
        self.assertTrue(
            Event.objects.filter(customer=self.carol, kind=EventKind.CUSTOMER_MERGED).exists()
        )

    def test_a_flag_records_who_and_why_and_is_not_doubled(self):
        flag = actions.check_flag_customer(
            self.carol, kind="abusive", reason="Insulted the agent on the phone", actor=self.alice
        )
        again = actions.check_flag_customer(
            self.carol, kind="abusive", reason="Again", actor=self.bob
        )
        self.assertEqual(flag, again)
        self.assertEqual(flag.set_by, self.alice)
        self.assertTrue(flag.is_active)

    def test_a_flag_needs_a_reason(self):
        with self.assertRaises(ValidationError):
            actions.check_flag_customer(self.carol, kind="abusive", reason=" ", actor=self.alice)

    def test_a_cleared_flag_stays_in_the_record(self):
        flag = actions.do_flag_customer(
            self.carol, kind="legal_threat", reason="Lawyer letter", actor=self.alice
        )
        actions.do_clear_flag(flag, actor=self.sam)
        flag.refresh_from_db()
        self.assertFalse(flag.is_active)
        self.assertEqual(flag.cleared_by, self.sam)
        kinds = set(Event.objects.filter(customer=self.carol).values_list("kind", flat=True))
        self.assertTrue({EventKind.CUSTOMER_FLAGGED, EventKind.CUSTOMER_UNFLAGGED} <= kinds)

    def test_an_internal_customer_is_marked_as_such(self):
        actions.do_update_customer(self.carol, actor=self.alice, kind="internal")
        self.assertEqual(Customer.objects.get(pk=self.carol.pk).kind, "internal")


class MergeFlagsTest(BaseTestCase):
    def test_merging_two_flagged_profiles_keeps_one_flag_per_kind(self):
        other = receive(channel="telegram", sender="1", external_id="t1").customer
        actions.do_flag_customer(self.carol, kind="abusive", reason="first", actor=self.alice)
        actions.do_flag_customer(other, kind="abusive", reason="second", actor=self.bob)
        actions.check_merge_customers(other, self.carol, actor=self.alice)
        active = CustomerFlag.objects.filter(customer=self.carol, cleared_at=None)
        self.assertEqual([f.reason for f in active], ["first"])
