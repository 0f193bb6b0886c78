"""Load: 50 agents working the workspace and the API, 200 web chat customers (issue #10, Load).

    .venv/bin/python bench/load.py                       # 10 minutes, SQLite, 10,000 tickets
    .venv/bin/python bench/load.py --duration 2m         # (or --minutes 2)
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/h_load \
        --redis-url redis://127.0.0.1:6379/9             # PostgreSQL (dropped, created) + Redis

Loopback only, bounded in time. What it does:

1. A fresh data directory (SQLite) or PostgreSQL database, seeded by bench/seed.py (`--tickets`,
   default 10,000: 8 teams, the 48 agents, bench-agent and bench-supervisor — 50 staff — with
   their customers, tickets, messages and events); a write-scoped API token for each of the
   50; one web chat widget.
2. What `make run` starts, with deferred intake: uvicorn (rapport.asgi), the task worker
   (`db_worker`, or `rqworker` with Redis), `intake_worker`, `scheduler`, `mail_worker`,
   `webhook_worker`.
3. For `--duration`: **50 agents**, each a real browser session (GET /login/, POST /login/ with
   the CSRF token), then a think time of 1–4 s between actions, chosen at random with weights:
   the inbox, its live counts, open a ticket seen in the inbox, search, reply (the reply form:
   the outbox, the mail worker), add a note, and the API with the agent's token (tickets
   list, a ticket's messages, a note by POST). **200 chat customers** speak the widget's
   WebSocket protocol (rapport/webchat/consumers.py; see bench/ws_chat.py): connect, `hello`,
   then a message every 15–45 s, each acknowledged by the server once stored.
4. Per request type: count, throughput, p50/p95/p99/max latency (client side, over loopback),
   errors (5xx, 4xx where none is expected, timeouts, closed sockets); the chat's ack
   latency; the server processes' logs scanned for tracebacks and "database is locked"; the
   machine's load average; every acknowledged chat message checked in the database.

Target (issue #10): 0 errors, p95 ≤ 300 ms on SQLite and PostgreSQL. Logging in is shown
apart: its cost is the password hash (PBKDF2, deliberately slow), paid once per session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ws_chat import cpu_seconds, free_port, fresh_postgres, pct, visitor_id  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "bench-password"  # bench/seed.py
WORDS = ["order", "refund", "delivery", "заказ", "возврат", "доставка", "退款", "订单", "password"]
TICKET_LINK = re.compile(r'href="/tickets/(\d+)/"')
EXCEPTION_LINE = re.compile(r"^((?:[\w.]+\.)?\w+(?:Error|Exception)\b.*)$", re.MULTILINE)

# Agents' actions and their weights (a working agent reads far more than they write).
ACTIONS = {
    "inbox": 18,
    "inbox counts": 16,
    "ticket page": 20,
    "search": 8,
    "reply": 5,
    "note": 7,
    "api tickets": 10,
    "api messages": 10,
    "api note": 6,
}

SETUP = """
import json
from rapport.accounts.models import Team, User
from rapport.api.actions import do_create_token
from rapport.api.models import Scope
from rapport.webchat.models import Widget
team = Team.objects.get(is_default=True)
widget = Widget.objects.create(name="Load", team=team, ip_limit_per_minute=0)
tokens = {}
for user in User.objects.filter(is_active=True).order_by("id")[:50]:
    tokens[user.username] = do_create_token(user, name="load", scope=Scope.WRITE)[1]
print(json.dumps({"widget": widget.key, "tokens": tokens}))
"""

CHECK = """
import json
from rapport.intake.models import InboundRaw
ids = set(InboundRaw.objects.filter(channel="webchat").values_list("external_id", flat=True))
print(json.dumps(sorted(ids)))
"""


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.acked: set[str] = set()
        self.pending: dict[str, float] = {}

    def ok(self, name: str, seconds: float) -> None:
        self.times[name].append(seconds)

    def error(self, name: str, reason: str, seconds: float | None = None) -> None:
        self.errors[name][reason] += 1
        if seconds is not None:
            self.times[name].append(seconds)


def manage(env: dict, *args: str, code: str | None = None) -> str:
    cmd = [PYTHON, str(ROOT / "manage.py"), *args] + (["-c", code] if code else [])
    for _attempt in range(10):
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        # A PostgreSQL shared with other work may be out of connections for a moment.
        if done.returncode == 0 or "too many clients" not in done.stderr:
            break
        time.sleep(3)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


# --- agents ----------------------------------------------------------------------------------


async def timed(stats: Stats, name: str, request, expect: tuple[int, ...]) -> httpx.Response | None:
    """Await `request` (a client call, not yet started) and record its time and outcome."""
    started = time.monotonic()
    try:
        response = await request
    except httpx.HTTPError as exc:
        stats.error(name, type(exc).__name__, time.monotonic() - started)
        return None
    elapsed = time.monotonic() - started
    if response.status_code in expect:
        stats.ok(name, elapsed)
        return response
    stats.error(name, str(response.status_code), elapsed)
    return None


async def agent(n: int, username: str, token: str, base: str, stats: Stats, end: float) -> None:
    rng = random.Random(n)
    await asyncio.sleep(n * 0.6)  # logins are spread: each costs a password hash
    # A kept-alive connection is dropped after 3 s idle: uvicorn closes its own after 5 s, and
    # a request sent on one it is closing fails (ReadError) — a browser would retry it.
    limits = httpx.Limits(keepalive_expiry=3)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as web:
        await timed(stats, "login page", web.get("/login/"), (200,))
        csrf = web.cookies.get("csrftoken", "")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        if await timed(stats, "login", web.post("/login/", data=form), (302,)) is None:
            return
        csrf = web.cookies.get("csrftoken", csrf)
        api = {"Authorization": f"Bearer {token}"}
        tickets: list[int] = []
        names, weights = list(ACTIONS), list(ACTIONS.values())
        while time.monotonic() < end:
            action = rng.choices(names, weights)[0]
            if action not in ("inbox", "inbox counts", "search", "api tickets") and not tickets:
                action = "inbox"  # a ticket is opened from the inbox
            ticket = rng.choice(tickets) if tickets else None
            if action == "inbox":
                view = rng.choice(["", "?view=open", "?view=all"])
                response = await timed(stats, action, web.get(f"/{view}"), (200,))
                if response is not None:
                    tickets = [int(x) for x in TICKET_LINK.findall(response.text)][:50] or tickets
            elif action == "inbox counts":
                await timed(stats, action, web.get("/inbox/counts/"), (200,))
            elif action == "ticket page":
                await timed(stats, action, web.get(f"/tickets/{ticket}/"), (200,))
            elif action == "search":
                q = rng.choice(WORDS)
                await timed(stats, action, web.get("/search/", params={"q": q}), (200,))
            elif action == "reply":
                data = {
                    "body": f"Hello, thank you for writing. I have checked your order ({n}).",
                    "status_after": "",
                    "csrfmiddlewaretoken": csrf,
                }
                await timed(stats, action, web.post(f"/tickets/{ticket}/reply/", data=data), (302,))
            elif action == "note":
                data = {"body": f"Called the courier, waiting ({n}).", "csrfmiddlewaretoken": csrf}
                await timed(stats, action, web.post(f"/tickets/{ticket}/note/", data=data), (302,))
            elif action == "api tickets":
                await timed(
                    stats,
                    action,
                    web.get("/api/v1/tickets/", params={"status": "open"}, headers=api),
                    (200,),
                )
            elif action == "api messages":
                await timed(
                    stats,
                    action,
                    web.get(f"/api/v1/tickets/{ticket}/messages/", headers=api),
                    (200,),
                )
            elif action == "api note":
                await timed(
                    stats,
                    action,
                    web.post(
                        f"/api/v1/tickets/{ticket}/notes/",
                        json={"body": f"Noted by the integration ({n})."},
                        headers=api,
                    ),
                    (201,),
                )
            await asyncio.sleep(rng.uniform(1, 4))


# --- chat customers --------------------------------------------------------------------------


async def customer(n: int, url: str, origin: str, stats: Stats, end: float) -> None:
    rng = random.Random(10_000 + n)
    await asyncio.sleep(n * 0.1)
    token = f"load-{n:04d}-{os.urandom(6).hex()}"
    vid = visitor_id(token)
    started = time.monotonic()
    try:
        ws = await websockets.connect(
            url, additional_headers={"Origin": origin}, open_timeout=30, ping_interval=None
        )
    except Exception as exc:  # noqa: BLE001 — counted, never hidden
        stats.error("chat connect", type(exc).__name__)
        return
    stats.ok("chat connect", time.monotonic() - started)

    async def reader() -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "ack":
                    sent = stats.pending.pop(f"{vid}:{frame['id']}", None)
                    if sent is not None:
                        stats.ok("chat message", time.monotonic() - sent)
                        stats.acked.add(f"{vid}:{frame['id']}")
                elif frame.get("type") == "error":
                    stats.error("chat message", f"error frame {frame.get('code')}")
        except websockets.ConnectionClosed:
            pass

    read = asyncio.create_task(reader())
    try:
        await ws.send(json.dumps({"type": "hello", "token": token, "lang": "en"}))
        k = 0
        await asyncio.sleep(rng.uniform(0, 30))
        while time.monotonic() < end and not read.done():
            cid = f"m{n}-{k}"
            k += 1
            stats.pending[f"{vid}:{cid}"] = time.monotonic()
            await ws.send(json.dumps({"type": "message", "id": cid, "text": f"Hi, order {cid}?"}))
            await asyncio.sleep(rng.uniform(15, 45))
        if read.done():
            stats.error("chat connect", "closed early")
        deadline = time.monotonic() + 15  # the last acks
        while time.monotonic() < deadline and any(k.startswith(vid) for k in stats.pending):
            await asyncio.sleep(0.2)
    except websockets.ConnectionClosed:
        stats.error("chat connect", "closed early")
    finally:
        await ws.close()
        read.cancel()


async def run(args, base: str, tokens: dict[str, str], widget: str, stats: Stats) -> None:
    end = time.monotonic() + args.minutes * 60
    url = base.replace("http://", "ws://") + f"/ws/chat/{widget}/"
    tasks = [
        agent(i, name, tok, base, stats, end)
        for i, (name, tok) in enumerate(list(tokens.items())[: args.agents])
    ]
    tasks += [customer(i, url, base, stats, end) for i in range(args.customers)]
    await asyncio.gather(*tasks)


# --- the whole run ---------------------------------------------------------------------------


def duration(text: str) -> float:
    """Seconds from "600", "600s", "10m" or "1.5m"."""
    text = text.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
    try:
        value = float(text[:-1] if scale else text) * (scale or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (600, 600s, 10m)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=duration,
        default=None,
        help="how long the agents and customers work: 600, 600s, 10m (default 10m)",
    )
    parser.add_argument("--minutes", type=float, default=10, help="the same, in minutes")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=10_000, help="seeded by bench/seed.py")
    parser.add_argument("--database-url", default="", help="PostgreSQL (dropped, created)")
    parser.add_argument("--redis-url", default="", help="Redis: channel layer, cache, RQ")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    if args.duration is not None:
        args.minutes = args.duration / 60

    data = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        RAPPORT_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="rapport.settings",
        RAPPORT_INTAKE_DEFERRED="1",
        PYTHONUNBUFFERED="1",
    )
    if args.database_url:
        fresh_postgres(args.database_url)
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        env["REDIS_URL"] = args.redis_url
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"data dir {data}; seeding {args.tickets:,} tickets on {database} …", flush=True)
    seeded = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "seed.py"), "--tickets", str(args.tickets)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if seeded.returncode:
        sys.exit(f"seed failed:\n{seeded.stderr[-3000:]}")
    manage(env, "optimize_db", "-v0")
    # A running desk's report rollups are up to date: build them from the seeded history now.
    # Left to the worker's first update_rollups_task, folding 10,000 tickets is one write
    # transaction that held SQLite's write lock for minutes: every other writer then failed
    # with "database is locked" (the first 2-minute run of session 6).
    manage(env, "reports_rebuild")
    setup = json.loads(manage(env, "shell", code=SETUP).strip().splitlines()[-1])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker = ["rqworker", "--with-scheduler", "default"] if args.redis_url else ["db_worker"]
    commands = {
        "uvicorn": [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "rapport.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        "worker": [PYTHON, "manage.py", *worker],
        "intake_worker": [PYTHON, "manage.py", "intake_worker"],
        "scheduler": [PYTHON, "manage.py", "scheduler"],
        "mail_worker": [PYTHON, "manage.py", "mail_worker"],
        "webhook_worker": [PYTHON, "manage.py", "webhook_worker"],
    }
    procs: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}
    stats = Stats()
    try:
        for name, cmd in commands.items():
            logs[name] = data / f"{name}.log"
            with logs[name].open("wb") as log:
                procs[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
        for _ in range(300):
            try:
                httpx.get(f"{base}/login/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            sys.exit("the server did not start")
        load_before = os.getloadavg()
        cpu_before = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        print(
            f"{args.agents} agents and {args.customers} chat customers for {args.minutes:g} min"
            f" against {base}; load average before {load_before[0]:.2f}",
            flush=True,
        )
        started = time.monotonic()
        asyncio.run(run(args, base, setup["tokens"], setup["widget"], stats))
        wall = time.monotonic() - started
        cpu = {name: cpu_seconds(p.pid) - cpu_before[name] for name, p in procs.items()}
        load_after = os.getloadavg()
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    stored = set(json.loads(manage(env, "shell", code=CHECK).strip().splitlines()[-1]))
    lost = stats.acked - stored
    unacked = len(stats.pending)
    problems = {}
    for name, path in logs.items():
        text = path.read_text(errors="replace")
        found = {
            "tracebacks": text.count("Traceback (most recent call last)"),
            "database is locked": text.count("database is locked"),
            "deadlock": text.lower().count("deadlock detected"),
        }
        # The last line of each traceback: what went wrong, most frequent first.
        for kind, count in Counter(EXCEPTION_LINE.findall(text)).most_common(3):
            found[kind[:160]] = count
        problems[name] = {k: v for k, v in found.items() if v}

    print(
        f"\n{database}, {args.tickets:,} tickets; {wall / 60:.1f} min; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} / {load_after[1]:.2f} / "
        f"{load_after[2]:.2f} after (1/5/15 min); {os.cpu_count()} CPUs"
    )
    header = f"| {'request':<14} | {'count':>6} | {'/s':>5} | {'p50 ms':>7} | {'p95 ms':>7} |"
    header += f" {'p99 ms':>7} | {'max ms':>7} | errors |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    errors = 0
    order = ["login page", "login", *ACTIONS, "chat connect", "chat message"]
    for name in order:
        times = stats.times.get(name, [])
        errs = stats.errors.get(name, {})
        n_err = sum(errs.values())
        if not times and not n_err:
            continue
        ms = [t * 1000 for t in times]
        errors += n_err
        detail = ", ".join(f"{k}×{v}" for k, v in errs.items()) or "0"
        print(
            f"| {name:<14} | {len(times):>6} | {len(times) / wall:>5.1f} | {pct(ms, 50):>7.1f} |"
            f" {pct(ms, 95):>7.1f} | {pct(ms, 99):>7.1f} | {max(ms, default=0):>7.1f} | {detail} |"
        )
    work = [t * 1000 for name, ts in stats.times.items() if name in ACTIONS for t in ts]
    print(
        f"\nagents' requests: {len(work)} ({len(work) / wall:.1f}/s), p50 {pct(work, 50):.1f} ms,"
        f" p95 {pct(work, 95):.1f} ms, p99 {pct(work, 99):.1f} ms; errors (all kinds): {errors}"
    )
    print(
        f"chat: {len(stats.acked)} messages acknowledged, {unacked} not acknowledged,"
        f" {len(lost)} acknowledged but not stored (lost)"
    )
    served = sum(len(ts) for ts in stats.times.values())
    print(
        "server CPU s: "
        + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
        + f"; uvicorn {cpu['uvicorn'] * 1000 / max(served, 1):.1f} ms CPU per request"
        + f" ({cpu['uvicorn'] / wall:.2f} of a core); this client"
        + f" {time.process_time():.0f} s"
    )
    dirty = {k: v for k, v in problems.items() if v}
    print("server logs: " + (json.dumps(dirty, ensure_ascii=False) if dirty else "clean"))
    if args.keep or dirty:  # the logs of a run with errors are kept to be read
        print(f"kept {data}")
    else:
        import shutil

        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
