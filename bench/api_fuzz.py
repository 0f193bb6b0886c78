"""A long Schemathesis run over the whole API document (issue #10; docs/api.md "Fuzzing").

Runs rapport/api/tests/test_fuzz.py with many examples per operation and mode and a fresh
random draw (the suite's own run is 6 examples, always the same draw), on the database the
environment names — SQLite by default, PostgreSQL with DATABASE_URL:

    .venv/bin/python bench/api_fuzz.py --examples 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/api_fuzz.py

It prints the number of requests, the status codes seen, the time taken and the machine's
load, and exits non-zero when any operation answered a server error or strayed from the
document (each such case is printed with a curl line to reproduce it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="per operation and mode")
    parser.add_argument("--fixed", action="store_true", help="the suite's fixed draw")
    args = parser.parse_args()
    env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples))
    if not args.fixed:
        env["FUZZ_RANDOM"] = "1"
    env.setdefault("RAPPORT_DATA_DIR", "/tmp/rapport-api-fuzz")
    Path(env["RAPPORT_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"api_fuzz: {args.examples} examples per operation and mode on {database}", flush=True)
    started = time.monotonic()
    code = subprocess.call(
        [
            sys.executable,
            "-m",
            "pytest",
            "rapport/api/tests/test_fuzz.py::test_no_operation_errs_or_strays_from_the_document",
            "-q",
            "-s",
            "-n0",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
    )
    elapsed = time.monotonic() - started
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    verdict = "clean" if code == 0 else "FAILURES (above)"
    print(f"api_fuzz: {verdict} in {elapsed:.0f} s; load average {load}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
