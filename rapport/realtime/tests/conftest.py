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
