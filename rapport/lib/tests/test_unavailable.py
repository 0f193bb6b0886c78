"""A database outage answers 503 with Retry-After, not 500 (TR1; bench/fault.py's PostgreSQL
restart showed one 500 on the API during the restart)."""

import psycopg
import pytest
from django.db import OperationalError, ProgrammingError
from django.test import Client, override_settings
from django.urls import path

from rapport.lib.unavailable import is_database_unavailable


def _closed(request):
    try:
        raise psycopg.OperationalError(
            "consuming input failed: server closed the connection unexpectedly"
        )
    except psycopg.OperationalError as cause:
        raise OperationalError(str(cause)) from cause


def _locked(request):
    raise OperationalError("database is locked")


def _missing_table(request):
    raise OperationalError("no such table: tickets_ticket")


urlpatterns = [
    path("api/v1/closed/", _closed),
    path("closed/", _closed),
    path("locked/", _locked),
    path("missing/", _missing_table),
]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF=__name__)
def test_a_lost_connection_answers_503_with_retry_after(client, db):
    response = client.get("/api/v1/closed/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.json()["detail"]
    page = client.get("/closed/")
    assert page.status_code == 503 and page["Content-Type"].startswith("text/plain")
    assert client.get("/locked/").status_code == 503


@override_settings(ROOT_URLCONF=__name__)
def test_a_real_error_stays_a_server_error(client, db):
    assert client.get("/missing/").status_code == 500


def test_the_classification():
    assert is_database_unavailable(OperationalError("the database system is shutting down"))
    assert not is_database_unavailable(OperationalError("no such column: x"))
    assert not is_database_unavailable(ProgrammingError("syntax error"))
    assert not is_database_unavailable(ValueError("server closed the connection"))
