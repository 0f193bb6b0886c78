"""WebSocket chat load: N concurrent chat visitors against Rapport's server (issue #6, CH1).

    .venv/bin/python bench/ws_chat.py                          # 1000 clients, one server, SQLite
    .venv/bin/python bench/ws_chat.py --clients 200 --duration 30
    .venv/bin/python bench/ws_chat.py --servers 2 --redis      # two servers on the Redis layer
    .venv/bin/python bench/ws_chat.py --servers 2 --redis \
        --database-url postgres://postgres@127.0.0.1:5432/h_ws   # PostgreSQL (dropped, created)
    .venv/bin/python bench/ws_chat.py --immediate              # ack after the whole intake
    .venv/bin/python bench/ws_chat.py --servers 2 --immediate --tabs 2 \
        --clients 200                                            # two servers, no Redis

What it does: a fresh data directory (SQLite), `migrate`, one chat widget with no per-address
limit (every client comes from 127.0.0.1), then uvicorn server process(es) started here
(`--servers 2` without `--redis`: RAPPORT_WEB_PROCESSES=2, each server relays its events to the
other through the relay table, the cache is shared: docs/scaling.md).
N clients speak the visitor protocol of rapport/webchat/consumers.py: connect (ramped, RAMP
per second), `hello` with their own token, then every INTERVAL seconds (first one at a random
offset) a `message` with a fresh client id, for DURATION seconds. Clients are spread over the
servers round-robin.

Deferred intake (the default, as `make run`): servers and one `manage.py intake_worker`
(`--workers N`) run with RAPPORT_INTAKE_DEFERRED=1: the ack comes once the raw message is
committed, the worker turns it into a ticket message. `--immediate`: no worker, the ack after
the whole intake.

Measured:
- round trip: `message` sent → the server's `ack` for that client id (sent once the message
  is committed: raw with deferred intake, through the whole intake with --immediate): p50,
  p90, p99, max;
- errors: failed connects, `error` frames, connections closed early, acks not received within
  the grace period at the end;
- lost: every client id acknowledged must be stored — checked in the database (the raw row,
  intake_inboundraw.external_id = "<visitor id>:<client id>"), and once processed, exactly one
  tickets_message with that external id: missing or duplicated ids;
- processing (deferred): after the clients leave, the bench waits up to --drain seconds for the
  worker to finish the backlog, then reports the end-to-end lag (raw stored → processed:
  p50/p90/p99/max) and the worker's rate; what is left unprocessed is counted, not lost.
Also the machine's load (os.getloadavg) before and after, the CPU the servers used (per
message, during the clients and through the drain; the first server's event-loop thread
apart from its other threads) and the clients' own CPU.
Target (issue #6): p99 ≤ 100 ms, 0 lost.

`--tabs 2` (with `--servers 2`): each visitor has a second tab open on the other server. A
message's echo for the visitor's tabs (`message` frame: with `--immediate` the server that took
the message sends it to the chat's group) reaches the first tab on the same server and the
second through the other server: the difference is what crossing processes costs (p50/p99;
without Redis, the relay: issue #10). The second tab follows the chat once the first message
is acknowledged (`history`); messages it could not follow yet are counted apart.

The servers run without permessage-deflate (`--deflate` for uvicorn's default), as proposed
for `make run` (docs/webchat.md, "The server's CPU per message"). `--template FILE` copies a
migrated SQLite database (made on the first run) instead of migrating every time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def visitor_id(token: str) -> str:  # as rapport.webchat.models.visitor_id
    return "v" + hashlib.sha256(token.encode()).hexdigest()[:32]


def manage(env: dict, *args: str, code: str | None = None) -> str:
    cmd = [PYTHON, str(ROOT / "manage.py"), *args]
    if code is not None:
        cmd += ["-c", code]
    done = subprocess.run(  # noqa: S603 — our own manage.py
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live child processes (Linux /proc): a
    `uvicorn --workers N` (WEB_CONCURRENCY) is its supervisor and N workers."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(cpu_seconds(int(child)) for child in children)


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of a process (Linux /proc); the main thread's id is the pid."""
    out = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


class Stats:
    def __init__(self) -> None:
        self.rtts: list[float] = []
        self.sent: dict[str, set[str]] = {}  # visitor id → client ids sent
        self.pending: dict[str, float] = {}  # client id → send time
        self.acked: set[str] = set()  # "<visitor id>:<client id>"
        self.pings: list[str] = []  # --frame ping: ids of pings not answered yet
        self.connect_errors = 0
        self.error_frames: dict[str, int] = {}
        self.closed_early = 0
        self.connected = 0
        self.echo_here: dict[str, float] = {}  # --tabs 2: client id → the echo on its server
        self.echo_there: dict[str, float] = {}  # … and on the other server's tab
        self.second_tab_errors = 0
        self.echo_twice = 0  # an echo the other tab received a second time (must stay 0)


async def second_tab(url: str, token: str, stats: Stats, follow: asyncio.Event, done) -> None:
    """--tabs 2: the same visitor's tab on the other server; notes when each echo arrives."""
    origin = url.replace("ws://", "http://").split("/ws/")[0]
    try:
        socket_ = await websockets.connect(
            url, additional_headers={"Origin": origin}, open_timeout=60, ping_interval=None
        )
    except Exception:
        stats.second_tab_errors += 1
        return
    try:
        await socket_.send(json.dumps({"type": "hello", "token": token, "lang": "en"}))

        async def history() -> None:
            await follow.wait()
            await socket_.send(json.dumps({"type": "history"}))

        asking = asyncio.create_task(history())
        async for raw in socket_:
            frame = json.loads(raw)
            if frame.get("type") == "message":
                cid = (frame.get("message") or {}).get("client_id")
                if cid in stats.echo_there:
                    stats.echo_twice += 1
                elif cid:
                    stats.echo_there[cid] = time.monotonic()
            if done.is_set():
                break
        asking.cancel()
    except websockets.ConnectionClosed:
        pass
    finally:
        await socket_.close()


async def client(
    n: int, url: str, origin: str, args, stats: Stats, start_at: float, other: str = ""
) -> None:
    token = f"bench-{n:06d}-{os.urandom(6).hex()}"
    vid = visitor_id(token)
    stats.sent[vid] = set()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        socket_ = await websockets.connect(
            url, additional_headers={"Origin": origin}, open_timeout=60, ping_interval=None
        )
    except Exception:
        stats.connect_errors += 1
        return
    stats.connected += 1
    done = asyncio.Event()
    follow = asyncio.Event()
    tab = (
        asyncio.create_task(second_tab(other, token, stats, follow, done))
        if other and args.frame == "message"
        else None
    )

    async def reader() -> None:
        try:
            async for raw in socket_:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "ack":
                    sent_at = stats.pending.pop(frame["id"], None)
                    if sent_at is not None:
                        stats.rtts.append(time.monotonic() - sent_at)
                        stats.acked.add(f"{vid}:{frame['id']}")
                    follow.set()
                elif kind == "message" and tab is not None:
                    cid = (frame.get("message") or {}).get("client_id")
                    if cid:
                        stats.echo_here.setdefault(cid, time.monotonic())
                elif kind == "pong" and stats.pings:
                    # Pongs come back in order on one connection: the oldest ping is answered.
                    mine = [c for c in stats.pings if c.startswith(f"c{n}-")]
                    if mine:
                        stats.pings.remove(mine[0])
                        stats.rtts.append(time.monotonic() - stats.pending.pop(mine[0]))
                elif kind == "error":
                    code = frame.get("code", "?")
                    stats.error_frames[code] = stats.error_frames.get(code, 0) + 1
        except websockets.ConnectionClosed:
            pass
        if not done.is_set():
            stats.closed_early += 1

    if args.frame == "message":  # pings need no hello: the transport alone is measured
        await socket_.send(json.dumps({"type": "hello", "token": token, "lang": "en"}))
    read = asyncio.create_task(reader())
    # The first message at a random point of the first interval: the load is spread evenly.
    first = time.monotonic() + random.uniform(0, args.interval)  # noqa: S311
    end = first + args.duration - args.interval
    k = 0
    try:
        next_at = first
        while next_at <= end and not read.done():
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            cid = f"c{n}-{k}"
            k += 1
            stats.pending[cid] = time.monotonic()
            if args.frame == "ping":
                stats.pings.append(cid)
                await socket_.send(json.dumps({"type": "ping"}))
            else:
                stats.sent[vid].add(cid)
                await socket_.send(
                    json.dumps({"type": "message", "id": cid, "text": f"Bench message {cid}"})
                )
            next_at += args.interval
        # Grace period for the last acks.
        deadline = time.monotonic() + args.grace
        while time.monotonic() < deadline and any(f"c{n}-{j}" in stats.pending for j in range(k)):
            await asyncio.sleep(0.2)
    except websockets.ConnectionClosed:
        pass
    finally:
        done.set()
        await socket_.close()
        read.cancel()
        if tab is not None:
            await asyncio.sleep(0.5)  # the last echo on its way to the other tab
            tab.cancel()


# Run by `manage.py shell` (SQLite or PostgreSQL alike): what the database holds.
STORED = """
import json
from django.db.models import Count
from rapport.intake.models import InboundRaw
from rapport.tickets.models import Message
def batches():
    # The intake worker queues one analysis task per batch (database task queue only).
    from django.db import connection
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult")
            return cursor.fetchone()[0]
    except Exception:
        return None
raws = InboundRaw.objects.filter(channel="webchat", external_id__contains=":c")
messages = dict(
    Message.objects.filter(channel="webchat", external_id__contains=":c")
    .values_list("external_id").annotate(n=Count("id")).values_list("external_id", "n")
)
rows = list(raws.values_list("external_id", "state", "received_at", "processed_at"))
print(json.dumps({
    "raws": [[e, s] for e, s, _r, _p in rows],
    "messages": messages,
    "lags": [(p - r).total_seconds() for _e, s, r, p in rows if s == "processed" and p],
    "first_processed": min((p for *_x, p in rows if p), default=None) and
        min(p for *_x, p in rows if p).timestamp(),
    "last_processed": max((p for *_x, p in rows if p), default=None) and
        max(p for *_x, p in rows if p).timestamp(),
    "batches": batches(),
}))
"""


def stored(env: dict) -> dict:
    out = manage(env, "shell", code=STORED)
    return json.loads(out.strip().splitlines()[-1])


def unprocessed(env: dict) -> int:
    code = (
        "from rapport.intake.models import InboundRaw\n"
        "print(InboundRaw.objects.filter(channel='webchat', state='received').count())"
    )
    return int(manage(env, "shell", code=code).strip().splitlines()[-1])


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database (its name is in the URL)."""
    import psycopg

    base, _slash, name = url.rstrip("/").rpartition("/")
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name in {url!r}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def print_trace(paths: list[Path], rtts_ms: list[float]) -> None:
    """--trace: where the servers' time went (rapport/webchat/trace.py), all servers together."""
    lines = [json.loads(line) for path in paths for line in path.read_text().splitlines()]
    msgs = [x for x in lines if x["kind"] == "msg"]
    if not msgs:
        print("trace                nothing recorded")
        return

    def row(name: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (
            f"  {name:<28} p50 {pct(ms, 50):7.1f}  p90 {pct(ms, 90):7.1f}  p99 {pct(ms, 99):7.1f}"
            f"  max {max(ms):7.1f} ms"
        )

    print(f"trace                {len(msgs)} messages (server side, frame read → ack sent):")
    print(row("server", [m["server"] for m in msgs]))
    print(row("queued for the writer", [m["queued"] for m in msgs]))
    print(row("batch on the writer thread", [m["store"] for m in msgs]))
    print(row("  of which the write lock", [m["lock"] for m in msgs]))
    # The slowest 1 % server-side: what they were waiting for.
    slow = sorted(msgs, key=lambda m: m["server"])[-max(1, len(msgs) // 100) :]
    rest = [m["server"] - m["queued"] - m["store"] for m in slow]
    print(
        "  slowest 1 %: mean ms"
        f" server {statistics.fmean(m['server'] for m in slow) * 1000:.1f},"
        f" queued {statistics.fmean(m['queued'] for m in slow) * 1000:.1f},"
        f" batch {statistics.fmean(m['store'] for m in slow) * 1000:.1f}"
        f" (lock {statistics.fmean(m['lock'] for m in slow) * 1000:.1f}),"
        f" event loop {statistics.fmean(rest) * 1000:.1f}"
    )
    if rtts_ms:
        print(
            f"  client round trip p99 {pct(rtts_ms, 99):.1f} ms vs server p99"
            f" {pct([m['server'] * 1000 for m in msgs], 99):.1f} ms (the rest: sockets and the"
            " event loops before the frame is read)"
        )
    lags = [x["lag"] for x in lines if x["kind"] == "lag"]
    print(
        f"  event loop late >5 ms {len(lags)} times, >20 ms"
        f" {sum(1 for v in lags if v > 0.02)}, >50 ms {sum(1 for v in lags if v > 0.05)};"
        f" max {max(lags, default=0) * 1000:.0f} ms"
    )
    for gen in (0, 1, 2):
        pauses = [x["pause"] for x in lines if x["kind"] == "gc" and x["gen"] == gen]
        if pauses:
            print(
                f"  GC generation {gen}: {len(pauses)} pauses >1 ms, total"
                f" {sum(pauses) * 1000:.0f} ms, max {max(pauses) * 1000:.0f} ms"
            )


async def run_clients(args, urls: list[str], stats: Stats) -> None:
    t0 = time.monotonic() + 0.5
    tasks = [
        asyncio.create_task(
            client(
                n,
                urls[n % len(urls)],
                urls[n % len(urls)].replace("ws://", "http://").split("/ws/")[0],
                args,
                stats,
                t0 + n / args.ramp,
                urls[(n + 1) % len(urls)] if args.tabs > 1 and len(urls) > 1 else "",
            )
        )
        for n in range(args.clients)
    ]
    await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=60, help="seconds of sending")
    parser.add_argument("--interval", type=float, default=5, help="seconds between messages")
    parser.add_argument("--ramp", type=float, default=100, help="connections a second")
    parser.add_argument("--grace", type=float, default=30, help="seconds to wait for acks")
    parser.add_argument(
        "--frame",
        choices=["message", "ping"],
        default="message",
        help="message: a chat message, stored (default); ping: the transport alone (pong)",
    )
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--redis", action="store_true", help="channel layer on REDIS_URL")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"
    )
    parser.add_argument(
        "--tabs",
        type=int,
        default=1,
        help="2: each visitor has a second tab on the other server (see above; --servers 2)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--immediate",
        action="store_true",
        help="no deferred intake: the ack after the whole intake (no intake worker)",
    )
    parser.add_argument("--workers", type=int, default=1, help="intake workers (deferred)")
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="permessage-deflate on (uvicorn's default; off here as proposed for `make run`:"
        " compressing frames of ~150 bytes saves nothing and cost ~4 %% of the server's time)",
    )
    parser.add_argument(
        "--ws",
        default="websockets-sansio",
        help="uvicorn's WebSocket implementation (--ws): websockets-sansio, websockets, wsproto",
    )
    parser.add_argument("--loop", default="auto", help="uvicorn's event loop (--loop)")
    parser.add_argument(
        "--drain", type=float, default=120, help="seconds to wait for the worker's backlog"
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL (the database is dropped, created)"
    )
    parser.add_argument(
        "--template",
        default="",
        help="SQLite: copy the migrated database from this file (made on the first run)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="the servers record where each message's time went (RAPPORT_CHAT_TRACE: queue, "
        "store, SQLite's write lock), event-loop lags and GC pauses; summarised at the end",
    )
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="rapport-wsbench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(RAPPORT_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="rapport.settings")
    env["RAPPORT_INTAKE_DEFERRED"] = "0" if args.immediate else "1"
    if args.database_url:
        fresh_postgres(args.database_url)
        env["DATABASE_URL"] = args.database_url
    if args.servers > 1 and not args.redis:
        # Without Redis: each server relays its events to the others, the cache is shared.
        env["RAPPORT_WEB_PROCESSES"] = str(args.servers)
    if args.redis:
        env["REDIS_URL"] = args.redis_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    template = Path(args.template) if args.template and not args.database_url else None
    if template is not None and template.exists():
        print(f"data dir {data}; database copied from {template}", flush=True)
        shutil.copyfile(template, data / "rapport.sqlite3")
        manage(env, "migrate", "--noinput", "-v0")  # nothing to do unless migrations changed
    else:
        print(f"data dir {data}; migrating …", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "optimize_db", "-v0")
        if template is not None:
            template.parent.mkdir(parents=True, exist_ok=True)
            # (the last connection to close checkpointed the WAL into the file)
            shutil.copyfile(data / "rapport.sqlite3", template)
    key = (
        manage(
            env,
            "shell",
            code=(
                "from rapport.accounts.models import Team\n"
                "from rapport.webchat.models import Widget\n"
                "team = Team.objects.create(name='Support', is_default=True)\n"
                "w = Widget.objects.create(name='Bench', team=team, ip_limit_per_minute=0)\n"
                "print(w.key)\n"
            ),
        )
        .strip()
        .splitlines()[-1]
    )

    servers = []
    ports = []
    for n in range(args.servers):
        port = free_port()
        server_env = dict(env)
        if args.trace:
            server_env["RAPPORT_CHAT_TRACE"] = str(data / f"trace-{n}.jsonl")
        proc = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "uvicorn"),
                "rapport.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--ws",
                args.ws,
                "--loop",
                args.loop,
                "--ws-ping-interval",
                "0",
                "--backlog",
                "4096",
                *([] if args.deflate else ["--ws-per-message-deflate", "false"]),
            ],
            env=server_env,
            cwd=ROOT,
        )
        servers.append(proc)
        ports.append(port)
    workers = []
    if not args.immediate:
        for _ in range(args.workers):
            workers.append(
                subprocess.Popen(  # noqa: S603
                    [PYTHON, str(ROOT / "manage.py"), "intake_worker"], env=env, cwd=ROOT
                )
            )
    drained_at = None
    worker_cpu: list[float] = []
    try:
        for port in ports:
            deadline = time.monotonic() + 180  # a loaded machine imports Django slowly
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or any(p.poll() is not None for p in servers):
                        sys.exit(f"server on {port} did not start")
                    time.sleep(0.2)
        urls = [f"ws://127.0.0.1:{p}/ws/chat/{key}/" for p in ports]
        stats = Stats()
        load_before = os.getloadavg()
        cpu_before = [cpu_seconds(p.pid) for p in servers]
        started = time.monotonic()
        print(
            f"{args.clients} clients → {args.servers} server(s)"
            f"{' on Redis' if args.redis else ' (in-process layer)'}"
            f"{' relayed between them' if args.servers > 1 and not args.redis else ''}"
            f", a message every"
            f" {args.interval:g} s for {args.duration:g} s; load before {load_before[0]:.2f}",
            flush=True,
        )
        client_cpu = time.process_time()
        asyncio.run(run_clients(args, urls, stats))
        client_cpu = time.process_time() - client_cpu
        wall = time.monotonic() - started
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(servers, cpu_before, strict=True)]
        load_after = os.getloadavg()
        clients_done = time.time()
        if workers:
            # The worker's backlog: wait (bounded) for it to be processed.
            deadline = time.monotonic() + args.drain
            left = unprocessed(env)
            print(f"clients done; {left} message(s) left to process …", flush=True)
            while left and time.monotonic() < deadline:
                time.sleep(2)
                left = unprocessed(env)
            drained_at = time.time() - clients_done
            worker_cpu = [cpu_seconds(w.pid) for w in workers]
        # Through the drain too: the server pushes each processed message to its widget.
        cpu_drained = [cpu_seconds(p.pid) - c for p, c in zip(servers, cpu_before, strict=True)]
        threads = thread_cpu(servers[0].pid)
        loop_cpu = threads.pop(servers[0].pid, 0.0)
        other_cpu = sum(threads.values())
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    db = stored(env)
    raws = {e: st for e, st in db["raws"]}
    in_db = db["messages"]
    sent = {f"{vid}:{cid}" for vid, cids in stats.sent.items() for cid in cids}
    lost = stats.acked - raws.keys()  # acknowledged, yet not in the database: a real loss
    unacked = sent - stats.acked  # the widget would resend these (same id: stored once)
    unacked_stored = unacked & raws.keys()
    duplicated = [k for k, v in in_db.items() if v > 1 and k in sent]
    processed = {e for e, st in raws.items() if st == "processed"}
    not_processed = {e for e, st in raws.items() if st == "received"}
    quarantined = {e for e, st in raws.items() if st == "quarantined"}
    processed_lost = processed - in_db.keys()  # processed, yet no message
    rtts_ms = [r * 1000 for r in stats.rtts]
    cpu_text = ", ".join(f"{c:.0f} s ({c / wall * 100:.0f} %)" for c in cpu)
    print()
    print(
        f"connected            {stats.connected}/{args.clients}"
        f" (connect errors {stats.connect_errors})"
    )
    print(
        f"messages sent        {len(sent)}  acked {len(stats.acked)}  unacked {len(unacked)}"
        f" (of which stored {len(unacked_stored)})"
    )
    print(
        f"round trip ms        p50 {pct(rtts_ms, 50):.1f}  p90 {pct(rtts_ms, 90):.1f}"
        f"  p99 {pct(rtts_ms, 99):.1f}  max {max(rtts_ms, default=float('nan')):.1f}"
        f"  mean {statistics.fmean(rtts_ms) if rtts_ms else float('nan'):.1f}"
    )
    print(
        f"answers              {len(rtts_ms)} (none before the client left: {len(stats.pending)})"
    )
    if args.tabs > 1:
        there = stats.echo_there
        crossed = [(there[c] - t) * 1000 for c, t in stats.echo_here.items() if c in there]
        missed = [c for c in stats.echo_here if c not in stats.echo_there]
        first = [c for c in missed if c.endswith("-0")]  # before the second tab could follow
        print(
            f"other server's tab   ms after the sender's tab: p50 {pct(crossed, 50):.1f}"
            f"  p90 {pct(crossed, 90):.1f}  p99 {pct(crossed, 99):.1f}"
            f"  max {max(crossed, default=float('nan')):.1f} ({len(crossed)} echoes;"
            f" not received there {len(missed)}, of which first messages {len(first)};"
            f" received twice {stats.echo_twice};"
            f" second tabs not connected {stats.second_tab_errors})"
        )
    print(f"error frames         {dict(stats.error_frames) or 0}")
    print(f"closed early         {stats.closed_early}")
    print(
        f"lost (acked, not stored) {len(lost)}   stored twice {len(duplicated)}"
        f"   not stored at all {len(sent - raws.keys())}"
    )
    print(
        f"processed            {len(processed)} (a message each: {len(processed & in_db.keys())};"
        f" processed without a message {len(processed_lost)}); quarantined {len(quarantined)};"
        f" still to process {len(not_processed)}"
    )
    if workers:
        lags = [lag * 1000 for lag in db["lags"]]
        span = (db["last_processed"] or 0) - (db["first_processed"] or 0)
        print(
            f"end-to-end lag ms    p50 {pct(lags, 50):.0f}  p90 {pct(lags, 90):.0f}"
            f"  p99 {pct(lags, 99):.0f}  max {max(lags, default=float('nan')):.0f}"
            " (raw stored → processed by the intake worker)"
        )
        print(
            f"intake worker        {len(processed) / max(span, 1e-9):.1f} messages/s over"
            f" {span:.0f} s; backlog waited for {drained_at:.0f} s after the clients;"
            f" CPU {', '.join(f'{c:.0f} s' for c in worker_cpu)},"
            f" {sum(worker_cpu) / max(len(processed), 1) * 1000:.2f} ms a processed message"
            + (
                f"; {db['batches']} batches ({len(processed) / db['batches']:.1f} a batch)"
                if db.get("batches")
                else ""
            )
        )
    print(
        f"throughput           {len(rtts_ms) / max(wall, 1e-9):.1f} acked messages/s, {wall:.0f} s"
    )
    print(
        f"server CPU           {cpu_text};"
        f" {sum(cpu) / max(len(sent), 1) * 1000:.2f} ms a message (connects included)"
    )
    print(
        f"server threads       event loop {loop_cpu:.1f} s, other threads {other_cpu:.1f} s"
        " (the first server, since it started)"
    )
    if workers:
        print(
            f"server CPU to drain  {sum(cpu_drained):.1f} s;"
            f" {sum(cpu_drained) / max(len(sent), 1) * 1000:.2f} ms a message (with the pushes"
            f" of the {len(processed)} processed)"
        )
    print(
        f"client CPU           {client_cpu:.1f} s; {client_cpu / max(len(sent), 1) * 1000:.2f} ms"
        " a message (this process: the clients)"
    )
    print(
        f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}"
        " (2 cores, shared)"
    )
    if args.trace:
        print_trace(sorted(data.glob("trace-*.jsonl")), rtts_ms)
    ok = (
        pct(rtts_ms, 99) <= 100
        and not lost
        and not unacked
        and not duplicated
        and not processed_lost
    )
    print(f"target p99 ≤ 100 ms and 0 lost: {'met' if ok else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
