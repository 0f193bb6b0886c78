"""Fixtures of the realtime tests."""

import pytest

from rapport.test import Personas


@pytest.fixture
def desk(transactional_db):
    """Alice and Bob (Support), Sam (supervisor), Charlie (Billing), Carol's Support ticket."""

    class Desk(Personas):
        pass

    Desk.create_personas()
    return Desk


@pytest.fixture(autouse=True)
def _close_kept_connections():
    """The web process's threads keep their database connections (rapport/realtime/threads.py):
    closed after each test, so none is left on the test database (PostgreSQL counts them, and
    refuses to drop a database with sessions)."""
    from rapport.realtime import threads

    yield
    threads.close_all()
