"""Fault tolerance, proven (issue #10.8; TR1: nothing is lost, CH2: replies go out once).

    .venv/bin/python bench/fault.py                    # 5,000 in, 1,000 replies, 4 kills, SQLite
    .venv/bin/python bench/fault.py --small            # 300 in, 60 replies, 2 kills (< 2 min)
    DATABASE_URL=postgres://…/h_fault REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/fault.py --pg-restart   # PostgreSQL + RQ, and one restart of it

Everything runs for real, as separate processes on loopback: the ASGI server (uvicorn), the
intake worker, the task worker (`db_worker`, or `rqworker` with REDIS_URL), the mail worker,
the scheduler, the webhook worker, a private Dovecot (IMAP), an SMTP sink (aiosmtpd, a
subprocess of this script that records every Message-ID it accepts) and a webhook receiver (a
thread of this script that records every delivery with its event id and checks its signature).

While customers' messages arrive (raw-MIME endpoint, IMAP, the API's inbound endpoint) and an
agent replies through the API (the outbox sends by e-mail), the script SIGKILLs the intake
worker and the task, mail and webhook workers several times and starts them again, stops the
SMTP server for a while (sends fail, are retried with back-off, then go out) and, with
`--pg-restart` on PostgreSQL, restarts the database server once. Then it waits a bounded time
for everything to drain and checks: every message stored once and on a ticket, every reply in
the sink exactly once by Message-ID, every webhook event received at least once under one
stable id. It prints the figures and exits non-zero when a check fails. See docs/testing.md
("Fault tolerance").
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import hashlib
import hmac
import http.client
import http.server
import imaplib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAULT_ID = re.compile(r"fault-(\d+)")
# The cluster --pg-restart restarts (--pg-cluster VERSION/NAME): a cluster of its own
# (`pg_createcluster 15 fault --port 5433 --start`) spares everyone else on the machine.
PG_CLUSTER = "15/main"

SENTENCES = {
    "ru": [
        "Здравствуйте! Мой заказ до сих пор не пришёл.",
        "Подскажите, пожалуйста, когда будет доставка?",
        "Я оплатил картой, но деньги списались дважды.",
    ],
    "zh": ["您好，我的订单还没有到。", "请问什么时候可以发货？", "我付了两次钱，请帮我退款。"],
    "en": [
        "Hello, my order still has not arrived.",
        "Could you tell me when it will ship?",
        "I was charged twice for the same order.",
    ],
}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# --- the SMTP sink (a subprocess: `fault.py --sink PORT FILE`) ---------------------------------


def run_sink(port: int, path: str) -> None:
    """Accept every message and append its Message-ID to `path` before answering 250, so a
    message the sender was told was accepted is always on record."""
    from aiosmtpd.controller import Controller

    out = open(path, "a", encoding="ascii")  # noqa: SIM115 — lives as long as the process
    lock = threading.Lock()
    header = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            raw = envelope.original_content or envelope.content
            found = header.search(raw.split(b"\r\n\r\n", 1)[0])
            with lock:
                out.write((found.group(1).decode() if found else "-") + "\n")
                out.flush()
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


# --- the webhook receiver ----------------------------------------------------------------------


class Receiver:
    """Records every webhook request: the event id (header and body), the delivery id, and
    whether the signature verified."""

    def __init__(self) -> None:
        self.secret = ""
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body_id = json.loads(body)["id"]
                except (ValueError, KeyError):
                    body_id = None
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "event": self.headers.get("X-Rapport-Event-Id"),
                            "body_event": body_id,
                            "delivery": self.headers.get("X-Rapport-Delivery"),
                            "signed": receiver.verify(
                                self.headers.get("X-Rapport-Signature", ""), body
                            ),
                        }
                    )
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a SIGKILLed webhook worker resets its kept-alive connections: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, header: str, body: bytes) -> bool:
        try:
            parts = dict(p.split("=", 1) for p in header.split(","))
            expected = hmac.new(
                self.secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
            ).hexdigest()
            return hmac.compare_digest(expected, parts["v1"])
        except (KeyError, ValueError):
            return False


# --- processes ---------------------------------------------------------------------------------


class Proc:
    """One of Rapport's processes, restartable; counts kills and deaths nobody asked for."""

    def __init__(self, name: str, argv: list[str], env: dict, logdir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = open(logdir / f"{name}.log", "ab")  # noqa: SIM115
        self.process: subprocess.Popen | None = None
        self.kills = 0
        self.unexpected: list[int] = []  # exit codes of deaths we did not cause
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            # Its own process group: a kill takes its children too (rqworker's scheduler is
            # a child process that would otherwise outlive it, orphaned).
            self.process = subprocess.Popen(  # noqa: S603 — our own commands
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=self.log,
                stderr=self.log,
                start_new_session=True,
            )

    def check(self) -> None:
        """A process that died on its own is counted and started again (as systemd would)."""
        with self.lock:
            code = self.process.poll() if self.process else None
            if code is not None:
                self.unexpected.append(code)
                log(f"!! {self.name} exited by itself (code {code}); starting it again")
                _kill_group(self.process, signal.SIGKILL)  # children left behind
                self.process = None
        if code is not None:
            self.start()

    def kill(self) -> None:
        """SIGKILL; it stays down (check() leaves it alone) until start()."""
        with self.lock:
            if self.process and self.process.poll() is None:
                _kill_group(self.process, signal.SIGKILL)
                self.process.wait()
                self.kills += 1
            if self.process:
                _kill_group(self.process, signal.SIGKILL)  # children left behind
            self.process = None

    def stop(self) -> None:
        with self.lock:
            if self.process and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self.process:
                _kill_group(self.process, signal.SIGKILL)  # children left behind
            self.process = None


def _kill_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


# --- messages ----------------------------------------------------------------------------------


def customer_of(rng: random.Random, customers: int) -> tuple[str, str]:
    lang = rng.choice(["ru", "zh", "en"])
    return lang, f"customer{rng.randrange(customers)}@example.{lang}"


def mime(i: int, rng: random.Random, customers: int, to: str) -> bytes:
    lang, sender = customer_of(rng, customers)
    text = " ".join(rng.choice(SENTENCES[lang]) for _ in range(rng.randint(3, 30)))
    subject = base64.b64encode(rng.choice(SENTENCES[lang])[:40].encode()).decode()
    raw = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: =?UTF-8?B?{subject}?=\r\n"
        f"Message-ID: <fault-{i}@example.{lang}>\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    )
    return raw.encode()


class Http:
    """A keep-alive HTTP client that retries until it gets a definite answer: what a careful
    integration (a mail relay, an API client with an idempotency key) does."""

    def __init__(self, port: int, stats: collections.Counter) -> None:
        self.port, self.stats = port, stats
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: dict, ok=(200, 201, 202)) -> tuple[int, bytes]:
        deadline = time.monotonic() + 300
        while True:
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request("POST", path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.status in ok or 400 <= response.status < 500 and response.status != 429:
                    return response.status, data
                self.stats[f"http {response.status}"] += 1
            except (OSError, http.client.HTTPException) as exc:
                self.stats[f"http {type(exc).__name__}"] += 1
                with contextlib.suppress(Exception):
                    self.conn.close()
                self.conn = None
            if time.monotonic() > deadline:
                raise RuntimeError(f"POST {path}: no answer for 300 s")
            self.stats["client retries"] += 1
            time.sleep(0.5)


# --- the run -----------------------------------------------------------------------------------


class Run:
    def __init__(self, args) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats: collections.Counter = collections.Counter()
        self.pushed = 0  # inbound messages handed over (acknowledged by the transport)
        self.pushed_lock = threading.Lock()
        self.replies: dict[int, int] = {}  # reply number -> message id
        self.errors: list[str] = []
        self.faults: list[str] = []
        self.drop: tuple[str, str] | None = None  # (server, database) to drop at the end

    # setup ------------------------------------------------------------------------------------

    def prepare_database(self) -> None:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            base, _, name = url.rpartition("/")
            name = name.split("?")[0]
            if name in ("", "postgres", "test") or name.startswith("test"):
                if not self.args.test_database:
                    raise SystemExit(f"refusing to drop database {name!r}: name your own")
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            self.db = f"PostgreSQL ({name})"
            self.drop = (f"{base}/postgres", name)
        else:
            self.db = "SQLite"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
        import django

        django.setup()
        from django.core.management import call_command

        t0 = time.monotonic()
        call_command("migrate", verbosity=0)
        log(f"{self.db}: migrated in {time.monotonic() - t0:.0f} s")

    def setup_desk(self) -> None:
        from rapport.accounts.models import Role, Team, User
        from rapport.api.actions import do_create_token
        from rapport.api.models import Scope
        from rapport.mail.models import Mailbox, Security
        from rapport.webhooks.actions import do_save_endpoint
        from rapport.webhooks.models import Endpoint

        team = Team.objects.create(name="Support", is_default=True)
        agent = User.objects.create_user(
            username="fault-agent", password=uuid.uuid4().hex, role=Role.AGENT
        )
        team.members.add(agent)
        self.agent_id = agent.pk
        _, self.token = do_create_token(agent, name="fault", scope=Scope.WRITE)

        def box(name, address, **fields):
            mailbox = Mailbox(
                name=name,
                address=address,
                team=team,
                ack_enabled=False,
                smtp_host="127.0.0.1",
                smtp_port=self.smtp_port,
                smtp_security=Security.NONE,
                **fields,
            )
            if fields:
                mailbox.imap_password = "secret"  # noqa: S105 — the private Dovecot's
            mailbox.save()
            return mailbox

        self.web_box = box("Endpoint", "help@shop.test")
        self.imap_box = box(
            "IMAP",
            "imap@shop.test",
            imap_host="127.0.0.1",
            imap_port=self.dovecot.port,
            imap_security=Security.NONE,
            imap_username=self.imap_user,
        )
        endpoint = do_save_endpoint(
            Endpoint(
                url=f"http://127.0.0.1:{self.receiver.port}/hook",
                description="fault.py",
                event_types=["ticket.created", "message.received", "message.sent"],
            )
        )
        self.receiver.secret = endpoint.secret
        self.endpoint_id = endpoint.pk

    def start_servers(self, workdir: Path) -> None:
        from rapport.mail.tests.servers import Dovecot, _wait_for_port, free_port

        self.workdir = workdir
        self.dovecot = Dovecot().start()
        self.imap_user = "support0@rapport.test"
        self.smtp_port = free_port()
        self.sink_file = workdir / "sink.txt"
        self.sink_file.touch()
        self.sink = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--sink", str(self.smtp_port), str(self.sink_file)],
            stdout=subprocess.DEVNULL,
        )
        _wait_for_port(self.smtp_port)
        self.receiver = Receiver()
        self.wait_for_port = _wait_for_port
        self.free_port = free_port

    def start_rapport(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.http_port = self.free_port()
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        worker = (
            ["rqworker", "--with-scheduler", "default"]
            if os.environ.get("REDIS_URL")
            else ["db_worker", "--no-startup-delay", "--interval", "0.2"]
        )
        self.procs = {
            "server": Proc(
                "server",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "rapport.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.http_port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env,
                logs,
            ),
            "intake_worker": Proc("intake_worker", manage("intake_worker"), env, logs),
            "task_worker": Proc("task_worker", manage(*worker), env, logs),
            "mail_worker": Proc("mail_worker", manage("mail_worker", "--interval", "2"), env, logs),
            "scheduler": Proc("scheduler", manage("scheduler"), env, logs),
            # Webhooks have their own worker (docs/webhooks.md): batches, not a task each.
            "webhook_worker": Proc("webhook_worker", manage("webhook_worker"), env, logs),
        }
        for proc in self.procs.values():
            proc.start()
        self.wait_for_port(self.http_port, 60)

    # load -------------------------------------------------------------------------------------

    def count_pushed(self) -> None:
        with self.pushed_lock:
            self.pushed += 1

    def push_endpoint(self, numbers: list[int]) -> None:
        client = Http(self.http_port, self.stats)
        headers = {
            "Authorization": f"Bearer {self.web_box.inbound_token}",
            "Content-Type": "message/rfc822",
        }
        rng = random.Random(self.args.seed + 1)
        for i in numbers:
            raw = mime(i, rng, self.customers, self.web_box.address)
            code, body = client.post(f"/mail/inbound/{self.web_box.pk}/", raw, headers)
            if code not in (200, 202):
                self.errors.append(f"endpoint message {i}: {code} {body[:200]!r}")
            self.count_pushed()

    def push_imap(self, numbers: list[int]) -> None:
        rng = random.Random(self.args.seed + 2)
        client = None
        for i in numbers:
            raw = mime(i, rng, self.customers, self.imap_box.address)
            while True:
                try:
                    if client is None:
                        client = imaplib.IMAP4("127.0.0.1", self.dovecot.port)
                        client.login(self.imap_user, "secret")
                    client.append("INBOX", None, None, raw)
                    break
                except (OSError, imaplib.IMAP4.error):
                    self.stats["imap retries"] += 1
                    client = None
                    time.sleep(0.5)
            self.count_pushed()
        with contextlib.suppress(Exception):
            client.logout()

    def push_api(self, numbers: list[int]) -> None:
        client = Http(self.http_port, self.stats)
        rng = random.Random(self.args.seed + 3)
        for i in numbers:
            lang, sender = customer_of(rng, self.customers)
            body = {
                "sender": sender.replace("@", "-api@"),
                "sender_kind": "email",
                "subject": rng.choice(SENTENCES[lang])[:40],
                "body_text": " ".join(rng.choice(SENTENCES[lang]) for _ in range(5)),
                "external_id": f"fault-{i}",
            }
            code, data = client.post(
                "/api/v1/inbound/",
                json.dumps(body).encode(),
                {
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"fault-in-{i}",
                },
            )
            if code not in (200, 201, 202):
                self.errors.append(f"api message {i}: {code} {data[:200]!r}")
            self.count_pushed()

    def agent(self) -> None:
        """Replies through the API (check_reply → the outbox), paced with the inbound push so
        the replies are spread over the faults; each reply has its own idempotency key, and
        a retried request returns the same message."""
        from django.db import close_old_connections

        from rapport.tickets.models import Ticket

        client = Http(self.http_port, self.stats)
        rng = random.Random(self.args.seed + 4)
        total, n = self.args.replies, self.args.messages
        number, tickets, refreshed = 0, [], 0.0
        while number < total:
            if self.pushed < (number + 1) * n / total * 0.9 and self.pushed < n:
                time.sleep(0.05)
                continue
            if not tickets or time.monotonic() - refreshed > 5:
                try:
                    close_old_connections()
                    tickets = list(
                        Ticket.objects.filter(channel="email", merged_into=None).values_list(
                            "pk", flat=True
                        )
                    )
                except Exception as exc:  # noqa: BLE001 — the database may be restarting
                    self.stats[f"agent read {type(exc).__name__}"] += 1
                    time.sleep(1)
                    continue
                refreshed = time.monotonic()
                if not tickets:
                    time.sleep(0.5)
                    continue
            ticket = rng.choice(tickets)
            body = {"body_text": f"Reply {number}: thank you, we are on it. Спасибо! 谢谢！"}
            code, data = client.post(
                f"/api/v1/tickets/{ticket}/messages/",
                json.dumps(body).encode(),
                {
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"fault-reply-{number}-{ticket}",
                },
            )
            if code == 201:
                self.replies[number] = json.loads(data)["id"]
                number += 1
            else:
                self.stats[f"reply refused {code}"] += 1
                tickets = []

    # faults -----------------------------------------------------------------------------------

    def wait_pushed(self, fraction: float, stop: threading.Event) -> None:
        while self.pushed < fraction * self.args.messages and not stop.is_set():
            time.sleep(0.05)

    def faults_thread(self, stop: threading.Event) -> None:
        kills, steps = self.args.kills, []
        # Spread over the first 80 % of the push, while every worker has work in hand.
        for k in range(kills):
            steps.append(((k + 0.4) / kills * 0.8, "kill intake"))
            steps.append(((k + 0.7) / kills * 0.8, "kill workers"))
        steps.append((0.25, "smtp down"))
        if self.args.pg_restart:
            steps.append((0.6, "pg restart"))
        for fraction, what in sorted(steps):
            self.wait_pushed(fraction, stop)
            if stop.is_set():
                return
            if what == "kill intake":
                self.kill_and_restart("intake_worker")
            elif what == "kill workers":
                self.kill_and_restart("task_worker", "mail_worker", "webhook_worker")
            elif what == "smtp down":
                threading.Thread(target=self.smtp_outage, daemon=True).start()
            elif what == "pg restart":
                self.restart_postgres()

    def kill_and_restart(self, *names: str) -> None:
        for name in names:
            self.procs[name].kill()
        self.faults.append(f"SIGKILL {', '.join(names)} at {self.pushed} pushed")
        log(f"SIGKILLed {', '.join(names)} ({self.pushed} pushed)")
        time.sleep(self.rng.uniform(0.5, 2.0))
        for name in names:
            self.procs[name].start()

    def smtp_outage(self) -> None:
        self.sink.terminate()
        self.sink.wait()
        at = self.pushed
        log(f"SMTP server stopped for {self.args.smtp_down} s or more")
        # Down at least --smtp-down seconds, and until a send has failed on it (the task
        # queue may lag behind the replies), so the retry path is always exercised.
        t0 = time.monotonic()
        time.sleep(self.args.smtp_down)
        while time.monotonic() - t0 < max(120, 3 * self.args.smtp_down):
            if self.failed_sends():
                break
            time.sleep(0.5)
        self.faults.append(f"SMTP down {time.monotonic() - t0:.0f} s from {at} pushed")
        self.sink = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--sink", str(self.smtp_port), str(self.sink_file)],
            stdout=subprocess.DEVNULL,
        )
        self.wait_for_port(self.smtp_port)
        log("SMTP server back")

    def failed_sends(self) -> int:
        from django.db import close_old_connections

        from rapport.outbox.models import Delivery, DeliveryState

        try:
            close_old_connections()
            return Delivery.objects.filter(state=DeliveryState.QUEUED, attempts__gt=0).count()
        except Exception:  # noqa: BLE001 — the database may be restarting
            return 0

    def restart_postgres(self) -> None:
        version, name = self.args.pg_cluster.split("/", 1)
        log(f"restarting PostgreSQL (pg_ctlcluster {version} {name} restart)")
        t0 = time.monotonic()
        result = subprocess.run(  # noqa: S603 — the cluster named on the command line
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],  # noqa: S607
            capture_output=True,
            text=True,
        )
        took = time.monotonic() - t0
        if result.returncode:
            self.errors.append(f"PostgreSQL restart failed: {result.stderr.strip()}")
        self.faults.append(f"PostgreSQL restarted ({took:.1f} s) at {self.pushed} pushed")
        log(f"PostgreSQL restarted in {took:.1f} s")

    # drain and checks -------------------------------------------------------------------------

    def outstanding(self) -> dict:
        from rapport.intake.models import InboundRaw, RawState
        from rapport.outbox.models import Delivery, DeliveryState
        from rapport.webhooks.models import Delivery as Hook
        from rapport.webhooks.models import DeliveryState as HookState

        return {
            "unprocessed": InboundRaw.objects.filter(state=RawState.RECEIVED).count(),
            "stored": InboundRaw.objects.count(),
            "replies unsent": Delivery.objects.filter(
                state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]
            ).count(),
            "webhooks pending": Hook.objects.exclude(state=HookState.DELIVERED).count(),
        }

    def drain(self) -> float:
        from django.db import close_old_connections

        t0 = time.monotonic()
        deadline = t0 + self.args.drain
        last, shown = None, 0.0
        while time.monotonic() < deadline:
            for proc in self.procs.values():
                proc.check()
            try:
                close_old_connections()
                left = self.outstanding()
            except Exception as exc:  # noqa: BLE001
                log(f"drain: {type(exc).__name__}: {exc}")
                time.sleep(1)
                continue
            if left != last and time.monotonic() - shown > 5:
                log(f"drain: {left}")
                last, shown = left, time.monotonic()
            if (
                left["stored"] >= self.args.messages
                and not left["unprocessed"]
                and not left["replies unsent"]
                and not left["webhooks pending"]
            ):
                break
            time.sleep(1)
        return time.monotonic() - t0

    def check(self) -> bool:
        from django.db.models import Count

        from rapport.intake.models import InboundRaw
        from rapport.outbox.models import Delivery, DeliveryState
        from rapport.tickets.models import Event, Message
        from rapport.webhooks.models import Delivery as Hook

        n, ok = self.args.messages, True
        results: list[tuple[str, bool]] = []

        def verdict(name: str, good: bool, detail: str) -> None:
            nonlocal ok
            ok &= good
            results.append((name, good))
            print(f"  {'ok  ' if good else 'FAIL'} {name}: {detail}")

        print(f"\nResults ({self.db}, load {load()})")
        # Inbound: every pushed message stored once, processed once, on a ticket.
        raws = list(InboundRaw.objects.values_list("external_id", "state", "message_id"))
        numbers = collections.Counter(
            int(m.group(1)) for ext, _, _ in raws if (m := FAULT_ID.search(ext))
        )
        lost = n - len(numbers)
        twice_raw = sum(1 for c in numbers.values() if c > 1)
        states = collections.Counter(state for _, state, _ in raws)
        in_msgs = Message.objects.filter(direction="in", inbound_raw__isnull=False)
        per_raw = in_msgs.values("inbound_raw").annotate(c=Count("id")).filter(c__gt=1).count()
        dup_ext = (
            Message.objects.filter(direction="in")
            .values("channel", "external_id")
            .annotate(c=Count("id"))
            .filter(c__gt=1)
            .count()
        )
        on_tickets = in_msgs.filter(ticket__isnull=False).count()
        verdict(
            "inbound",
            lost == 0 and twice_raw == 0 and per_raw == 0 and dup_ext == 0 and on_tickets == n,
            f"sent {n}, stored {len(numbers)} (lost {lost}, twice {twice_raw}), states "
            f"{dict(states)}, messages on tickets {on_tickets}, duplicated messages "
            f"{per_raw + dup_ext}",
        )
        # Replies: created once each, delivered to the sink exactly once by Message-ID.
        ids = set(self.replies.values())
        out_msgs = Message.objects.filter(direction="out", author_id=self.agent_id)
        sink = collections.Counter(self.sink_file.read_text().split())
        deliveries = list(
            Delivery.objects.filter(message_id__in=ids).values_list(
                "message_id", "message__external_id", "state", "attempts", "last_error"
            )
        )
        by_state = collections.Counter(d[2] for d in deliveries)
        once = sum(1 for d in deliveries if sink[d[1]] == 1)
        twice = sum(1 for d in deliveries if sink[d[1]] > 1)
        missing = [d for d in deliveries if sink[d[1]] == 0]
        unmarked_sent = sum(1 for d in deliveries if d[2] != DeliveryState.SENT and sink[d[1]])
        verdict(
            "replies",
            len(ids) == self.args.replies
            and out_msgs.count() == len(ids)
            and len(deliveries) == len(ids)
            and once == len(ids),
            f"asked {self.args.replies}, created {len(ids)} (messages by the agent "
            f"{out_msgs.count()}), deliveries {dict(by_state)}, in the SMTP sink exactly once "
            f"{once}, twice or more {twice}, never {len(missing)}"
            + (f", sent but not marked sent {unmarked_sent}" if unmarked_sent else ""),
        )
        for d in missing[:5]:
            print(f"       not in the sink: message {d[0]} ({d[2]}, {d[3]} attempts): {d[4][:120]}")
        retried = [d for d in deliveries if d[3] > 1]
        self.stats["reply send retries"] = sum(d[3] - 1 for d in retried)
        # Webhooks: every event (of the subscribed kinds) delivered at least once, one id.
        hooks = dict(
            Hook.objects.filter(endpoint_id=self.endpoint_id).values_list("event_id", "state")
        )
        kinds = Event.objects.filter(
            kind__in=["ticket.created", "message.received", "message.sent"]
        )
        with self.receiver.lock:
            requests = list(self.receiver.requests)
        received = collections.Counter(r["event"] for r in requests)
        unstable = sum(1 for r in requests if r["event"] != r["body_event"] or not r["event"])
        unsigned = sum(1 for r in requests if not r["signed"])
        not_received = [e for e in hooks if not received[e]]
        verdict(
            "webhooks",
            not not_received and not unstable and not unsigned and len(hooks) >= kinds.count(),
            f"events {kinds.count()}, deliveries {len(hooks)}, requests {len(requests)}, events "
            f"received {len(set(received) & set(hooks))} (more than once: "
            f"{sum(1 for c in received.values() if c > 1)}), never {len(not_received)} "
            f"(states then: {dict(collections.Counter(hooks[e] for e in not_received))}), id "
            f"mismatches {unstable}, bad signatures {unsigned}",
        )
        tries = Hook.objects.filter(endpoint_id=self.endpoint_id, attempts__gt=1)
        self.stats["webhook retries"] = sum(a - 1 for a in tries.values_list("attempts", flat=True))
        deaths = {name: p.unexpected for name, p in self.procs.items() if p.unexpected}
        verdict(
            "processes",
            not deaths and not self.errors,
            f"kills {sum(p.kills for p in self.procs.values())}, exits nobody asked for "
            f"{deaths or 0}, client errors {len(self.errors)}",
        )
        for error in self.errors[:5]:
            print(f"       {error}")
        print(f"  retries: {dict(sorted(self.stats.items()))}")
        return ok


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=4, help="kills of each worker")
    parser.add_argument("--small", action="store_true", help="300 in, 60 out, 2 kills")
    parser.add_argument("--smtp-down", type=float, default=20, help="seconds the SMTP is off")
    parser.add_argument("--drain", type=float, default=1800, help="longest wait at the end (s)")
    parser.add_argument("--stuck-after", type=int, default=20, help="webhook STUCK_AFTER (s)")
    parser.add_argument(
        "--pg-restart",
        action="store_true",
        help="restart the PostgreSQL cluster once (pg_ctlcluster VERSION NAME restart)",
    )
    parser.add_argument(
        "--pg-cluster",
        default=PG_CLUSTER,
        help="the cluster --pg-restart restarts, VERSION/NAME (default %(default)s); it must be "
        "the one DATABASE_URL points at",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--test-database", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small:
        args.messages, args.replies, args.kills = 300, 60, 2
        # The drain ends as soon as everything is through (well under a minute on a quiet
        # machine); the cap is for a machine shared with other test runs.
        args.smtp_down, args.drain = min(args.smtp_down, 8), min(args.drain, 300)
    if args.pg_restart:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("--pg-restart needs DATABASE_URL=postgres://…")
        print(
            f"WARNING: --pg-restart restarts the whole PostgreSQL cluster {args.pg_cluster}: "
            "every other user of that server loses their connections for a few seconds.",
            flush=True,
        )
    workdir = Path(tempfile.mkdtemp(prefix="rapport-fault-"))
    os.environ.update(
        {
            "RAPPORT_DATA_DIR": str(workdir),
            # What `make run` sets: endpoints store, the intake worker processes.
            "RAPPORT_INTAKE_DEFERRED": "1",
            # The webhook receiver is this script, on loopback.
            "RAPPORT_WEBHOOKS_ALLOW_PRIVATE": "1",
            # One agent's token sends every API request of the run.
            "RAPPORT_API_RATE_LIMIT": "1000000",
            # A worker killed while posting a webhook leaves it "sending": the sweep sends it
            # again after this long (default 5 min; shorter here, so the run drains in time).
            "RAPPORT_WEBHOOK_STUCK_AFTER": str(args.stuck_after),
        }
    )
    run = Run(args)
    run.customers = max(10, args.messages // 5)
    started = time.monotonic()
    log(
        f"fault run: {args.messages} in, {args.replies} replies, {args.kills} kills each, "
        f"SMTP down {args.smtp_down} s, load {load()}, dir {workdir}"
    )
    stop = threading.Event()
    ok = False
    try:
        run.prepare_database()
        run.start_servers(workdir)
        run.setup_desk()
        run.start_rapport()
        numbers = list(range(args.messages))
        random.Random(args.seed).shuffle(numbers)
        shares = {"endpoint": numbers[0::4] + numbers[1::4], "imap": numbers[2::4]}
        shares["api"] = numbers[3::4]
        # Daemon threads: Ctrl-C stops the run (the finally below stops every process).
        pushers = [
            threading.Thread(target=run.push_endpoint, args=(shares["endpoint"],), daemon=True),
            threading.Thread(target=run.push_imap, args=(shares["imap"],), daemon=True),
            threading.Thread(target=run.push_api, args=(shares["api"],), daemon=True),
        ]
        agent = threading.Thread(target=run.agent, daemon=True)
        faults = threading.Thread(target=run.faults_thread, args=(stop,), daemon=True)
        t0 = time.monotonic()
        for thread in [*pushers, agent, faults]:
            thread.start()
        while any(t.is_alive() for t in [*pushers, agent]):
            for proc in run.procs.values():
                proc.check()
            time.sleep(0.5)
        pushed = time.monotonic() - t0
        faults.join()
        log(f"pushed {run.pushed} messages and {len(run.replies)} replies in {pushed:.0f} s")
        drained = run.drain()
        log(f"drained in {drained:.0f} s")
        ok = run.check()
        print(
            f"  time: push {pushed:.0f} s, drain {drained:.0f} s, total "
            f"{time.monotonic() - started:.0f} s; faults: {'; '.join(run.faults)}"
        )
    finally:
        stop.set()
        for proc in getattr(run, "procs", {}).values():
            proc.stop()
        if getattr(run, "sink", None):
            run.sink.terminate()
        if getattr(run, "dovecot", None):
            run.dovecot.stop()
        if args.keep or not ok:
            print(f"  working directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if run.drop:
                import psycopg
                from django.db import connections

                connections.close_all()
                with psycopg.connect(run.drop[0], autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{run.drop[1]}" WITH (FORCE)')
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
