"""Shared pytest fixtures (docs/testing.md).

- `browser`: Debian's Chromium driven by Playwright (sync API).
- `asgi_live_server`: the whole ASGI application (HTTP *and* WebSockets: rapport/asgi.py) served
  by uvicorn in a thread on a free loopback port, against the test database. pytest-django's
  `live_server` is WSGI and cannot carry WebSockets; use this one for anything live. It needs a
  transactional test (it requests `transactional_db` itself: the server's threads must see
  committed rows). It has `.url` ("http://127.0.0.1:PORT") and `.ws_url` ("ws://…"):

      pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

      def test_it_shows_it_live(asgi_live_server, browser):
          page = browser.new_page()
          page.goto(f"{asgi_live_server.url}/login/")

  The channel layer is the test process's own (in-memory without REDIS_URL, Redis with it), so
  `publish()`/`push_now()` from the test body reach browsers connected to this server.
"""

import os
import shutil
import socket
import threading
from dataclasses import dataclass

import pytest
from django.core.cache import cache

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session", autouse=True)
def _end_leftover_sessions(django_db_setup, django_db_blocker):
    """PostgreSQL refuses to drop a test database with sessions on it: at the very end, end
    whatever live servers' threads left open."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer object: pytest-asyncio runs every async test on a
    new event loop, and channels_redis's locks and connection pools belong to the loop that
    first used them (reused, a later test fails with "bound to a different event loop")."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Presence markers and counters live in the cache: every test starts with an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (`make test` installs it when missing)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test's own setup are safe here (no concurrent async code touches them).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@dataclass(frozen=True)
class AsgiLiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


@pytest.fixture
def asgi_live_server(transactional_db):
    """rapport.asgi.application under uvicorn in a thread (see the module docstring).

    The SQLite test database is a file (DATA_DIR/test.sqlite3, with a suffix under xdist) and
    Django has already pointed settings at it, so the server's threads open their own
    connections to the same database the test writes to.
    """
    import asyncio

    import uvicorn
    from django.db import connections

    from rapport.asgi import application

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The server's request threads come and go: their connections must close at the end of
    # each request (CONN_MAX_AGE 0), or PostgreSQL refuses to flush/drop the test database.
    db_settings = connections.settings["default"]
    conn_max_age = db_settings.get("CONN_MAX_AGE", 0)
    db_settings["CONN_MAX_AGE"] = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application,
        lifespan="on",  # starts the realtime relay in the server's loop (rapport/asgi.py)
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
        ws_ping_interval=None,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the test below, never swallowed
            errors.append(exc)

    thread = threading.Thread(target=serve, name="asgi-live-server", daemon=True)
    thread.start()
    for _ in range(400):  # up to 20 s on a loaded machine
        if server.started or errors or not thread.is_alive():
            break
        threading.Event().wait(0.05)
    if not server.started:
        server.should_exit = True
        thread.join(5)
        sock.close()
        db_settings["CONN_MAX_AGE"] = conn_max_age
        raise RuntimeError(f"the ASGI live server did not start: {errors!r}")
    try:
        yield AsgiLiveServer("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        db_settings["CONN_MAX_AGE"] = conn_max_age
        _close_server_connections()


def _close_server_connections() -> None:
    """Close what the server's threads left open: the connection of asgiref's shared thread
    (database_sync_to_async outside a request) and those of request threads that have ended
    (closed when their wrappers are collected)."""
    import gc

    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    gc.collect()
    # Sessions the server's threads may still hold on PostgreSQL are ended once, at the end
    # of the test session (_end_leftover_sessions): ending them here also ended connections
    # the test process itself uses next (they live in other threads or contexts).
