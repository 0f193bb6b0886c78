import pytest

from rapport.mail.tests.servers import Sink
from rapport.test import Personas


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks (the sign-in mail) run as they are queued, as a worker would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def world(db):
    """The personas of rapport/test.py (Alice, Bob, Sam, Charlie; Carol and her ticket)."""

    class World(Personas):
        pass

    World.create_personas()
    return World


@pytest.fixture
def smtp_sink():
    """The real SMTP test server rapport/mail's tests use (aiosmtpd on a loopback port)."""
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(world, smtp_sink):
    from rapport.mail.models import Mailbox, Security

    return Mailbox.objects.create(
        name="Support",
        address="help@shop.test",
        from_name="Shop support",
        team=world.support,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security=Security.NONE,
    )
