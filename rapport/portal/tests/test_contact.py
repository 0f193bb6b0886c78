"""The public contact form goes through the one intake path (CH1, TR1) and refuses bots with
clear messages (docs/portal.md)."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from rapport.customers.models import Identity
from rapport.intake.actions import do_drain
from rapport.intake.models import InboundRaw, RawState
from rapport.lib.channels import Channel
from rapport.portal import limits
from rapport.tickets.models import Attachment

pytestmark = pytest.mark.django_db


def _post(client, language="en", **fields):
    data = {
        "name": "Dmitri",
        "email": "Dmitri@Example.com",
        "subject": "Broken kettle",
        "text": "The kettle I bought last week does not switch on.",
        "stamp": limits.form_stamp(at=time.time() - 30),
        "submission": fields.pop("submission", "a" * 32),
        **fields,
    }
    return client.post(reverse("portal-contact", args=[language]), data)


def test_the_form_is_stored_raw_and_becomes_a_ticket_with_its_attachment(client):
    page = client.get(reverse("portal-contact", args=["ru"]))
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    assert b'name="website"' in page.content  # the honeypot
    photo = SimpleUploadedFile("kettle.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")
    response = _post(client, "ru", files=[photo])
    assert response.status_code == 302

    raw = InboundRaw.objects.get(channel=Channel.WEBFORM)
    # Raw first: the bytes as received, the file inside them.
    stored = json.loads(bytes(raw.raw))
    assert stored["text"].startswith("The kettle")
    assert stored["attachments"][0]["filename"] == "kettle.png"
    assert raw.state == RawState.PROCESSED
    message = raw.message
    ticket = message.ticket
    assert ticket.channel == Channel.WEBFORM
    assert ticket.subject == "Broken kettle"
    # The same e-mail identity as the mail channel's: one customer profile.
    identity = Identity.objects.get(kind="email", value="dmitri@example.com")
    assert ticket.customer_id == identity.customer_id
    assert identity.customer.language == "ru"
    attachment = Attachment.objects.get(message=message)
    assert attachment.filename == "kettle.png"
    assert attachment.file.read() == b"\x89PNG\r\n\x1a\nfake"

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert f"#{ticket.pk}".encode() in confirmation.content
    assert reverse("help-home", args=["ru"]).encode() in confirmation.content


def test_a_double_submit_is_stored_once(client):
    _post(client)
    _post(client)
    assert InboundRaw.objects.filter(channel=Channel.WEBFORM).count() == 1


@override_settings(RAPPORT_INTAKE_DEFERRED=True)
def test_deferred_intake_stores_it_and_the_worker_makes_the_ticket(client):
    response = _post(client)
    raw = InboundRaw.objects.get(channel=Channel.WEBFORM)
    assert raw.state == RawState.RECEIVED
    pending = client.get(response["Location"])
    assert f"R-{raw.pk}".encode() in pending.content
    assert do_drain() == 1
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED
    done = client.get(response["Location"])
    assert f"#{raw.message.ticket_id}".encode() in done.content


def test_the_honeypot_refuses_with_a_clear_message(client):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 400
    assert b"filled in by a program" in response.content
    assert not InboundRaw.objects.exists()


def test_a_form_sent_too_fast_or_with_a_forged_stamp_is_refused(client):
    fast = _post(client, stamp=limits.form_stamp())
    assert fast.status_code == 400
    assert b"too quickly" in fast.content
    forged = _post(client, stamp=str(int(time.time()) - 60))
    assert forged.status_code == 400
    assert b"expired" in forged.content
    assert not InboundRaw.objects.exists()
    # The refused form keeps what was typed, with a fresh stamp.
    assert b"The kettle I bought" in fast.content


def test_one_address_is_limited_per_window(client):
    for n in range(limits.CONTACT_PER_IP):
        assert _post(client, submission=f"{n:032x}").status_code == 302
    refused = _post(client, submission="f" * 32)
    assert refused.status_code == 429
    assert b"Too many requests" in refused.content
    assert InboundRaw.objects.count() == limits.CONTACT_PER_IP


def test_a_file_of_a_dangerous_type_is_refused(client):
    page = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    response = _post(client, files=[page])
    assert response.status_code == 400
    assert b"cannot be attached" in response.content
    assert not InboundRaw.objects.exists()


def test_posting_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = _post(client)
    assert response.status_code == 403


def test_an_unknown_language_is_a_404(client):
    assert client.get("/contact/de/").status_code == 404
