import pytest

from rapport.mail.tests.servers import Sink
from rapport.test import Personas


@pytest.fixture
def world(db):
    """The personas of rapport/test.py (Alice, Bob, Sam, Charlie; Carol and her ticket)."""

    class World(Personas):
        pass

    World.create_personas()
    return World


@pytest.fixture(scope="module")
def smtp_sink():
    """A real SMTP server (aiosmtpd on a loopback port) that keeps what it receives."""
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(smtp_sink):
    smtp_sink.messages.clear()
    smtp_sink.fail_next.clear()
    return smtp_sink


@pytest.fixture
def mailbox(world, sink):
    from rapport.mail.models import Mailbox, Security

    return Mailbox.objects.create(
        name="Support",
        address="help@shop.test",
        from_name="Shop support",
        team=world.support,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security=Security.NONE,
        signature="Shop support team",
        ack_enabled=False,
    )
