"""The ASGI server's PostgreSQL connection pool (rapport/asgi.py sets DB_POOL; settings:
DB_POOL_MAX_SIZE): a real uvicorn process on the test database. Under load its connections
stay within the pool's bound (bench/fault.py once saw one uvicorn hold 22–64 connections, one
per request thread, and PostgreSQL refuse everyone with "too many clients"), and requests go on
working after PostgreSQL has ended the pooled connections (a restart, an administrator's
pg_terminate_backend)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection

from rapport.api.actions import do_create_token
from rapport.api.models import Scope
from rapport.mail.tests.servers import free_port
from rapport.test import make_agent

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
POOL_MAX = 4
# The server's connections carry this application name (libpq reads PGAPPNAME), so the
# counts below are the server's alone — not connections this test process's own threads keep
# from earlier tests (the realtime relay's and the chat's kept connections, threads.py).
APP_NAME = "rapport-pool-test"


def _server_connections(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [name, APP_NAME],
        )
        return cursor.fetchone()[0]


def _terminate_server_connections(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = %s",
            [name, APP_NAME],
        )
        return cursor.fetchone()[0]


def test_the_pool_bounds_connections_and_replaces_ended_ones(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's (SQLite opens a file)")
    db = connection.settings_dict
    name = db["NAME"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    agent = make_agent("pooled")
    _, token = do_create_token(agent, name="pool", scope=Scope.READ)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DB_POOL", "DB_CONN_MAX_AGE")},
        "DATABASE_URL": url,
        "RAPPORT_DATA_DIR": str(tmp_path),
        "DB_POOL_MAX_SIZE": str(POOL_MAX),
        "DB_POOL_MIN_SIZE": "1",
        "RAPPORT_API_RATE_LIMIT": "1000000",
        "PGAPPNAME": APP_NAME,
    }
    server = subprocess.Popen(  # noqa: S603 — our own server
        [
            sys.executable,
            "-m",
            "uvicorn",
            "rapport.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/login/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)

        def get(_n: int) -> int:
            return httpx.get(f"{base}/api/v1/tickets/", headers=headers, timeout=60).status_code

        # 60 requests, 12 at a time: each on a request thread of its own in the server.
        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(get, range(60)))
        assert codes == [200] * 60
        held = _server_connections(name)
        assert 1 <= held <= POOL_MAX, held  # kept open for the next requests, and bounded

        # PostgreSQL ends every connection the server holds: the next requests still work
        # (the pool checks a connection before lending it and replaces a dead one).
        assert _terminate_server_connections(name) >= 1
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(get, range(12)))
        assert codes == [200] * 12
        assert _server_connections(name) <= POOL_MAX
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=20)
    assert b"Traceback" not in out, out.decode(errors="replace")[-3000:]
