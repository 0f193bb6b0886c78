"""Schemathesis over the whole OpenAPI document (issue #10, TR1, MG5; docs/api.md "Fuzzing").

Every operation of `/api/v1/schema/`, every method, is called in-process (Django's WSGI handler:
the real middleware, authentication, actions and database) with a write-scoped token of Alice,
agent in Support, on cases Schemathesis generates from the document — valid ones (positive) and
ones the document forbids (negative). Each response must not be a server error, must have a
status code and content type the document lists, and its body must conform to the document's
schema for that status. The examples per operation and mode are few (`FUZZ_EXAMPLES`, default
6) so the suite stays fast; `bench/api_fuzz.py` runs thousands.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rapport.api.actions import do_create_token
from rapport.api.models import Scope
from rapport.customers.actions import do_update_customer, organisation_named
from rapport.followups.purchases import do_import_json
from rapport.kb.actions import do_create_article
from rapport.reviews.tests.helpers import make_source, take_in
from rapport.test import Personas, receive
from rapport.tickets.actions import do_add_note

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextmanager
def connections_kept():
    """A request's end closes the database connection: inside a test that would close the
    test's own transaction. Django's test Client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz(token: str, *, examples: int, derandomize: bool = True) -> tuple[Counter, list[str]]:
    """Run every operation × mode; returns (status codes seen, failure reports)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())
    headers = {"Authorization": f"Bearer {token}"}
    statuses: Counter = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=derandomize,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            def run(case):
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # every operation's failure is reported, not only the first
                failures.append(f"{operation.label} ({mode}):\n{str(exc)[:3000]}")
    return statuses, failures


def build_world() -> str:
    """The personas and one or more of everything the API shows, so that small ids (which
    Hypothesis tries first) find real rows of every kind; returns Alice's write token."""
    p = Personas
    p.create_personas()
    receive(sender="ivan@example.ru", subject="Где мой заказ?", body_text="Заказ не пришёл.")
    receive(sender="li@example.cn", subject="退款", body_text="我想退款，谢谢。")
    do_add_note(p.carol_ticket, author=p.alice, body="Called the courier; waiting for them.")
    do_update_customer(p.carol, actor=p.alice, organisation=organisation_named("Acme"))
    do_import_json(
        [
            {
                "external_id": "o-1",
                "purchased_at": "2026-01-05",
                "product": "Kettle",
                "email": "carol@example.com",
            }
        ]
    )
    do_create_article(
        p.alice, language="en", title="Returns", body="Send it back within **30 days**."
    )
    take_in(make_source(team=p.support), id="r-1")
    _token, raw = do_create_token(p.alice, name="fuzz", scope=Scope.WRITE)
    return raw


@pytest.mark.django_db
def test_no_operation_errs_or_strays_from_the_document(settings):
    # The budget is per token and window: the fuzzer would meet 429 after 600 requests.
    settings.RAPPORT_API_RATE_LIMIT = 1_000_000
    raw = build_world()
    examples = int(os.environ.get("FUZZ_EXAMPLES", "6"))
    fixed = os.environ.get("FUZZ_RANDOM") != "1"  # 1: a new draw each run (bench/api_fuzz.py)
    with connections_kept():
        statuses, failures = fuzz(raw, examples=examples, derandomize=fixed)
    print(
        f"\nfuzz: {sum(statuses.values())} requests, status codes {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(failures)
    assert statuses[500] == 0
    assert sum(statuses.values()) > 100


@pytest.mark.django_db
def test_what_the_fuzzer_found_answers_as_documented():
    """The fuzzer's findings, pinned: each was a 500 or an HTML page before."""
    from rest_framework.test import APIClient

    raw = build_world()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # Ids that are not numbers, or do not match the router at all: the JSON 404.
    for url in ("/api/v1/tickets/true/", "/api/v1/tickets/2.5e-99/notes/", "/api/v1/nowhere"):
        response = api.get(url)
        assert (response.status_code, response["Content-Type"]) == (404, "application/json"), url
    # A POST there with a session cookie too: still the JSON 404, not the CSRF failure page.
    api.cookies["sessionid"] = "x"
    response = api.post("/api/v1/tickets/-1.5/notes/", {"body": "hi"}, format="json")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    # A team id no database column holds: a 400 naming the filter (was OverflowError).
    response = api.get("/api/v1/agents/", {"teams": ["-7560599314066587342408465155581018112"]})
    assert response.status_code == 400 and "teams" in response.json()
    assert api.get("/api/v1/agents/", {"teams": [Personas.support.pk]}).status_code == 200
