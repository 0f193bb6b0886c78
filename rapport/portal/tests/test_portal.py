"""The customer portal: e-mail magic links, own tickets only, replies through intake, notes
never shown, customer content escaped (docs/portal.md)."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.feedback.models import Level, Survey, SurveyState
from rapport.intake.models import InboundRaw
from rapport.lib.channels import Channel
from rapport.portal.actions import login_token
from rapport.portal.models import LoginLink
from rapport.test import receive
from rapport.tickets.actions import do_add_note, do_reply
from rapport.tickets.models import Direction

pytestmark = pytest.mark.django_db


def _ask_link(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("portal-login"), {"email": email})


def _sign_in(client, world):
    """Carol signs in with a link made by the real action (the mail itself is tested below)."""
    identity = world.carol.identities.get(kind="email")
    link = LoginLink.objects.create(identity=identity)
    response = client.post(reverse("portal-login-link", args=[login_token(link)]))
    assert response.status_code == 302
    return identity


def test_a_magic_link_comes_by_real_smtp_and_signs_in_once(
    client, world, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    response = _ask_link(client, "Carol@Example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.parsed()
    assert mail["To"] == "carol@example.com"
    assert "help@shop.test" in mail["From"]
    url = re.search(r"https?://\S+/portal/login/\S+/", mail.get_content()).group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path

    # Opening the link (or a mail scanner fetching it) does not use it up.
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert b"carol@example.com" in confirm.content
    signed_in = client.post(path)
    assert signed_in.status_code == 302
    home = client.get(reverse("portal-home"))
    assert world.carol_ticket.subject.encode() in home.content

    # Single use: the same link again, even from another browser, is refused.
    again = Client().post(path)
    assert again.status_code == 400
    assert b"used already" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, world, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    response = _ask_link(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert b"nobody@example.com" in response.content
    assert not LoginLink.objects.exists()
    assert smtp_sink.messages == []


def test_expired_and_tampered_links_are_refused(client, world):
    identity = world.carol.identities.get(kind="email")
    link = LoginLink.objects.create(
        identity=identity, created_at=timezone.now() - timedelta(minutes=16)
    )
    expired = client.post(reverse("portal-login-link", args=[login_token(link)]))
    assert expired.status_code == 400
    assert b"expired" in expired.content

    fresh = LoginLink.objects.create(identity=identity)
    token = login_token(fresh)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = client.post(reverse("portal-login-link", args=[tampered]))
    assert refused.status_code == 400
    assert b"not valid" in refused.content
    # A genuine signature over another link's id with a wrong nonce is no key either.
    fresh.nonce = "guessed"
    forged = client.post(reverse("portal-login-link", args=[login_token(fresh)]))
    assert forged.status_code == 400
    assert client.session.get("portal") is None


def test_the_portal_lists_only_the_customers_own_tickets(client, world):
    other = receive(sender="dave@example.com", subject="Dave's secret order")
    _sign_in(client, world)
    home = client.get(reverse("portal-home"))
    assert world.carol_ticket.subject.encode() in home.content
    assert b"Dave&#x27;s secret order" not in home.content
    assert b"Dave's secret order" not in home.content
    # IDOR: another customer's ticket id and its files look like no ticket at all.
    assert client.get(reverse("portal-ticket", args=[other.ticket_id])).status_code == 404
    assert (
        client.post(
            reverse("portal-ticket", args=[other.ticket_id]), {"text": "hi", "submission": "b" * 32}
        ).status_code
        == 404
    )
    attachment_url = reverse("portal-attachment", args=[other.ticket_id, 1])
    assert client.get(attachment_url).status_code == 404


def test_a_reply_goes_through_intake_onto_the_ticket(client, world):
    _sign_in(client, world)
    url = reverse("portal-ticket", args=[world.carol_ticket.pk])
    receipt = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    response = client.post(
        url, {"text": "Any news about my parcel?", "submission": "c" * 32, "files": [receipt]}
    )
    assert response.status_code == 302
    raw = InboundRaw.objects.get(channel=Channel.WEBFORM, external_id=f"portal:{'c' * 32}")
    message = raw.message
    assert message.ticket_id == world.carol_ticket.pk
    assert message.customer_id == world.carol.pk
    assert message.direction == Direction.IN
    assert message.attachments.get().filename == "receipt.pdf"
    page = client.get(url)
    assert b"Any news about my parcel?" in page.content
    download = client.get(
        reverse("portal-attachment", args=[world.carol_ticket.pk, message.attachments.get().pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 fake"


def test_internal_notes_are_never_shown_and_customer_content_is_escaped(client, world):
    do_add_note(world.carol_ticket, author=world.alice, body="Internal: customer is a reseller")
    do_reply(world.carol_ticket, author=world.alice, body_text="We are on it.", deliver=False)
    receive(
        external_id="<carol-xss@example.com>",
        ticket_id=world.carol_ticket.pk,
        body_text='<script>alert("x")</script><img src=x onerror=alert(1)>',
    )
    _sign_in(client, world)
    page = client.get(reverse("portal-ticket", args=[world.carol_ticket.pk]))
    assert page.status_code == 200
    assert b"We are on it." in page.content
    assert b"reseller" not in page.content
    assert b"<script>alert" not in page.content
    assert b"<img src=x" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_an_agent_session_is_no_portal_session_and_the_other_way_round(client, world):
    client.force_login(world.alice)
    home = client.get(reverse("portal-home"))
    assert world.carol_ticket.subject.encode() not in home.content
    assert b"Send me a sign-in link" in home.content
    ticket_page = client.get(reverse("portal-ticket", args=[world.carol_ticket.pk]))
    assert ticket_page.status_code == 302

    customer = Client()
    _sign_in(customer, world)
    assert customer.get(reverse("inbox")).status_code == 302  # to the desk's login
    assert customer.get(f"/tickets/{world.carol_ticket.pk}/").status_code in (302, 404)
    # Signing out ends the portal session.
    customer.post(reverse("portal-logout"))
    assert customer.get(reverse("portal-ticket", args=[world.carol_ticket.pk])).status_code == 302


def test_surveys_are_listed_with_their_answer_links(client, world):
    Survey.objects.create(
        ticket=world.carol_ticket,
        customer=world.carol,
        channel=Channel.EMAIL,
        state=SurveyState.SENT,
    )
    _sign_in(client, world)
    home = client.get(reverse("portal-home"))
    assert b"/feedback/s/" in home.content
    assert str(Level.AMAZED.label).encode() in home.content


def test_portal_forms_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("portal-login"), {"email": "carol@example.com"}).status_code == 403
