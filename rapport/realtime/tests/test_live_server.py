"""The `asgi_live_server` fixture (rapport/conftest.py): the ASGI app under uvicorn, on the
test database, with the relay started by ASGI lifespan (CH1)."""

import urllib.request

import pytest

from rapport.realtime import relay
from rapport.test import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_serves_pages_from_the_test_database(asgi_live_server):
    make_agent("alice")
    with urllib.request.urlopen(f"{asgi_live_server.url}/login/") as response:  # noqa: S310
        assert response.status == 200
        assert b'name="username"' in response.read()
    assert relay.serving()


def test_the_process_stops_serving_when_the_server_stops(asgi_live_server):
    assert relay.serving()


def test_without_the_server_the_process_is_not_the_web_process():
    assert not relay.serving()
