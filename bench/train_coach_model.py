"""Train the coach's small statistical model for Chinese offensive language (issue 4, step 3).

`.venv/bin/python bench/train_coach_model.py` writes rapport/coach/models/zh_offensive.json.gz.

Data: ../shared/data/zh_COLD_dev.csv (thu-coai/COLDataset, Apache-2.0 — a licence that allows
shipping a model trained on it; see ../shared/data/SOURCES.md). The only public set used: the
other insult and mood sets have no licence, a research-only or a non-commercial one.

Honest split (shared with bench/eval_coach.py through `cold_part`): every row goes to "train" or
"report" by a SHA-1 of its row id and the seed below, half and half. Everything here — the
n-gram weights, the pruning and the decision threshold — sees only the "train" half; the report
half is read only by bench/eval_coach.py.

Model: logistic regression on character 1–3-grams (pure Python, AdaGrad, L2), pruned to the
n-grams that carry weight, stored as a JSON map n-gram → weight. Inference is a dictionary
lookup per n-gram (rapport/coach/model.py), and every score is explained by the n-grams that
pushed it up. The threshold is chosen on a validation fifth of the train half (the highest
recall with precision ≥ 0.85 there, with the run-time gate: only sentences that name a
social group are scored), then the model is refitted on the whole train half.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapport.coach.customer import group_regex  # noqa: E402
from rapport.coach.model import ngrams  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "rapport" / "coach" / "models" / "zh_offensive.json.gz"
SEED = 20261129
N = (1, 2, 3)
EPOCHS = 12
L2 = 1e-5
LR = 0.2
MIN_COUNT = 3
PRUNE = 0.02
TARGET_P = 0.85


def cold_part(row_id: str, seed: int = SEED) -> str:
    """'train' or 'report' for one COLD row (by its id), half and half."""
    h = hashlib.sha1(f"{seed}:{row_id}".encode()).digest()
    return "train" if h[0] < 128 else "report"


def load_cold() -> list[tuple[str, str, int]]:
    with (SHARED / "zh_COLD_dev.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    id_col = next(iter(rows[0]))  # the unnamed first column
    return [(r[id_col], r["TEXT"], int(r["label"])) for r in rows]


def sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def fit(docs: list[list[str]], ys: list[int], vocab: set[str]) -> tuple[dict, float]:
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    b, gb = 0.0, 1e-8
    order = list(range(len(docs)))
    rnd = random.Random(SEED)
    for _ in range(EPOCHS):
        rnd.shuffle(order)
        for i in order:
            feats = [f for f in docs[i] if f in vocab]
            z = b + sum(w.get(f, 0.0) for f in feats)
            g = sigmoid(z) - ys[i]
            for f in feats:
                wf = w.get(f, 0.0)
                gf = g + L2 * wf
                g2[f] = g2.get(f, 1e-8) + gf * gf
                w[f] = wf - LR * gf / math.sqrt(g2[f])
            gb += g * g
            b -= LR * g / math.sqrt(gb)
    return w, b


def feats_of(text: str) -> list[str]:
    return list(dict.fromkeys(ngrams(text, N)))  # presence, not counts


def score(w: dict, b: float, feats: list[str]) -> float:
    return sigmoid(b + sum(w.get(f, 0.0) for f in feats))


def names_group(text: str) -> bool:
    """The gate of rapport.coach.customer._model_insult: the model speaks only about a
    sentence that names a social group ([social_group] of the zh pack)."""
    return bool(group_regex("zh").search(text.lower()))


def pick_threshold(ps: list[float], ys: list[int]) -> tuple[float, float, float]:
    best = (0.5, 0.0, 0.0)
    for t in [i / 100 for i in range(5, 96)]:
        tp = sum(1 for p, y in zip(ps, ys, strict=True) if p >= t and y)
        fp = sum(1 for p, y in zip(ps, ys, strict=True) if p >= t and not y)
        fn = sum(1 for p, y in zip(ps, ys, strict=True) if p < t and y)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        if prec >= TARGET_P and rec > best[2]:
            best = (t, prec, rec)
    return best


def main() -> int:
    rows = load_cold()
    train = [(t, y) for rid, t, y in rows if cold_part(rid) == "train"]
    print(
        f"COLD: {len(rows)} rows; train half {len(train)} (seed {SEED}); report half "
        f"{len(rows) - len(train)} (not read here)"
    )
    rnd = random.Random(SEED)
    rnd.shuffle(train)
    cut = len(train) * 4 // 5
    fit_part, val_part = train[:cut], train[cut:]

    def vocab_of(part):
        c = Counter(f for t, _ in part for f in feats_of(t))
        return {f for f, n in c.items() if n >= MIN_COUNT}

    docs = [feats_of(t) for t, _ in fit_part]
    w, b = fit(docs, [y for _, y in fit_part], vocab_of(fit_part))
    # as at run time: no group named, no decision (score 0)
    ps = [score(w, b, feats_of(t)) if names_group(t) else 0.0 for t, _ in val_part]
    gated = sum(names_group(t) for t, _ in train) / len(train)
    print(f"a social group is named in {gated:.0%} of the train half")
    t, prec, rec = pick_threshold(ps, [y for _, y in val_part])
    print(f"validation fifth of the train half: threshold {t:.2f} → P {prec:.2f} R {rec:.2f}")

    docs = [feats_of(t) for t, _ in train]
    w, b = fit(docs, [y for _, y in train], vocab_of(train))
    kept = {f: round(v, 3) for f, v in w.items() if abs(v) >= PRUNE}
    model = {
        "name": "zh_offensive",
        "about": "character 1-3-gram logistic regression; trained by bench/train_coach_model.py "
        "on the train half of COLD (thu-coai/COLDataset dev.csv, Apache-2.0), seed "
        f"{SEED}",
        "n": list(N),
        "bias": round(b, 4),
        "threshold": t,
        "weights": kept,
    }
    OUT.parent.mkdir(exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(model, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    print(
        f"{len(kept)} n-grams kept of {len(w)}; wrote {OUT.relative_to(ROOT)} "
        f"({OUT.stat().st_size // 1024} KB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
