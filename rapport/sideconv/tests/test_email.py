"""Side conversations by e-mail (MG6) through real servers: out by SMTP (aiosmtpd) with their
own threading, back in through the one intake path — into the side conversation, never onto
the customer's ticket and never as a new ticket."""

import smtplib
from email.utils import make_msgid

import pytest

from rapport.customers.models import Customer, Identity
from rapport.intake.models import InboundRaw, RawState
from rapport.mail.models import Mailbox, Security
from rapport.mail.smtpd import make_controller
from rapport.mail.tests.servers import Sink, free_port
from rapport.mail.transport import receive_mail
from rapport.notify.models import Notification
from rapport.sideconv.actions import check_open, check_post, do_close
from rapport.sideconv.mail import flush_due
from rapport.sideconv.models import DeliveryState, Direction, Kind, SideMessage, State
from rapport.test import BaseTestCase, Personas
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Event, EventKind, Participant, Ticket

QUESTION = "Склад, подскажите: заказ LH-1001 отгружен? 仓库请确认发货。"


def answer_mail(sent, body="Отгружен вчера, трек RR123.\n\n> " + QUESTION, **extra) -> bytes:
    """The warehouse's reply to the message `sent`, as its mail client writes it."""
    headers = {
        "From": "Склад <warehouse@depot.example>",
        "To": "help@shop.test",
        "Subject": f"Re: {sent['Subject']}",
        "Message-ID": make_msgid(domain="depot.example"),
        "In-Reply-To": sent["Message-ID"],
        "References": sent["Message-ID"],
        **extra,
    }
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if v is not None)
    return (
        f"{head}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    ).encode()


def open_with_warehouse(world, **kwargs):
    return check_open(
        world.carol_ticket,
        actor=world.alice,
        kind=Kind.EMAIL,
        address="Warehouse@Depot.example",
        body=QUESTION,
        **kwargs,
    )


class EmailTest(BaseTestCase):
    """On the personas' desk, with a mailbox that sends to a real SMTP server."""

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.addClassCleanup(cls.sink.stop)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mailbox = Mailbox.objects.create(
            name="Support",
            address="help@shop.test",
            from_name="Shop support",
            team=cls.support,
            smtp_host="127.0.0.1",
            smtp_port=cls.sink.port,
            smtp_security=Security.NONE,
            signature="Shop support team",
            ack_enabled=False,
        )

    def setUp(self):
        self.sink.messages.clear()
        self.sink.fail_next.clear()

    def test_the_question_goes_out_by_smtp_with_its_own_thread_token(self):
        side = open_with_warehouse(self, subject="Заказ LH-1001")
        assert flush_due() == 1
        assert len(self.sink.messages) == 1, list(
            SideMessage.objects.values("delivery_state", "last_error")
        )
        sent = self.sink.parsed()
        assert self.sink.messages[0]["to"] == ["warehouse@depot.example"]
        assert f"[Side#{side.token}]" in sent["Subject"]
        assert "[Ticket#" not in sent["Subject"]  # the customer's token would file replies there
        assert sent["Message-ID"].startswith(f"<rapport.side.{side.token}.")
        assert sent["X-Rapport-Ticket"] is None
        assert "help@shop.test" in sent["From"] and "Alice" in sent["From"]
        assert QUESTION in sent.get_body(("plain",)).get_content()
        raw = self.sink.messages[0]["raw"]
        assert b"carol@example.com" not in raw  # nothing of the customer goes to the other side
        message = side.messages.get()
        assert message.delivery_state == DeliveryState.SENT
        assert message.external_id == sent["Message-ID"]
        # The customer's conversation is untouched: no message, no delivery, no participant.
        assert self.carol_ticket.messages.count() == 1
        assert not Participant.objects.exists()

    def test_the_answer_lands_in_the_side_conversation_not_on_the_ticket(self):
        side = open_with_warehouse(self)
        flush_due()
        sent = self.sink.parsed()
        customers_before = Customer.objects.count()

        receipt = receive_mail(answer_mail(sent), self.mailbox, source="test")

        assert receipt.raw.state == RawState.IGNORED  # kept, with the reason, but no ticket
        assert f"side conversation {side.pk}" in receipt.raw.error
        assert Ticket.objects.count() == 1
        assert self.carol_ticket.messages.count() == 1
        assert Customer.objects.count() == customers_before  # the warehouse is not a customer
        assert not Identity.objects.filter(value="warehouse@depot.example").exists()
        answer = side.messages.get(direction=Direction.ANSWERED)
        assert answer.body_text == "Отгружен вчера, трек RR123."
        assert QUESTION in answer.body_quoted
        assert answer.sender == "warehouse@depot.example" and answer.sender_name == "Склад"
        assert answer.inbound_raw == receipt.raw
        # The ticket's history says the warehouse answered, without the text.
        event = Event.objects.filter(ticket=self.carol_ticket, kind=EventKind.SIDE_MESSAGE).last()
        assert event.after["direction"] == Direction.ANSWERED
        assert "RR123" not in str(event.after)
        assert Notification.objects.filter(user=self.alice, ticket=self.carol_ticket).exists()

        # Delivered twice (an IMAP re-fetch): stored once.
        again = receive_mail(
            answer_mail(sent, **{"Message-ID": answer.external_id}), self.mailbox, source="test"
        )
        assert again.duplicate
        assert side.messages.filter(direction=Direction.ANSWERED).count() == 1

        # Alice writes again: the e-mail continues the warehouse's thread.
        check_post(side, author=self.alice, body="Спасибо! А когда доставка?")
        flush_due()
        follow_up = self.sink.parsed()
        assert follow_up["In-Reply-To"] == answer.external_id
        assert sent["Message-ID"] in follow_up["References"]
        assert follow_up["Subject"].startswith("Re: ")

    def test_a_forwarded_answer_is_filed_by_the_subject_token_alone(self):
        """The warehouse forwarded the question to a colleague, who answers from another address
        with a fresh message: the token in the subject is enough (it cannot be guessed)."""
        side = open_with_warehouse(self)
        flush_due()
        sent = self.sink.parsed()
        raw = answer_mail(
            sent,
            body="Посылка у курьера.",
            **{"From": "ivan@depot.example", "In-Reply-To": None, "References": None},
        )
        receive_mail(raw, self.mailbox, source="test")
        assert side.messages.get(direction=Direction.ANSWERED).sender == "ivan@depot.example"
        assert Ticket.objects.count() == 1

    def test_an_unknown_token_and_a_customer_reply_take_the_ticket_path(self):
        open_with_warehouse(self)
        flush_due()
        forged = answer_mail(
            self.sink.parsed(),
            **{
                "From": "mallory@example.net",
                "Subject": "Hello [Side#AAAAAAAAAAAA]",
                "In-Reply-To": None,
                "References": None,
            },
        )
        receive_mail(forged, self.mailbox, source="test")
        assert Ticket.objects.filter(customer__identities__value="mallory@example.net").exists()

        # The customer answers Alice's reply: still their ticket, and the side conversation's
        # mail never reached them (the reply's references are the ticket's own).
        reply = do_reply(self.carol_ticket, author=self.alice, body_text="We are checking.")
        assert b"rapport.side." not in bytes(reply.delivery.raw)
        raw = (
            "From: carol@example.com\r\nTo: help@shop.test\r\n"
            f"Subject: Re: Where is my order? [Ticket#{self.carol_ticket.pk}]\r\n"
            f"Message-ID: {make_msgid()}\r\nIn-Reply-To: {reply.external_id}\r\n\r\nThanks!\r\n"
        ).encode()
        receive_mail(raw, self.mailbox, source="test")
        assert self.carol_ticket.messages.filter(body_text="Thanks!").exists()

    def test_an_answer_to_a_closed_side_conversation_opens_it_again(self):
        side = open_with_warehouse(self)
        flush_due()
        do_close(side, actor=self.alice)
        receive_mail(answer_mail(self.sink.parsed()), self.mailbox, source="test")
        side.refresh_from_db()
        assert side.state == State.OPEN
        kinds = list(
            Event.objects.filter(ticket=self.carol_ticket, kind__startswith="side.").values_list(
                "kind", flat=True
            )
        )
        assert kinds == [
            "side.opened",
            "side.message",
            "side.closed",
            "side.opened",
            "side.message",
        ]

    def test_an_out_of_office_is_kept_but_changes_nothing(self):
        side = open_with_warehouse(self)
        flush_due()
        do_close(side, actor=self.alice)
        raw = answer_mail(
            self.sink.parsed(), body="I am away until Monday.", **{"Auto-Submitted": "auto-replied"}
        )
        receive_mail(raw, self.mailbox, source="test")
        side.refresh_from_db()
        assert side.state == State.CLOSED
        assert side.messages.get(direction=Direction.ANSWERED).auto == "auto-reply"

    def test_refused_mail_is_retried_then_fails_and_a_bounce_marks_it(self):
        side = open_with_warehouse(self)
        self.sink.fail_next = ["451 4.3.0 Try later"]
        flush_due()
        message = SideMessage.objects.get(conversation=side)
        assert message.delivery_state == DeliveryState.QUEUED and message.attempts == 1
        assert "451" in message.last_error
        SideMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
        flush_due()
        message.refresh_from_db()
        assert message.delivery_state == DeliveryState.SENT
        assert len(self.sink.messages) == 1  # sent once

        bounce = (
            "From: MAILER-DAEMON@depot.example\r\nTo: help@shop.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: {make_msgid()}\r\nAuto-Submitted: auto-replied\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Final-Recipient: rfc822; warehouse@depot.example\r\nAction: failed\r\n"
            "Status: 5.1.1\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {message.external_id}\r\n\r\n--b--\r\n"
        ).encode()
        receipt = receive_mail(bounce, self.mailbox, source="test")
        message.refresh_from_db()
        assert message.delivery_state == DeliveryState.FAILED, receipt.raw.error
        assert Ticket.objects.count() == 1

    def test_refused_addresses(self):
        from django.core.exceptions import ValidationError

        for address in ("carol@example.com", "help@shop.test", ""):
            with pytest.raises(ValidationError):
                check_open(
                    self.carol_ticket,
                    actor=self.alice,
                    kind=Kind.EMAIL,
                    address=address,
                    body="?",
                )
        with pytest.raises(ValidationError):  # the ticket's own team: a note does that
            check_open(
                self.carol_ticket, actor=self.alice, kind=Kind.TEAM, team=self.support, body="?"
            )


@pytest.mark.django_db(transaction=True)
def test_end_to_end_through_the_smtp_listener(sink, settings):
    """Sent by the outbox path after commit (the task), answered through Rapport's own SMTP
    listener (aiosmtpd) and filed by intake: the whole round trip on real servers."""

    class World(Personas):
        pass

    World.create_personas()
    # From here, background tasks run as they are queued, as a worker would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    mailbox = Mailbox.objects.create(
        name="Support",
        address="help@shop.test",
        team=World.support,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security=Security.NONE,
        ack_enabled=False,
    )
    side = open_with_warehouse(World)  # committed: the task sends at once
    assert len(sink.messages) == 1
    sent = sink.parsed()
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("warehouse@depot.example", [mailbox.address], answer_mail(sent))
    finally:
        controller.stop()
    answer = side.messages.get(direction=Direction.ANSWERED)
    assert answer.body_text == "Отгружен вчера, трек RR123."
    assert InboundRaw.objects.get(pk=answer.inbound_raw_id).payload["hints"]["source"] == "smtp"
    assert Ticket.objects.count() == 1
    assert World.carol_ticket.messages.count() == 1
