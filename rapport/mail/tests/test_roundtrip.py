"""Mail through real servers (CH2, TR1, RS3): customer → IMAP (Dovecot) → ticket → agent reply
→ SMTP (aiosmtpd) → customer reply → the same ticket."""

from email.utils import make_msgid

import pytest

from rapport.accounts.models import User
from rapport.intake.models import InboundRaw, RawState
from rapport.mail import imap
from rapport.mail.models import Mailbox
from rapport.outbox.actions import flush_due
from rapport.outbox.models import Delivery, DeliveryState
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Message, Participant, Ticket

from .conftest import append

pytestmark = pytest.mark.django_db


def mail(
    subject="Заказ не пришёл",
    body="Здравствуйте! Где мой заказ LH-1001?",
    sender="Ирина <irina@example.ru>",
    to="help@shop.test",
    headers="",
    msgid=None,
):
    msgid = msgid or make_msgid(domain="example.ru")
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {msgid}\r\n"
        f"Date: Mon, 23 Nov 2026 09:00:00 +0300\r\nMIME-Version: 1.0\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode(), msgid


def agent(team):
    user = User.objects.create_user("alice", password="x", first_name="Alice")  # noqa: S106
    team.members.add(user)
    return user


def test_a_conversation_round_trips_through_real_servers(mailbox, dovecot, imap_user, smtp_sink):
    raw, first_id = mail()
    append(dovecot, imap_user, raw)
    assert imap.poll(mailbox) == 1

    ticket = Ticket.objects.get()
    assert ticket.subject == "Заказ не пришёл"
    assert ticket.team == mailbox.team
    assert ticket.customer.name == "Ирина"
    first = ticket.messages.get(direction="in")
    assert first.external_id == first_id
    assert first.body_text == "Здравствуйте! Где мой заказ LH-1001?"

    # The acknowledgement (RS3) went out in the customer's language.
    assert flush_due() == 1
    ack = smtp_sink.parsed(0)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert "Здравствуйте" in ack.get_body(("plain",)).get_content()
    assert f"[Ticket#{ticket.pk}]" in ack["Subject"]

    # An agent replies; the outbox sends it through SMTP.
    alice = agent(mailbox.team)
    reply = do_reply(ticket, author=alice, body_text="Ирина, заказ будет завтра.")
    assert Delivery.objects.get(message=reply).state == DeliveryState.QUEUED
    assert flush_due() == 1
    assert Delivery.objects.get(message=reply).state == DeliveryState.SENT
    sent = smtp_sink.parsed(1)
    assert smtp_sink.messages[1]["to"] == ["irina@example.ru"]
    assert sent["In-Reply-To"] == first_id
    assert first_id in sent["References"]
    assert sent["X-Rapport-Ticket"] == str(ticket.pk)
    assert sent["Message-ID"] == Message.objects.get(pk=reply.pk).external_id
    assert "Alice" in sent["From"] and "help@shop.test" in sent["From"]
    assert "Ирина, заказ будет завтра." in sent.get_body(("plain",)).get_content()
    assert "Shop support team" in sent.get_body(("plain",)).get_content()
    assert sent.get_body(("html",)) is not None

    # The customer answers the reply: it lands on the same ticket.
    answer, _ = mail(
        subject=f"Re: {sent['Subject']}",
        body="Спасибо!\r\n\r\n> old",
        headers=f"In-Reply-To: {sent['Message-ID']}\r\n"
        f"References: {first_id} {sent['Message-ID']}\r\n",
    )
    append(dovecot, imap_user, answer)
    assert imap.poll(mailbox) == 1
    assert Ticket.objects.count() == 1
    last = ticket.messages.filter(direction="in").order_by("-created_at").first()
    assert last.body_text == "Спасибо!"
    assert last.body_quoted == "> old"
    assert flush_due() == 0  # no second acknowledgement


def test_fetching_the_mailbox_again_creates_nothing(mailbox, dovecot, imap_user):
    for n in range(3):
        append(dovecot, imap_user, mail(subject=f"Problem {n}")[0])
    assert imap.poll(mailbox) == 3
    # Forget where we were: the server still has the messages (now \Seen), fetch them all.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)
    mailbox.refresh_from_db()
    assert imap.poll(mailbox) == 0
    assert InboundRaw.objects.count() == 3
    assert Ticket.objects.count() == 3


def test_fetched_mail_is_marked_read_only_after_it_is_stored(
    mailbox, dovecot, imap_user, monkeypatch
):
    append(dovecot, imap_user, mail()[0])
    from rapport.mail import imap as imap_module

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(imap_module, "receive_mail", crash)
    with pytest.raises(RuntimeError):
        imap.poll(mailbox)
    monkeypatch.undo()
    client = imap.connect(mailbox)
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) != []  # not flagged: it will be fetched again
    client.logout()
    mailbox.refresh_from_db()
    assert "database went away" in mailbox.last_error
    assert imap.poll(mailbox) == 1
    client = imap.connect(mailbox)
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) == []
    client.logout()


def test_fetched_mail_can_be_moved_to_an_archive_folder(mailbox, dovecot, imap_user):
    client = imap.connect(mailbox)
    client.create_folder("Processed")
    client.logout()
    mailbox.imap_archive_folder = "Processed"
    mailbox.save()
    append(dovecot, imap_user, mail()[0])
    assert imap.poll(mailbox) == 1
    client = imap.connect(mailbox)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Processed")[b"EXISTS"] == 1
    client.logout()


def test_a_temporary_smtp_failure_is_retried_with_back_off(mailbox, smtp_sink):
    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    ticket = Ticket.objects.get()
    Delivery.objects.all().delete()  # not the acknowledgement, for clarity
    reply = do_reply(ticket, author=agent(mailbox.team), body_text="Answer")
    smtp_sink.fail_next = ["451 4.3.0 Try again later"]
    flush_due()
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.QUEUED
    assert "451" in delivery.last_error
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > delivery.started_at
    assert flush_due() == 0  # not due yet
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.started_at)
    assert flush_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 2
    assert len(smtp_sink.messages) == 1


def test_a_permanent_smtp_failure_is_shown_and_not_retried(mailbox, smtp_sink):
    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    ticket = Ticket.objects.get()
    Delivery.objects.all().delete()
    reply = do_reply(ticket, author=agent(mailbox.team), body_text="Answer")
    smtp_sink.fail_next = ["550 5.1.1 No such user"]
    flush_due()
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.FAILED
    assert "550" in delivery.last_error
    assert flush_due() == 0


def test_a_send_interrupted_by_a_crash_is_never_sent_twice_automatically(mailbox, smtp_sink):
    from datetime import timedelta

    from django.utils import timezone

    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    Delivery.objects.all().delete()
    reply = do_reply(Ticket.objects.get(), author=agent(mailbox.team), body_text="Answer")
    # A worker claimed it, handed it to the SMTP server and died before recording the outcome
    # (one that died before handing it over is sent again: test_outbox_recovery.py).
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(message=reply).update(
        state=DeliveryState.SENDING, started_at=an_hour_ago, sent_at=an_hour_ago
    )
    assert flush_due() == 0
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.FAILED
    assert "Interrupted" in delivery.last_error
    assert smtp_sink.messages == []


def test_a_cc_participant_replying_joins_the_ticket(mailbox, smtp_sink):
    from rapport.mail.transport import receive_mail

    raw, first_id = mail(headers="Cc: Boss <boss@example.ru>, help@shop.test\r\n")
    receive_mail(raw, mailbox, source="test")
    ticket = Ticket.objects.get()
    assert [p.customer.identities.get().value for p in Participant.objects.all()] == [
        "boss@example.ru"
    ]
    reply = do_reply(ticket, author=agent(mailbox.team), body_text="Answer")
    flush_due()
    sent = smtp_sink.parsed(-1)
    assert sent["Cc"] == "boss@example.ru"
    boss_reply, _ = mail(
        sender="Boss <boss@example.ru>",
        subject="Re: Заказ не пришёл",
        body="Please hurry.",
        headers=f"In-Reply-To: {Message.objects.get(pk=reply.pk).external_id}\r\n",
    )
    receive_mail(boss_reply, mailbox, source="test")
    assert Ticket.objects.count() == 1
    assert ticket.messages.filter(customer__identities__value="boss@example.ru").exists()


def test_replies_to_a_newsletter_from_many_people_stay_separate(mailbox):
    from rapport.mail.transport import receive_mail

    newsletter, news_id = mail(
        sender="news@shop.test",
        subject="Our November offers",
        to="subscribers@shop.test",
        body="Big sale!",
    )
    receive_mail(newsletter, mailbox, source="test")
    for n in range(3):
        answer, _ = mail(
            sender=f"reader{n}@example.com",
            subject="Re: Our November offers",
            body=f"Question {n}",
            headers=f"In-Reply-To: {news_id}\r\n",
        )
        receive_mail(answer, mailbox, source="test")
    assert Ticket.objects.count() == 4
    assert Ticket.objects.filter(customer__identities__value="reader1@example.com").count() == 1


def test_an_outlook_reply_with_a_rewritten_in_reply_to_threads_by_the_token(mailbox):
    from rapport.mail.transport import receive_mail

    raw, _ = mail()
    receive_mail(raw, mailbox, source="test")
    ticket = Ticket.objects.get()
    answer, _ = mail(
        subject=f"RE: Заказ не пришёл [Ticket#{ticket.pk}]",
        body="Ответ",
        headers="In-Reply-To: <garbled-by-outlook@exchange.local>\r\n",
    )
    receive_mail(answer, mailbox, source="test")
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 3  # question, acknowledgement, answer


def test_a_reply_without_references_threads_by_subject_when_recent(mailbox):
    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    for prefix in ("Ответ: ", "回复: ", "Re: Re: "):
        receive_mail(
            mail(subject=f"{prefix}Заказ не пришёл", body=prefix)[0], mailbox, source="test"
        )
    assert Ticket.objects.count() == 1
    other = mail(subject="Другой вопрос", body="x")[0]
    receive_mail(other, mailbox, source="test")
    assert Ticket.objects.count() == 2


def test_auto_replies_get_no_acknowledgement_and_change_no_status(mailbox):
    from rapport.mail.transport import receive_mail
    from rapport.tickets.actions import do_change_status

    receive_mail(mail()[0], mailbox, source="test")
    ticket = Ticket.objects.get()
    do_change_status(ticket, "pending", actor=None)
    ooo, _ = mail(
        subject=f"Автоматический ответ: Re: Заказ [Ticket#{ticket.pk}]",
        body="Я в отпуске",
        headers="Auto-Submitted: auto-replied\r\n",
    )
    receive_mail(ooo, mailbox, source="test")
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert ticket.messages.filter(auto="auto-reply").count() == 1
    new_ooo, _ = mail(
        sender="robot@example.com",
        subject="Out of office",
        body="Away",
        headers="Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n",
    )
    receive_mail(new_ooo, mailbox, source="test")
    acks = Message.objects.filter(auto="ack")
    assert acks.count() == 1  # only the customer's real first message was acknowledged


def test_a_bounce_marks_the_reply_that_bounced(mailbox, smtp_sink):
    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    ticket = Ticket.objects.get()
    reply = do_reply(ticket, author=agent(mailbox.team), body_text="Answer")
    flush_due()
    reply_id = Message.objects.get(pk=reply.pk).external_id
    bounce = (
        "From: MAILER-DAEMON@mx.example.ru\r\nTo: help@shop.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.ru\r\n\r\n"
        "Final-Recipient: rfc822; irina@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: help@shop.test\r\nTo: irina@example.ru\r\nMessage-ID: {reply_id}\r\n"
        "--B--\r\n"
    ).encode()
    receipt = receive_mail(bounce, mailbox, source="test")
    assert receipt.raw.state == RawState.IGNORED
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.FAILED
    assert "5.1.1" in delivery.last_error
    assert Ticket.objects.count() == 1
    assert not Message.objects.filter(customer__identities__value__startswith="mailer-daemon")
    assert ticket.events.filter(kind="delivery.failed").exists()


def test_mail_from_our_own_address_is_not_a_customer(mailbox):
    from rapport.mail.transport import receive_mail

    looped, _ = mail(sender="help@shop.test", subject="Re: something")
    receipt = receive_mail(looped, mailbox, source="test")
    assert receipt.raw.state == RawState.IGNORED
    assert Ticket.objects.count() == 0


def test_an_unparseable_message_is_quarantined_and_retried_after_a_fix(mailbox):
    from rapport.intake.actions import do_retry
    from rapport.mail.transport import receive_mail

    receipt = receive_mail(b"Subject: no sender\r\n\r\nwho wrote this?\r\n", mailbox, source="test")
    assert receipt.raw.state == RawState.QUARANTINED
    assert "no sender" in receipt.raw.error
    assert bytes(receipt.raw.raw).startswith(b"Subject: no sender")
    InboundRaw.objects.filter(pk=receipt.raw.pk).update(
        raw=b"From: found@example.com\r\nSubject: no sender\r\n\r\nwho wrote this?\r\n"
    )
    assert do_retry(receipt.raw.pk).state == RawState.PROCESSED
    assert Ticket.objects.get().customer.identities.get().value == "found@example.com"


def test_a_reply_with_attachments_goes_out_with_them(mailbox, smtp_sink):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    ticket = Ticket.objects.get()
    Delivery.objects.all().delete()
    client = Client()
    client.force_login(agent(mailbox.team))
    upload = SimpleUploadedFile("счёт.pdf", b"%PDF-1.4 invoice", content_type="application/pdf")
    response = client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Счёт во вложении.", "attachments": [upload]}
    )
    assert response.status_code == 302
    reply = ticket.messages.get(direction="out", auto="")
    assert reply.attachments.get().filename == "счёт.pdf"
    assert flush_due() == 1
    sent = smtp_sink.parsed(-1)
    attached = list(sent.iter_attachments())
    assert [a.get_filename() for a in attached] == ["счёт.pdf"]
    assert attached[0].get_content() == b"%PDF-1.4 invoice"


def test_the_worker_waits_with_imap_idle(mailbox):
    assert imap.wait_for_mail(mailbox, 1) is True  # Dovecot has IDLE: it waited, then returned
