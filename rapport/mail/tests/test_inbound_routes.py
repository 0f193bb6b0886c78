"""The other two inbound routes (CH2): the raw-MIME HTTP endpoint and the SMTP listener."""

import base64
import smtplib
from email.header import Header

import pytest
from django.test import Client

from rapport.accounts.models import Team
from rapport.intake.models import InboundRaw, RawState
from rapport.mail.models import Mailbox
from rapport.mail.smtpd import make_controller
from rapport.tickets.models import Ticket

from .servers import free_port

SUBJECT = Header("订单还没有到", "gb2312").encode()
RAW = (
    f"From: =?UTF-8?B?5byg5Lyf?= <zhang@example.cn>\r\nTo: help@shop.test\r\n"
    f"Subject: {SUBJECT}\r\nMessage-ID: <cn-1@example.cn>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=GB2312\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
).encode() + base64.b64encode("我的订单还没有到，请问什么时候发货？".encode("gb18030"))


@pytest.fixture
def box(db):
    team = Team.objects.create(name="Support", is_default=True)
    return Mailbox.objects.create(
        name="Support", address="help@shop.test", team=team, ack_enabled=False
    )


def test_the_endpoint_stores_a_raw_message_once(box):
    client = Client()
    url = f"/mail/inbound/{box.pk}/"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {box.inbound_token}"}
    response = client.post(url, RAW, content_type="message/rfc822", **headers)
    assert response.status_code == 202
    assert response.json()["state"] == "processed"
    ticket = Ticket.objects.get()
    assert ticket.subject == "订单还没有到"
    assert ticket.customer.name == "张伟"
    assert ticket.messages.get().body_text == "我的订单还没有到，请问什么时候发货？"
    again = client.post(url, RAW, content_type="message/rfc822", **headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert InboundRaw.objects.count() == 1
    # The parsed texts live on the message; the stored record keeps the bytes and the rest.
    stored = InboundRaw.objects.get()
    assert bytes(stored.raw) == RAW
    assert stored.payload["parsed"] is True and stored.payload["sender"] == "zhang@example.cn"
    assert stored.payload["hints"] == {"mailbox": box.pk, "source": "http"}
    assert "body_text" not in stored.payload


def test_the_endpoint_refuses_a_wrong_token_and_an_empty_body(box):
    client = Client()
    url = f"/mail/inbound/{box.pk}/"
    assert (
        client.post(
            url, RAW, content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer wrong"
        ).status_code
        == 403
    )
    assert client.post(url, RAW, content_type="message/rfc822").status_code == 403
    assert (
        client.post(
            url,
            b"  ",
            content_type="message/rfc822",
            HTTP_AUTHORIZATION=f"Bearer {box.inbound_token}",
        ).status_code
        == 400
    )
    assert client.get(url).status_code == 405
    assert InboundRaw.objects.count() == 0


def test_the_endpoint_quarantines_what_it_cannot_parse(box):
    response = Client().post(
        f"/mail/inbound/{box.pk}/",
        b"\x00\xff garbage without headers",
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {box.inbound_token}",
    )
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == RawState.QUARANTINED
    assert body["error"]
    assert InboundRaw.objects.get().raw == b"\x00\xff garbage without headers"


@pytest.mark.django_db(transaction=True)
def test_the_smtp_listener_stores_mail_for_our_addresses_only():
    team = Team.objects.create(name="Support", is_default=True)
    Mailbox.objects.create(name="Support", address="help@shop.test", team=team, ack_enabled=False)
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            refused = smtp.sendmail("zhang@example.cn", ["help@shop.test"], RAW)
            assert refused == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("zhang@example.cn", ["nobody@shop.test"], RAW)
    finally:
        controller.stop()
    ticket = Ticket.objects.get()
    assert ticket.messages.get().body_text.startswith("我的订单")
    assert InboundRaw.objects.get().payload["hints"]["source"] == "smtp"


def test_agents_can_view_the_original_message_and_outsiders_cannot(box):
    from rapport.accounts.models import User

    Client().post(
        f"/mail/inbound/{box.pk}/",
        RAW,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {box.inbound_token}",
    )
    message = Ticket.objects.get().messages.get()
    alice = User.objects.create_user("alice", password="x")  # noqa: S106
    box.team.members.add(alice)
    charlie = User.objects.create_user("charlie", password="x")  # noqa: S106
    client = Client()
    client.force_login(alice)
    response = client.get(f"/messages/{message.pk}/original/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Message-ID: <cn-1@example.cn>" in response.content
    page = client.get(f"/tickets/{message.ticket_id}/")
    assert f"/messages/{message.pk}/original/".encode() in page.content
    client.force_login(charlie)
    assert client.get(f"/messages/{message.pk}/original/").status_code == 404
