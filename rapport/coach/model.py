"""Small statistical models shipped with the coach as data files (issue 4, step 3).

A model is a JSON map of character n-grams to logistic-regression weights (``models/*.json.gz``,
written by ``bench/train_coach_model.py``, which documents its data, licence and split). It is
read once, scored in pure Python (one dictionary lookup per n-gram of the text) and explained by
the n-grams that pushed the score up — so a finding it adds still points at words of the text.
The rules stay first: a model only adds what the rules missed, and says so (``source: model``).
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

MODEL_DIR = Path(__file__).with_name("models")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def ngrams(text: str, sizes=(1, 2, 3)) -> list[str]:
    """Character n-grams of the lower-cased text (digit runs as "0", spaces squeezed)."""
    t = _DIGITS.sub("0", _SPACE.sub(" ", text.lower())).strip()
    out = []
    for n in sizes:
        out.extend(t[i : i + n] for i in range(len(t) - n + 1))
    return out


@dataclass(frozen=True)
class NgramModel:
    name: str
    sizes: tuple[int, ...]
    bias: float
    threshold: float
    weights: dict

    def score(self, text: str) -> float:
        seen = set(ngrams(text, self.sizes))
        z = self.bias + sum(self.weights.get(g, 0.0) for g in seen)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def reasons(self, text: str, k: int = 2) -> list[tuple[int, int]]:
        """Spans of the (at most k) longest-weighted n-grams that pushed the score up."""
        low = _DIGITS.sub(lambda m: "0" * len(m.group()), text.lower())
        best = sorted(
            ((w, g) for g in set(ngrams(text, self.sizes)) if (w := self.weights.get(g, 0)) > 0),
            reverse=True,
        )
        spans: list[tuple[int, int]] = []
        for _, g in best:
            i = low.find(g)
            if i >= 0 and not any(a < i + len(g) and i < b for a, b in spans):
                spans.append((i, i + len(g)))
            if len(spans) >= k:
                break
        return spans


@functools.cache
def load(name: str) -> NgramModel | None:
    path = MODEL_DIR / f"{name}.json.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as f:
        d = json.load(f)
    return NgramModel(d["name"], tuple(d["n"]), d["bias"], d["threshold"], d["weights"])
