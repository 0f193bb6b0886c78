"""Secrets never reach the logs, even at DEBUG: passwords (right and mistyped), API tokens,
mailbox passwords (docs/security.md). Everything runs for real — the log-in form, the API,
the admin's mailbox form, a real IMAP server (Dovecot) and SMTP server (aiosmtpd) — with every
logger at DEBUG and SQL logged with its parameters; then the captured logs, stdout and stderr
are searched for each secret."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.urls import reverse

from rapport.accounts.models import Role, Team
from rapport.mail import imap
from rapport.mail.admin import MailboxForm
from rapport.mail.tests.servers import Dovecot, Sink
from rapport.outbox.actions import flush_due
from rapport.test import make_agent, receive
from rapport.tickets.actions import do_reply

pytestmark = pytest.mark.django_db

PASSWORD = "Лампа-Sekr3t-пароль-9f2c"
TYPO = "Лампа-Sekr3t-пароль-9f2d"
IMAP_PASSWORD = "imap-S3cret-7d1c0e"
SMTP_PASSWORD = "smtp-S3cret-2e8b5a"


@pytest.fixture
def servers():
    dovecot, sink = Dovecot().start(), Sink().start()
    yield dovecot, sink
    sink.stop()
    dovecot.stop()


def test_no_secret_is_logged_at_debug(client, caplog, capfd, servers, settings):
    dovecot, sink = servers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "django.request", "imapclient", "rapport"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # SQL with its parameters, as DEBUG=True would
    try:
        team = Team.objects.create(name="Support", is_default=True)
        dana = make_agent("dana", role=Role.ADMIN, teams=[team], is_staff=True, is_superuser=True)
        dana.set_password(PASSWORD)
        dana.save()

        # Log-in: a typo first (a near miss of the real password), then the password.
        client.post(reverse("login"), {"username": "dana", "password": TYPO})
        response = client.post(reverse("login"), {"username": "dana", "password": PASSWORD})
        assert response.status_code == 302

        # An API token: made on the tokens page (shown once), used, and a wrong one tried.
        page = client.post(reverse("api-tokens"), {"name": "CI", "scope": "write"})
        token = re.search(r"rpt_[A-Za-z0-9_\-]+", page.content.decode()).group(0)
        api = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.status_code == 200
        client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {token[:-2]}zz")

        # A mailbox set up through the admin's form; IMAP with a password Dovecot refuses,
        # SMTP with a login the server does not offer: both fail, and are logged.
        form = MailboxForm(
            data={
                "name": "Support",
                "address": "help@shop.test",
                "team": team.pk,
                "is_active": "on",
                "imap_host": "127.0.0.1",
                "imap_port": dovecot.port,
                "imap_security": "none",
                "imap_username": "support0@rapport.test",
                "imap_password": IMAP_PASSWORD,
                "imap_folder": "INBOX",
                "smtp_host": "127.0.0.1",
                "smtp_port": sink.port,
                "smtp_security": "none",
                "smtp_username": "support",
                "smtp_password": SMTP_PASSWORD,
                "ack_templates": "{}",
                "max_attachment_bytes": 1000000,
            }
        )
        assert form.is_valid(), form.errors
        mailbox = form.save()
        with pytest.raises(Exception):  # noqa: B017 — whatever the IMAP library raises
            imap.poll(mailbox)
        message = receive(sender="carol@example.com", subject="Hello", team_id=team.pk)
        do_reply(message.ticket, author=dana, body_text="Hello Carol, here is the answer.")
        flush_due()
    finally:
        connection.force_debug_cursor = False

    captured = capfd.readouterr()
    logs = "\n".join(
        [caplog.text, captured.out, captured.err]
        + [repr(r.args) for r in caplog.records]
        + [str(r.exc_info) for r in caplog.records if r.exc_info]
    )
    assert len(caplog.records) > 50  # it really logged, at DEBUG
    assert "imapclient" in logs and "SELECT" in logs  # IMAP and SQL among it
    for secret in (PASSWORD, TYPO, token, IMAP_PASSWORD, SMTP_PASSWORD):
        assert secret not in logs, f"{secret[:6]}… is in the logs"
