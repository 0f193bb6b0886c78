"""bench/fault.py --small on the database the suite runs on (issue #10.8, TR1, CH2).

Real processes on loopback — uvicorn, the intake worker, the task worker (db_worker, or
rqworker with REDIS_URL), the mail worker, the scheduler, Dovecot, an SMTP sink and a webhook
receiver — take 300 customer messages and send 60 replies while the workers are SIGKILLed
twice and the SMTP server is stopped for a while; the script exits non-zero if a message is
lost or stored twice, a reply is not in the SMTP sink exactly once, or a webhook event never
arrived. About 1–3 minutes (docs/testing.md, "Fault tolerance").
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str | None:
    """PostgreSQL: a database of its own beside the test database (created and dropped by the
    script). SQLite: none, the script uses a fresh file in a temporary directory."""
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return None
    name = db["TEST"].get("NAME") or f"test_{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}_fault"


def test_nothing_is_lost_or_sent_twice_while_workers_are_killed():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RAPPORT_DATA_DIR")}
    url = _database_url()
    if url:
        env["DATABASE_URL"] = url
    result = subprocess.run(  # noqa: S603 — our own script
        [sys.executable, str(ROOT / "bench" / "fault.py"), "--small", "--test-database"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "PASS" in result.stdout
