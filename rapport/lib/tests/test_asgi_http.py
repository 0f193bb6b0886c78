"""rapport/lib/asgi_http.py under a real uvicorn (the `asgi_live_server` fixture): the whole
request on one of a fixed set of threads that keep their connection, with sessions, CSRF, CSP
and request bodies as before (issue #10, Load)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connections

from rapport.asgi import django_asgi_app
from rapport.lib.asgi_http import PooledASGIHandler
from rapport.test import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def _login(client: httpx.Client, username: str = "alice", **extra) -> httpx.Response:
    page = client.get("/login/")
    assert page.status_code == 200
    token = client.cookies["csrftoken"]
    data = {"username": username, "password": "password", "csrfmiddlewaretoken": token, **extra}
    return client.post("/login/", data=data)


def test_sessions_csrf_and_csp_work_as_before(asgi_live_server):
    make_agent("alice")
    with httpx.Client(base_url=asgi_live_server.url, timeout=30) as client:
        page = client.get("/login/")
        assert "script-src" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        # No CSRF token: refused, as under Django's own handler.
        refused = client.post("/login/", data={"username": "alice", "password": "password"})
        assert refused.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 302  # not signed in
        # A body larger than one ASGI message (uvicorn splits it) is read whole.
        signed_in = _login(client, padding="x" * 300_000)
        assert signed_in.status_code == 302
        inbox = client.get("/")
        assert inbox.status_code == 200
        assert 'id="rows"' in inbox.text
        assert client.get("/no-such-page/").status_code == 404


def test_requests_run_on_the_fixed_threads_which_keep_their_connection(asgi_live_server):
    for n in range(24):
        make_agent(f"agent{n}")
    handler = django_asgi_app
    assert isinstance(handler, PooledASGIHandler)

    def work(n: int) -> int:
        with httpx.Client(base_url=asgi_live_server.url, timeout=60) as client:
            assert _login(client, f"agent{n}").status_code == 302
            return sum(client.get("/inbox/counts/").status_code == 200 for _ in range(3))

    with ThreadPoolExecutor(12) as pool:
        assert sum(pool.map(work, range(24))) == 72
    names = [t.name for t in threading.enumerate() if t.name.startswith("http-")]
    assert 1 <= len(names) <= handler.threads.size  # never more threads than the set
    # Each thread that served kept its connection open for the next request.
    kept = [
        executor.submit(lambda: connections["default"].connection is not None).result(5)
        for executor in handler.threads._executors
    ]
    assert any(kept)
