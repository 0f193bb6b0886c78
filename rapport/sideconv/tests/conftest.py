import pytest

from rapport.mail.tests.servers import Sink


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
