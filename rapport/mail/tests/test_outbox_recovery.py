"""A worker that dies while sending a reply (bench/fault.py SIGKILLs them): before it handed the
message to the SMTP server, nothing went out and the outbox sends it again; after, it might
have gone out and is never sent twice automatically (docs/outbox.md, TR1, CH2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryState
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Ticket

from .test_roundtrip import agent, mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(mailbox):
    from rapport.mail.transport import receive_mail

    receive_mail(mail()[0], mailbox, source="test")
    Delivery.objects.all().delete()  # not the acknowledgement, for clarity
    message = do_reply(Ticket.objects.get(), author=agent(mailbox.team), body_text="Ответ 答复")
    return Delivery.objects.get(message=message)


def test_a_claim_whose_worker_died_before_handing_over_is_sent_again_once(reply, smtp_sink):
    assert outbox._claim(reply.pk)  # a worker claims it, then is killed while connecting
    Delivery.objects.filter(pk=reply.pk).update(
        started_at=timezone.now() - outbox.UNSENT_AFTER - timedelta(seconds=1)
    )
    assert outbox.flush_due() == 1
    reply.refresh_from_db()
    assert reply.state == DeliveryState.SENT
    assert reply.attempts == 2
    assert [m["raw"].count(b"Message-ID") for m in smtp_sink.messages] == [1]
    assert outbox.flush_due() == 0


def test_a_fresh_claim_is_left_to_its_worker(reply, smtp_sink):
    assert outbox._claim(reply.pk)
    assert outbox.flush_due() == 0  # still within UNSENT_AFTER: its worker may be connecting
    assert Delivery.objects.get(pk=reply.pk).state == DeliveryState.SENDING
    assert smtp_sink.messages == []


def test_a_worker_whose_claim_was_taken_back_does_not_send(reply, smtp_sink):
    assert outbox._claim(reply.pk)
    slow = Delivery.objects.get(pk=reply.pk)  # the slow worker's view of its claim
    Delivery.objects.filter(pk=reply.pk).update(
        started_at=timezone.now() - outbox.UNSENT_AFTER - timedelta(seconds=1)
    )
    assert outbox.flush_due() == 1  # taken back and sent by the sweep
    with pytest.raises(outbox.ClaimLost):
        outbox.handing_over(slow)  # the slow worker reaches its point of no return: stops
    assert len(smtp_sink.messages) == 1


def test_handing_over_is_recorded_before_the_bytes_leave(reply, smtp_sink, monkeypatch):
    from rapport.mail import outbound

    seen = []
    real = outbound.handing_over

    def spy(delivery):
        real(delivery)
        seen.append(Delivery.objects.values_list("state", "sent_at").get(pk=delivery.pk))
        assert smtp_sink.messages == []

    monkeypatch.setattr(outbound, "handing_over", spy)
    assert outbox.do_deliver(reply.pk).state == DeliveryState.SENT
    assert seen[0][0] == DeliveryState.SENDING and seen[0][1] is not None
    assert len(smtp_sink.messages) == 1
