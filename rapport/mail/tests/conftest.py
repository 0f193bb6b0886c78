import imaplib
import itertools

import pytest

from rapport.accounts.models import Team
from rapport.mail.models import Mailbox, Security

from .servers import Dovecot, Sink

_users = itertools.count()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks (acknowledgements) run as they are queued, as a worker would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink():
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def imap_user(dovecot):
    """A fresh IMAP account (empty INBOX) for one test: (username, password)."""
    return f"support{next(_users)}@rapport.test", "secret"


def append(dovecot, user, raw: bytes, folder: str = "INBOX") -> None:
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(user[0], user[1])
    client.append(folder, None, None, raw)
    client.logout()


@pytest.fixture
def mailbox(db, dovecot, imap_user, smtp_sink):
    team = Team.objects.create(name="Support", is_default=True)
    box = Mailbox(
        name="Support",
        address="help@shop.test",
        from_name="Shop support",
        team=team,
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security=Security.NONE,
        imap_username=imap_user[0],
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security=Security.NONE,
        signature="Shop support team",
    )
    box.imap_password = "secret"
    box.save()
    return box
