"""Webhook delivery throughput: how fast a backlog of deliveries drains (docs/webhooks.md).

    .venv/bin/python bench/webhooks.py --mode worker            # manage.py webhook_worker
    .venv/bin/python bench/webhooks.py --mode tasks             # one task each, on db_worker
    .venv/bin/python bench/webhooks.py --mode tasks --code /path/to/older/checkout
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench_hooks .venv/bin/python \\
        bench/webhooks.py --mode worker                       # PostgreSQL (dropped, created)

A fresh database with one endpoint and `--deliveries` pending deliveries (payloads the size of
a message.received event), a receiver in its own process on loopback (answers 200 at once),
then the sending process is started and timed until every delivery is delivered: wall time,
the sender's CPU time (/proc), deliveries per second of each. `--mode tasks` enqueues one
`deliver_webhook_task` per delivery, as `on_event` did before batches, and runs `db_worker`;
`--code` runs another checkout's code (the same virtualenv) for a before/after comparison.
Figures depend on the machine's load: the script prints the load average next to them.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ws_chat import cpu_seconds, fresh_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

SETUP = """
import json, sys
from django.utils import timezone
from rapport.webhooks.models import Delivery, Endpoint
n, url, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
endpoint = Endpoint.objects.create(url=url, event_types=["message.received"])
text = "Hello, my order still has not arrived. " * 12
rows = [
    Delivery(endpoint=endpoint, event_id=f"evt_{i}", event_type="message.received",
             payload={"id": f"evt_{i}", "type": "message.received", "created_at": "2026-11-29",
                      "data": {"ticket": {"id": i, "subject": "Order", "status": "open"},
                               "message": {"id": i, "body_text": text}}})
    for i in range(n)
]
Delivery.objects.bulk_create(rows, batch_size=500)
if mode == "tasks":
    from rapport.webhooks.tasks import deliver_webhook_task
    for pk in Delivery.objects.values_list("pk", flat=True):
        deliver_webhook_task.enqueue(pk)
print(json.dumps({"endpoint": endpoint.pk}))
"""

COUNT = "SELECT count(*) FROM webhooks_delivery WHERE state = 'delivered'"


def delivered_count(env: dict, data: Path) -> int:
    """Read directly (sqlite3 / psycopg): a Django shell per poll would cost a second of CPU."""
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(COUNT).fetchone()[0]
    import sqlite3

    with sqlite3.connect(data / "rapport.sqlite3", timeout=30) as conn:
        return conn.execute(COUNT).fetchone()[0]


def receiver(port_file: str) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass  # quiet: thousands of requests

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--receiver":
        receiver(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["worker", "tasks"], default="worker")
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose code runs")
    parser.add_argument(
        "--template", default="", help="SQLite: a migrated database file to copy (made if missing)"
    )
    args = parser.parse_args()
    code = Path(args.code).resolve()
    data = Path(tempfile.mkdtemp(prefix="rapport-hooks-"))
    env = {
        **os.environ,
        "RAPPORT_DATA_DIR": str(data),
        "RAPPORT_WEBHOOKS_ALLOW_PRIVATE": "1",
        "PYTHONPATH": str(code),
        "DJANGO_SETTINGS_MODULE": "rapport.settings",
    }
    env.pop("REDIS_URL", None)  # the database queue, as `make run` without Redis
    if env.get("DATABASE_URL", "").startswith("postgres"):
        fresh_postgres(env["DATABASE_URL"])

    def manage(*argv: str) -> str:
        done = subprocess.run(
            [PYTHON, str(code / "manage.py"), *argv],
            env=env,
            cwd=code,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            sys.exit(done.stderr[-3000:])
        return done.stdout

    template = Path(args.template) if args.template else None
    if template and template.exists() and "DATABASE_URL" not in env:
        shutil.copy(template, data / "rapport.sqlite3")  # migrated before: minutes saved
    else:
        manage("migrate", "-v0")
        if template and "DATABASE_URL" not in env:
            shutil.copy(data / "rapport.sqlite3", template)
    port_file = data / "port"
    recv = subprocess.Popen([sys.executable, __file__, "--receiver", str(port_file)])  # noqa: S603
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}/hook"
        script = data / "setup.py"
        script.write_text(SETUP)
        setup = [PYTHON, str(code / "manage.py"), "shell", "-c"]
        done = subprocess.run(  # noqa: S603
            [
                *setup,
                f"import sys; sys.argv=['x','{args.deliveries}','{url}','{args.mode}'];"
                f"exec(open({str(script)!r}).read())",
            ],
            env=env,
            cwd=code,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            sys.exit(done.stderr[-3000:])
        if args.mode == "worker":
            argv = [PYTHON, str(code / "manage.py"), "webhook_worker"]
        else:
            argv = [
                PYTHON,
                str(code / "manage.py"),
                "db_worker",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ]
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        worker = subprocess.Popen(argv, env=env, cwd=code, stdout=subprocess.DEVNULL)  # noqa: S603
        delivered, cpu = 0, 0.0
        try:
            while time.monotonic() - started < 1800:
                time.sleep(0.5)
                cpu = cpu_seconds(worker.pid)
                delivered = delivered_count(env, data)
                if delivered >= args.deliveries:
                    break
            wall = time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(20)
        load_after = os.getloadavg()[0]
    finally:
        recv.terminate()
        recv.wait()
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(
        json.dumps(
            {
                "database": database,
                "mode": args.mode,
                "code": str(code),
                "deliveries": args.deliveries,
                "delivered": delivered,
                "wall s": round(wall, 1),
                "per s (wall)": round(delivered / wall, 1),
                "sender CPU s": round(cpu, 2),
                "CPU ms per delivery": round(cpu * 1000 / max(delivered, 1), 2),
                "load before/after": [round(load_before, 1), round(load_after, 1)],
            }
        )
    )
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
