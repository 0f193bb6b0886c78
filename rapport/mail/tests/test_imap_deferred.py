"""With deferred intake the mail worker only stores what it fetches over IMAP; the intake worker
turns it into tickets (docs/intake.md), so a fetched backlog never holds up the outbox's sends
(found by bench/fault.py). Exactly once either way (TR1)."""

import pytest

from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.mail import imap
from rapport.mail.models import Mailbox
from rapport.tickets.models import Ticket

from .conftest import append
from .test_roundtrip import mail

pytestmark = pytest.mark.django_db


def test_imap_mail_is_stored_then_processed_by_the_intake_worker(
    mailbox, dovecot, imap_user, settings
):
    settings.RAPPORT_INTAKE_DEFERRED = True
    for n in range(3):
        append(dovecot, imap_user, mail(subject=f"Проблема {n} 问题")[0])
    assert imap.poll(mailbox) == 3
    assert set(InboundRaw.objects.values_list("state", flat=True)) == {RawState.RECEIVED}
    assert Ticket.objects.count() == 0
    # Fetched again (the worker was killed before it recorded the last UID): stored once.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)
    mailbox.refresh_from_db()
    assert imap.poll(mailbox) == 0
    assert do_drain() == 3
    assert InboundRaw.objects.filter(state=RawState.PROCESSED).count() == 3
    assert Ticket.objects.count() == 3
