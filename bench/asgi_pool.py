"""The ASGI server's PostgreSQL pool: what it saves per request (rapport/asgi.py, DB_POOL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench_pool .venv/bin/python \\
        bench/asgi_pool.py [--requests 300] [--rounds 2]

The database is dropped and created, migrated, given one agent with an API token; then uvicorn
is started alternately with the pool (DB_POOL=1, what rapport/asgi.py sets) and without it
(DB_POOL=0: a new connection per request, the setting before), and `--requests` sequential
`GET /api/v1/tickets/` are timed: client wall time per request (p50, mean) and uvicorn's CPU
time per request (/proc), plus PostgreSQL's connections from the server at the end. The
machine's load average is printed beside the figures: compare rounds run under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ws_chat import cpu_seconds, free_port, fresh_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SETUP = """
from rapport.api.actions import do_create_token
from rapport.api.models import Scope
from rapport.test import make_agent
print(do_create_token(make_agent("pool-bench"), name="bench", scope=Scope.READ)[1])
"""


def connections(url: str) -> int:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres") as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


def one_round(env: dict, pool: bool, token: str, n: int, url: str) -> dict:
    port = free_port()
    env = {**env, "DB_POOL": "1" if pool else "0"}
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "uvicorn", "rapport.asgi:application", "--port", str(port)]
        + ["--no-access-log", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/login/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for _ in range(20):  # warm up (imports, the pool's first connections)
                client.get("/api/v1/tickets/").raise_for_status()
            load = os.getloadavg()[0]
            cpu0 = cpu_seconds(server.pid)
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                client.get("/api/v1/tickets/").raise_for_status()
                times.append(time.perf_counter() - t0)
            cpu = cpu_seconds(server.pid) - cpu0
        held = connections(url)
    finally:
        server.terminate()
        server.wait(20)
    return {
        "pool": pool,
        "p50 ms": round(statistics.median(times) * 1000, 2),
        "mean ms": round(statistics.fmean(times) * 1000, 2),
        "uvicorn CPU ms/request": round(cpu * 1000 / n, 2),
        "connections held after": held,
        "load": round(load, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL=postgres://… (dropped and created)")
    fresh_postgres(url)
    data = Path(tempfile.mkdtemp(prefix="rapport-pool-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DB_CONN_MAX_AGE")}
    env.update(RAPPORT_DATA_DIR=str(data), RAPPORT_API_RATE_LIMIT="1000000")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    token = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "shell", "-c", SETUP],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    for _ in range(args.rounds):
        for pool in (False, True):
            print(json.dumps(one_round(env, pool, token, args.requests, url)), flush=True)


if __name__ == "__main__":
    main()
