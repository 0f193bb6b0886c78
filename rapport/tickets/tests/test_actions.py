"""Ticket actions: lifecycle (TR2), replies, notes (TR3), assignment (TR1), merge and split."""

from django.core.exceptions import PermissionDenied, ValidationError

from rapport.test import BaseTestCase, receive
from rapport.tickets import actions
from rapport.tickets.models import Event, EventKind, Status, Ticket


class LifecycleTest(BaseTestCase):
    def test_a_reply_records_the_first_response_and_takes_the_ticket(self):
        reply = actions.check_reply(self.carol_ticket, author=self.alice, body_text="We're on it.")
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.first_response_at, reply.created_at)
        self.assertEqual(ticket.assignee, self.alice)
        self.assertEqual(ticket.status, Status.OPEN)
        self.assertEqual(reply.direction, "out")
        self.assertEqual(reply.customer, self.carol)

    def test_a_later_reply_keeps_the_first_response_time(self):
        first = actions.do_reply(self.carol_ticket, author=self.alice, body_text="One")
        actions.do_reply(self.carol_ticket, author=self.bob, body_text="Two")
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.first_response_at, first.created_at)
        self.assertEqual(ticket.assignee, self.alice)

    def test_a_reply_can_set_the_status_after_sending(self):
        actions.check_reply(
            self.carol_ticket, author=self.alice, body_text="Done.", status_after=Status.SOLVED
        )
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.status, Status.SOLVED)
        self.assertIsNotNone(ticket.solved_at)

    def test_an_empty_reply_is_refused(self):
        with self.assertRaises(ValidationError):
            actions.check_reply(self.carol_ticket, author=self.alice, body_text="   ")

    def test_the_lifecycle_refuses_impossible_transitions(self):
        actions.check_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        with self.assertRaises(ValidationError):
            actions.check_change_status(self.carol_ticket, Status.PENDING, actor=self.alice)

    def test_a_closed_ticket_can_be_reopened(self):
        actions.check_change_status(self.carol_ticket, Status.CLOSED, actor=self.alice)
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertIsNotNone(ticket.closed_at)
        actions.check_change_status(ticket, Status.OPEN, actor=self.alice)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.OPEN)
        self.assertIsNone(ticket.closed_at)

    def test_every_change_is_in_the_event_log_with_before_and_after(self):
        actions.check_change_status(self.carol_ticket, Status.PENDING, actor=self.alice)
        actions.do_set_priority(self.carol_ticket, 4, actor=self.alice)
        actions.do_set_tags(self.carol_ticket, ["Delivery", "вопрос"], actor=self.alice)
        actions.do_set_summary(self.carol_ticket, "Waiting for the courier", actor=self.alice)
        events = {e.kind: e for e in Event.objects.filter(ticket=self.carol_ticket)}
        self.assertEqual(
            (events[EventKind.STATUS].before, events[EventKind.STATUS].after), ("new", "pending")
        )
        self.assertEqual(events[EventKind.STATUS].actor, self.alice)
        self.assertEqual(
            (events[EventKind.PRIORITY].before, events[EventKind.PRIORITY].after), (2, 4)
        )
        self.assertEqual(events[EventKind.TAGS].after, ["delivery", "вопрос"])
        self.assertEqual(events[EventKind.SUMMARY].after, "Waiting for the courier")

    def test_a_note_is_internal_and_logged(self):
        note = actions.check_add_note(self.carol_ticket, author=self.bob, body="Called courier")
        self.assertEqual(note.author, self.bob)
        self.assertTrue(
            Event.objects.filter(kind=EventKind.NOTE_ADDED, after={"note": note.pk}).exists()
        )


class AssignTest(BaseTestCase):
    def test_reassignment_keeps_the_history(self):
        actions.check_assign(self.carol_ticket, team=None, assignee=self.alice, actor=self.alice)
        actions.check_assign(self.carol_ticket, team=None, assignee=self.bob, actor=self.alice)
        changes = list(
            Event.objects.filter(ticket=self.carol_ticket, kind=EventKind.ASSIGNEE).values_list(
                "before", "after"
            )
        )
        self.assertEqual(changes, [(None, "Alice"), ("Alice", "Bob")])

    def test_an_agent_outside_the_team_cannot_be_assigned(self):
        with self.assertRaises(ValidationError):
            actions.check_assign(
                self.carol_ticket, team=None, assignee=self.charlie, actor=self.alice
            )

    def test_an_agent_cannot_move_a_ticket_to_a_team_of_which_they_are_not_a_member(self):
        with self.assertRaises(PermissionDenied):
            actions.check_assign(
                self.carol_ticket, team=self.billing, assignee=None, actor=self.alice
            )

    def test_a_supervisor_moves_tickets_between_teams(self):
        actions.check_assign(
            self.carol_ticket, team=self.billing, assignee=self.charlie, actor=self.sam
        )
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual((ticket.team, ticket.assignee), (self.billing, self.charlie))


class MergeSplitTest(BaseTestCase):
    def test_merging_moves_messages_and_notes_and_closes_the_source(self):
        other = receive(external_id="<dup@x>", subject="Order still missing").ticket
        actions.do_add_note(other, author=self.alice, body="Same problem as the first")
        actions.check_merge_tickets(other, self.carol_ticket, actor=self.alice)
        other.refresh_from_db()
        self.assertEqual(other.status, Status.CLOSED)
        self.assertEqual(other.merged_into, self.carol_ticket)
        self.assertEqual(self.carol_ticket.messages.count(), 2)
        self.assertEqual(self.carol_ticket.notes.count(), 1)
        self.assertTrue(
            Event.objects.filter(ticket=self.carol_ticket, kind=EventKind.MERGED).exists()
        )

    def test_a_reply_to_a_merged_ticket_threads_onto_the_one_it_was_merged_into(self):
        other_message = receive(external_id="<dup@x>", subject="Order still missing")
        actions.check_merge_tickets(other_message.ticket, self.carol_ticket, actor=self.alice)
        follow_up = receive(external_id="<dup-2@x>", in_reply_to=["<dup@x>"])
        self.assertEqual(follow_up.ticket, self.carol_ticket)

    def test_tickets_of_different_customers_are_not_merged(self):
        other = receive(sender="dan@example.com", external_id="<dan@x>").ticket
        with self.assertRaises(ValidationError):
            actions.check_merge_tickets(other, self.carol_ticket, actor=self.alice)

    def test_splitting_a_message_opens_a_ticket_for_the_other_problem(self):
        second = receive(
            external_id="<2@x>",
            in_reply_to=["<carol-1@example.com>"],
            body_text="Also, my invoice is wrong.",
        )
        new = actions.check_split_message(second, actor=self.alice, subject="Wrong invoice")
        self.assertEqual(new.subject, "Wrong invoice")
        self.assertEqual(new.customer, self.carol)
        self.assertEqual(new.team, self.support)
        second.refresh_from_db()
        self.assertEqual(second.ticket, new)
        self.assertEqual(second.split_from, self.carol_ticket)
        self.assertEqual(self.carol_ticket.messages.count(), 1)

    def test_the_only_message_cannot_be_split_off(self):
        with self.assertRaises(ValidationError):
            actions.check_split_message(self.carol_ticket.messages.get(), actor=self.alice)


class MergeReopenTest(BaseTestCase):
    def test_merging_an_open_ticket_into_a_solved_one_reopens_it(self):
        other = receive(external_id="<later@x>", subject="Still broken").ticket
        actions.do_change_status(self.carol_ticket, Status.SOLVED, actor=self.alice)
        self.carol_ticket.refresh_from_db()
        actions.check_merge_tickets(other, self.carol_ticket, actor=self.alice)
        self.carol_ticket.refresh_from_db()
        self.assertEqual(self.carol_ticket.status, Status.OPEN)

    def test_a_late_delivery_does_not_move_last_activity_backwards(self):
        from datetime import timedelta

        before = Ticket.objects.get(pk=self.carol_ticket.pk).updated_at
        receive(
            external_id="<old@x>",
            in_reply_to=["<carol-1@example.com>"],
            received_at=before - timedelta(days=2),
        )
        self.assertEqual(Ticket.objects.get(pk=self.carol_ticket.pk).updated_at, before)
