"""E-mail ingest benchmark (issue: e-mail channel).

    .venv/bin/python bench/mail_ingest.py [--messages 10000] [--imap]

1. Generates N messages of mixed languages (ru/zh/en) and sizes (2–50 KB), 20 % with
   attachments, each with its own Message-ID.
2. Endpoint path: posts every message to the raw-MIME endpoint in-process (server time per
   message), prints messages/s and p50/p95.
3. With --imap: appends the same messages to a private Dovecot, runs `manage.py mail_worker
   --once` in a subprocess, SIGKILLs it mid-batch, restarts it, and checks that nothing was
   lost and nothing stored twice. Prints messages/s for the IMAP path.

Runs on a throwaway SQLite database in a temporary RAPPORT_DATA_DIR (or DATABASE_URL if set).
"""

from __future__ import annotations

import argparse
import base64
import imaplib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = {
    "ru": [
        "Здравствуйте! Мой заказ до сих пор не пришёл.",
        "Подскажите, пожалуйста, когда будет доставка?",
        "Я оплатил картой, но деньги списались дважды.",
        "Пылесос перестал включаться после обновления.",
        "Спасибо за быструю помощь, всё работает.",
    ],
    "zh": [
        "您好，我的订单还没有到。",
        "请问什么时候可以发货？",
        "我付了两次钱，请帮我退款。",
        "吸尘器更新以后不能开机了。",
        "谢谢你们的帮助，现在一切正常。",
    ],
    "en": [
        "Hello, my order still has not arrived.",
        "Could you tell me when it will ship?",
        "I was charged twice for the same order.",
        "The vacuum stopped turning on.",
        "Thanks for the quick help, everything works now.",
    ],
}


def make_messages(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = rng.choice(["ru", "zh", "en"])
        size = rng.randint(2_000, 50_000)
        body = []
        while sum(len(s.encode()) for s in body) < size * 0.8:
            body.append(rng.choice(SENTENCES[lang]))
        text = " ".join(body)
        sender = f"customer{rng.randint(1, n // 3)}@example.{lang}"
        subject = rng.choice(SENTENCES[lang])[:40]
        boundary = f"b{i}"
        head = (
            f"From: {sender}\r\nTo: help@shop.test\r\nSubject: =?UTF-8?B?"
            f"{base64.b64encode(subject.encode()).decode()}?=\r\n"
            f"Message-ID: <bench-{i}@example.{lang}>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\n"
        )
        if rng.random() < 0.2:
            attachment = base64.encodebytes(rng.randbytes(rng.randint(1_000, 10_000))).decode()
            raw = (
                head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
                f"--{boundary}\r\nContent-Type: application/pdf\r\n"
                f'Content-Disposition: attachment; filename="invoice-{i}.pdf"\r\n'
                f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--{boundary}--\r\n"
            )
        else:
            raw = (
                head + "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + text + "\r\n"
            )
        out.append(raw.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    return out


def setup_django(data_dir: str) -> None:
    os.environ["RAPPORT_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def endpoint_path(messages: list[bytes], data_dir: str, deferred: bool, kill: bool) -> None:
    from django.test import Client

    from rapport.accounts.models import Team
    from rapport.intake.models import InboundRaw
    from rapport.mail.models import Mailbox

    team = Team.objects.create(name="Bench", is_default=True)
    box = Mailbox.objects.create(
        name="Bench", address="help@shop.test", team=team, ack_enabled=True, smtp_host=""
    )
    client = Client()
    url = f"/mail/inbound/{box.pk}/"
    auth = f"Bearer {box.inbound_token}"
    times = []
    worker = start_intake_worker(data_dir) if deferred else None
    started = time.perf_counter()
    for raw in messages:
        t0 = time.perf_counter()
        response = client.post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=auth)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 202, response.content
    total = time.perf_counter() - started
    stored = InboundRaw.objects.count()
    print(
        f"endpoint path{' (deferred: store and answer)' if deferred else ''}: "
        f"{len(messages)} messages in {total:.1f} s = "
        f"{len(messages) / total:.0f} messages/s; per message p50 "
        f"{statistics.median(times) * 1000:.1f} ms, p95 "
        f"{statistics.quantiles(times, n=20)[18] * 1000:.1f} ms; stored {stored}"
    )
    if deferred:
        finish_drain(worker, data_dir, len(messages), started, kill)


def start_intake_worker(data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "RAPPORT_DATA_DIR": data_dir}
    return subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "intake_worker", "--idle", "0.02"],
        env=env,
        cwd=ROOT,
    )


def finish_drain(
    worker: subprocess.Popen, data_dir: str, count: int, started: float, kill: bool
) -> None:
    """Wait for the intake worker to process every message (SIGKILL it once mid-way with
    `kill`, then start a new one); print the end-to-end rate, the processing lag and the
    lost/duplicated counts."""
    from django.db.models import Count

    from rapport.intake.models import InboundRaw, RawState
    from rapport.tickets.models import Message

    def processed() -> int:
        return InboundRaw.objects.exclude(state=RawState.RECEIVED).count()

    if kill:
        while processed() < count // 2 and worker.poll() is None:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        print(f"intake worker SIGKILLed after {processed()} of {count} messages were processed")
        worker = start_intake_worker(data_dir)
    try:
        while processed() < count:
            if worker.poll() is not None:
                raise SystemExit("the intake worker died")
            time.sleep(0.02)
        total = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait()
    lags = sorted(
        (r.processed_at - r.received_at).total_seconds()
        for r in InboundRaw.objects.only("received_at", "processed_at")
    )
    distinct = Message.objects.values("external_id").distinct().count()
    twice = (
        Message.objects.values("external_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .aggregate(extra=Count("external_id"))["extra"]
    )
    quarantined = InboundRaw.objects.filter(state=RawState.QUARANTINED).count()
    print(
        f"end to end (stored, parsed, threaded, on a ticket): {count} messages in {total:.1f} s"
        f" = {count / total:.0f} messages/s; lag received→processed p50 "
        f"{lags[len(lags) // 2] * 1000:.0f} ms, p95 {lags[int(len(lags) * 0.95)] * 1000:.0f} ms;"
        f" lost {count - distinct - quarantined}, stored twice {twice}, quarantined {quarantined}"
    )


def http_path(
    messages: list[bytes], data_dir: str, workers: int, clients: int, deferred: bool, kill: bool
) -> None:
    """Through a real ASGI server (uvicorn, N worker processes) with concurrent clients."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from rapport.accounts.models import Team
    from rapport.intake.models import InboundRaw
    from rapport.mail.models import Mailbox
    from rapport.mail.tests.servers import _wait_for_port, free_port

    team = Team.objects.create(name="Bench", is_default=True)
    box = Mailbox.objects.create(
        name="Bench", address="help@shop.test", team=team, ack_enabled=True, smtp_host=""
    )
    port = free_port()
    env = {**os.environ, "RAPPORT_DATA_DIR": data_dir}
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            "rapport.asgi:application",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_for_port(port, 30)
        time.sleep(1.0)
        headers = {"Authorization": f"Bearer {box.inbound_token}", "Content-Type": "message/rfc822"}
        local = __import__("threading").local()

        def post(raw: bytes) -> float:
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            t0 = time.perf_counter()
            local.conn.request("POST", f"/mail/inbound/{box.pk}/", body=raw, headers=headers)
            response = local.conn.getresponse()
            response.read()
            assert response.status == 202, response.status
            return time.perf_counter() - t0

        worker = start_intake_worker(data_dir) if deferred else None
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            times = list(pool.map(post, messages))
        total = time.perf_counter() - started
        print(
            f"http path (uvicorn x{workers}, {clients} clients): {len(messages)} messages in "
            f"{total:.1f} s = {len(messages) / total:.0f} messages/s; per request p50 "
            f"{statistics.median(times) * 1000:.1f} ms, p95 "
            f"{statistics.quantiles(times, n=20)[18] * 1000:.1f} ms; stored "
            f"{InboundRaw.objects.count()}"
        )
        if deferred:
            finish_drain(worker, data_dir, len(messages), started, kill)
    finally:
        server.terminate()
        server.wait()


def imap_path(messages: list[bytes], data_dir: str) -> None:
    from rapport.accounts.models import Team
    from rapport.intake.models import InboundRaw
    from rapport.mail.models import Mailbox, Security
    from rapport.mail.tests.servers import Dovecot
    from rapport.tickets.models import Message

    dovecot = Dovecot().start()
    try:
        user = "support0@rapport.test"
        client = imaplib.IMAP4("127.0.0.1", dovecot.port)
        client.login(user, "secret")
        t0 = time.perf_counter()
        for raw in messages:
            client.append("INBOX", None, None, raw)
        client.logout()
        print(
            f"imap: appended {len(messages)} messages to Dovecot in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        team = Team.objects.get_or_create(name="Bench IMAP")[0]
        box = Mailbox(
            name="IMAP",
            address="imap@shop.test",
            team=team,
            ack_enabled=False,
            imap_host="127.0.0.1",
            imap_port=dovecot.port,
            imap_security=Security.NONE,
            imap_username=user,
        )
        box.imap_password = "secret"
        box.save()
        before_raw = InboundRaw.objects.count()
        env = {**os.environ, "RAPPORT_DATA_DIR": data_dir}
        command = [sys.executable, str(ROOT / "manage.py"), "mail_worker", "--once"]
        started = time.perf_counter()
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
        # Kill it mid-batch: once a third of the messages are stored.
        deadline = time.monotonic() + 600
        while InboundRaw.objects.count() - before_raw < len(messages) // 3:
            if time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_after = InboundRaw.objects.count() - before_raw
        print(f"imap: SIGKILLed the worker after {killed_after} messages were stored")
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        total = time.perf_counter() - started
        stored = InboundRaw.objects.count() - before_raw
        distinct = len(set(InboundRaw.objects.values_list("external_id", flat=True)))
        messages_in = Message.objects.filter(direction="in").count()
        print(
            f"imap path: {stored} messages in {total:.1f} s including the kill and restart "
            f"= {stored / total:.0f} messages/s; lost {len(messages) - distinct}, "
            f"stored twice {stored - distinct}; inbound messages on tickets {messages_in}"
        )
    finally:
        dovecot.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--imap", action="store_true")
    parser.add_argument(
        "--http",
        action="store_true",
        help="through uvicorn with --workers processes and --clients threads",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--deferred",
        action="store_true",
        help="RAPPORT_INTAKE_DEFERRED: the endpoint stores and answers, an intake_worker "
        "process drains in batches (what `make run` does)",
    )
    parser.add_argument(
        "--kill", action="store_true", help="with --deferred: SIGKILL the intake worker mid-way"
    )
    args = parser.parse_args()
    if args.deferred:
        os.environ["RAPPORT_INTAKE_DEFERRED"] = "1"
    data_dir = tempfile.mkdtemp(prefix="rapport-bench-mail-")
    setup_django(data_dir)
    messages = make_messages(args.messages)
    sizes = sorted(len(m) for m in messages)
    print(
        f"{len(messages)} messages, {sum(sizes) / 1e6:.0f} MB, median "
        f"{sizes[len(sizes) // 2] / 1000:.0f} KB"
    )
    if args.imap:
        imap_path(messages, data_dir)
    elif args.http:
        http_path(messages, data_dir, args.workers, args.clients, args.deferred, args.kill)
    else:
        endpoint_path(messages, data_dir, args.deferred, args.kill)


if __name__ == "__main__":
    main()
