#!/usr/bin/env python
"""Combine bench/results/*.json (written by measure.py) into one table per database.

.venv/bin/python bench/report.py [bench/results]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_P95_MS = 50.0
TARGET_GROWTH = 2.0
TARGET_RSS_MB = 300.0


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results")
    runs = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    seeds = {}
    for p in folder.glob("*.seed"):
        seeds[p.stem] = p.read_text().strip()
    if not runs:
        raise SystemExit(f"no results in {folder}")
    for vendor in sorted({r["vendor"] for r in runs}):
        vr = sorted((r for r in runs if r["vendor"] == vendor), key=lambda r: r["tickets"])
        sizes = [size_label(r["tickets"]) for r in vr]
        print(f"\n### {vendor}\n")
        print(
            "| page | "
            + " | ".join(f"{s} p50 / p95 ms" for s in sizes)
            + " | p95 growth | target |"
        )
        print("|---|" + "--:|" * len(sizes) + "--:|:-:|")
        pages = [p["page"] for p in vr[-1]["pages"]]
        for page in pages:
            cells, p95s = [], []
            for r in vr:
                row = next((p for p in r["pages"] if p["page"] == page), None)
                if row is None:
                    cells.append("—")
                    continue
                cells.append(f"{row['p50']:.1f} / {row['p95']:.1f}")
                p95s.append(row["p95"])
            growth = p95s[-1] / p95s[0] if len(p95s) > 1 else 1.0
            ok = p95s[-1] <= TARGET_P95_MS and growth <= TARGET_GROWTH
            print(
                f"| {page} | " + " | ".join(cells) + f" | {growth:.2f}× | "
                f"{'ok' if ok else 'MISS'} |"
            )
        print(
            "| peak RSS MB | "
            + " | ".join(f"{r['peak_rss_mb']:.0f}" for r in vr)
            + f" | | {'ok' if max(r['peak_rss_mb'] for r in vr) <= TARGET_RSS_MB else 'MISS'} |"
        )
        print(
            "| seed time s | "
            + " | ".join(seeds.get(f"{vendor}-{r['tickets']}", "?") for r in vr)
            + " | | |"
        )
        print(
            "| new DB connection ms | "
            + " | ".join(f"{r['connect_ms']:.1f}" for r in vr)
            + " | | |"
        )
        print(
            "| machine load (1 min avg) | "
            + " | ".join(f"{r['load_avg']:.1f}" if "load_avg" in r else "?" for r in vr)
            + " | | |"
        )
    print(
        f"\ntarget: p95 ≤ {TARGET_P95_MS:.0f} ms at the largest size and p95 growth "
        f"≤ {TARGET_GROWTH:.0f}× from the smallest; peak RSS ≤ {TARGET_RSS_MB:.0f} MB"
    )


if __name__ == "__main__":
    main()
