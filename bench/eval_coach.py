"""Evaluate the service coach (issue 4): `make eval-coach`.

1. The project's labelled corpus (tests/coach/corpus/): precision / recall of every customer
   signal and every reply label, per language; question-count exactness; mood accuracy. Two
   sets: the development set (≥ 100 messages and ≥ 100 replies per language, which the rules
   were tuned on; it also holds the retired held-out batches, `*_ex_heldout*.jsonl`, moved in
   after their figures were reported, and each session's own cases, e.g. `*_s6.jsonl`) and the
   held-out batches (corpus/heldout*/, never tuned on).
2. The public sets in ../shared/data (skipped, with a note, when ../shared is absent): mood
   polarity macro-F1 per language, insult precision / recall.

Targets (issue 4): corpus P ≥ 0.90 and R ≥ 0.85 for every signal and reply label, question count
exact on ≥ 90 % of messages; public mood macro-F1 ≥ 0.80 per language, insult R ≥ 0.80 at P ≥ 0.80.
Every input goes through the same code as the command line (`rapport.coach.cli.handle`).

Options: --limit N (rows per public set, evenly spaced; default all), --errors (print the misses
of the development set), --errors-heldout (also the held-out sets' misses: look once, at the
end), --json FILE (write every figure as JSON).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapport.coach.cli import handle  # noqa: E402
from rapport.coach.customer import SIGNALS, analyze_message  # noqa: E402
from rapport.coach.rulebook import RuleBook  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from train_coach_model import cold_part  # noqa: E402

CORPUS = ROOT / "tests" / "coach" / "corpus"
SHARED = ROOT.parent / "shared" / "data"
LANGS = ("ru", "zh", "en")
PRESENT = ("greeting", "politeness", "empathy", "next_steps", "satisfaction_check")
VIOLATIONS = ("jargon", "deflection", "denial", "rudeness", "dont_know")
MOODS = ("positive", "neutral", "negative", "angry")
TARGET_P, TARGET_R, TARGET_Q, TARGET_F1 = 0.90, 0.85, 0.90, 0.80

csv.field_size_limit(10_000_000)


def pr(tp: int, fp: int, fn: int) -> tuple[float | None, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    return p, r


def fmt(x: float | None) -> str:
    return "  –  " if x is None else f"{x:5.2f}"


def macro_f1(gold: list[str], pred: list[str], classes) -> float:
    f1s = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_set(folder: Path, lang: str, kind: str) -> list[dict]:
    """Every `{lang}_{kind}*.jsonl` of the folder: the development set is the original files
    plus the retired held-out batches moved into it (`*_ex_heldout1.jsonl`, …)."""
    out: list[dict] = []
    for path in sorted(folder.glob(f"{lang}_{kind}*.jsonl")):
        out.extend(load_jsonl(path))
    return out


# ---------------------------------------------------------------------------- corpus
def eval_corpus(show_errors: bool, folder: Path = CORPUS) -> dict:
    rules = RuleBook.default()
    results: dict = {"messages": {}, "replies": {}}
    counts = defaultdict(lambda: Counter())  # (lang, label) → tp/fp/fn
    errors: list[str] = []
    for lang in LANGS:
        msgs = load_set(folder, lang, "messages")
        q_exact = lang_ok = mood_ok = 0
        gold_moods, pred_moods = [], []
        for item in msgs:
            out = handle({"id": item["id"], "text": item["text"]}, rules, "en")
            got, want = set(out["signals"]), set(item["signals"])
            for label in SIGNALS:
                key = (lang, label)
                if label in got and label in want:
                    counts[key]["tp"] += 1
                elif label in got:
                    counts[key]["fp"] += 1
                    errors.append(f"{item['id']} FP {label}: {item['text']}")
                elif label in want:
                    counts[key]["fn"] += 1
                    errors.append(f"{item['id']} FN {label}: {item['text']}")
            nq = len(out["questions"])
            if nq == item["questions"]:
                q_exact += 1
            else:
                errors.append(
                    f"{item['id']} Q {nq}≠{item['questions']}: {item['text']} "
                    f"→ {[q['text'] for q in out['questions']]}"
                )
            lang_ok += out["language"] == item.get("language", lang)
            mood_ok += out["mood"] == item["mood"]
            if out["mood"] != item["mood"]:
                errors.append(f"{item['id']} MOOD {out['mood']}≠{item['mood']}: {item['text']}")
            gold_moods.append(item["mood"])
            pred_moods.append(out["mood"])
        results["messages"][lang] = {
            "n": len(msgs),
            "question_exact": q_exact / len(msgs),
            "language_accuracy": lang_ok / len(msgs),
            "mood_accuracy": mood_ok / len(msgs),
            "mood_macro_f1": macro_f1(gold_moods, pred_moods, MOODS),
        }
        replies = load_set(folder, lang, "replies")
        for item in replies:
            out = handle(
                {"id": item["id"], "customer": item["customer"], "reply": item["reply"]},
                rules,
                "en",
            )
            for field, labels in (("present", PRESENT), ("violations", VIOLATIONS)):
                got, want = set(out[field]), set(item[field])
                for label in labels:
                    key = (lang, label)
                    if label in got and label in want:
                        counts[key]["tp"] += 1
                    elif label in got:
                        counts[key]["fp"] += 1
                        errors.append(f"{item['id']} FP {label}: {item['reply']}")
                    elif label in want:
                        counts[key]["fn"] += 1
                        errors.append(f"{item['id']} FN {label}: {item['reply']}")
        results["replies"][lang] = {"n": len(replies)}
    labels = {}
    for label in (*SIGNALS, *PRESENT, *VIOLATIONS):
        row = {}
        total = Counter()
        for lang in LANGS:
            c = counts[(lang, label)]
            total.update(c)
            p, r = pr(c["tp"], c["fp"], c["fn"])
            row[lang] = {"p": p, "r": r, "support": c["tp"] + c["fn"]}
        p, r = pr(total["tp"], total["fp"], total["fn"])
        row["all"] = {"p": p, "r": r, "support": total["tp"] + total["fn"]}
        labels[label] = row
    results["labels"] = labels
    if show_errors:
        print("\n".join(errors))
        print()
    return results


def print_corpus(res: dict, title: str) -> None:
    print(f"== {title} ==")
    n = {lang: res["messages"][lang]["n"] for lang in LANGS}
    nr = {lang: res["replies"][lang]["n"] for lang in LANGS}
    print(f"messages: {n}   replies: {nr}")
    head = "label".ljust(20) + "".join(f"{lang:>18}" for lang in (*LANGS, "all")) + "   target"
    print(head)
    print(" " * 20 + "".join(f"{'P     R    n':>18}" for _ in (*LANGS, "all")))
    for group, labels in (("signals", SIGNALS), ("present", PRESENT), ("violations", VIOLATIONS)):
        print(f"-- {group}")
        for label in labels:
            row = res["labels"][label]
            cells = "".join(
                f"{fmt(row[k]['p']):>7}{fmt(row[k]['r']):>6}{row[k]['support']:>5}"
                for k in (*LANGS, "all")
            )
            ok = all(
                (row[k]["p"] is None or row[k]["p"] >= TARGET_P)
                and (row[k]["r"] is None or row[k]["r"] >= TARGET_R)
                for k in LANGS
            )
            print(f"{label:<20}{cells}   {'met' if ok else 'MISSED'}")
    print("-- messages")
    for key, target in (
        ("question_exact", TARGET_Q),
        ("mood_accuracy", None),
        ("mood_macro_f1", None),
        ("language_accuracy", None),
    ):
        vals = "".join(f"{res['messages'][lang][key]:>18.2f}" for lang in LANGS)
        mark = ""
        if target is not None:
            mark = (
                "   met"
                if all(res["messages"][lang][key] >= target for lang in LANGS)
                else "   MISSED"
            )
        print(f"{key:<20}{vals}{mark}")


# ---------------------------------------------------------------------------- public sets
def _rows(path: Path, limit: int | None) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if limit and len(rows) > limit:
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    return rows


def _polarity(text: str, forced: bool = False) -> str:
    a = analyze_message(text)
    if not forced:
        return {"angry": "negative"}.get(a.mood, a.mood)
    s = a.scores
    neg = s.get("negative", 0) + s.get("anger", 0) + s.get("heat", 0)
    pos = s.get("positive", 0)
    if a.mood in ("negative", "angry") or neg > pos:
        return "negative"
    if a.mood == "positive" or pos > neg:
        return "positive"
    return "neutral"  # no evidence either way: counted as a miss on a two-class set


def eval_public(limit: int | None) -> dict | None:
    if not SHARED.is_dir():
        print(f"\n== Public sets: skipped ({SHARED} not found) ==")
        return None
    out: dict = {"mood": {}, "insult": {}}
    print("\n== Public sets (../shared/data) ==")
    print("-- mood polarity (negative = negative or angry)")
    sets = [
        (
            "ru",
            "ru_sentirueval2016_telecom_test.csv",
            "text",
            "label",
            {"negative": "negative", "neutral": "neutral", "positive": "positive"},
            False,
        ),
        ("zh", "zh_waimai_10k.csv", "review", "label", {"0": "negative", "1": "positive"}, True),
        (
            "en",
            "en_twitter_airline_sentiment.csv",
            "text",
            "airline_sentiment",
            {"negative": "negative", "neutral": "neutral", "positive": "positive"},
            False,
        ),
    ]
    for lang, name, tcol, lcol, mapping, forced in sets:
        path = SHARED / name
        if not path.exists():
            print(f"{lang}: {name} missing, skipped")
            continue
        t0 = time.perf_counter()
        gold, pred = [], []
        for row in _rows(path, limit):
            g = mapping.get(row[lcol].strip())
            if g is None:  # "mixed" and the like
                continue
            gold.append(g)
            pred.append(_polarity(row[tcol], forced))
        classes = sorted(set(mapping.values()))
        f1 = macro_f1(gold, pred, classes)
        acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
        cov = sum(p != "neutral" for p in pred) / len(pred) if forced else None
        out["mood"][lang] = {
            "set": name,
            "n": len(gold),
            "macro_f1": f1,
            "accuracy": acc,
            "classes": classes,
            "decided": cov,
        }
        extra = f", decided on {cov:.0%}" if cov is not None else ""
        print(
            f"{lang}: {name:<42} n={len(gold):>6}  macro-F1 {f1:.2f}  accuracy {acc:.2f}"
            f"  ({len(classes)} classes{extra}; {time.perf_counter() - t0:.1f}s)"
            f"   {'met' if f1 >= TARGET_F1 else 'MISSED'}"
        )
    print("-- insult detection (signal `insult`; `+profanity` also counts profanity)")
    sets = [
        ("ru", "ru_russe_detox2022_toxic_pairs.csv", "text", lambda r: r["toxic"] == "1"),
        ("zh", "zh_COLD_dev.csv", "TEXT", lambda r: r["label"] == "1"),
        (
            "en",
            "en_davidson_hate_offensive_tweets.csv",
            "tweet",
            lambda r: r["class"] in ("0", "1"),
        ),
    ]
    for lang, name, tcol, is_pos in sets:
        path = SHARED / name
        if not path.exists():
            print(f"{lang}: {name} missing, skipped")
            continue
        c1, c2 = Counter(), Counter()
        n = 0
        rows = _rows(path, limit)
        if name == "zh_COLD_dev.csv":
            # the zh model was trained on one half of COLD (bench/train_coach_model.py): the
            # figure is the other half's, never used for training or tuning
            id_col = next(iter(rows[0]))
            rows = [r for r in rows if cold_part(r[id_col]) == "report"]
            name = "zh_COLD_dev.csv (report half)"
        for row in rows:
            gold = is_pos(row)
            a = analyze_message(row[tcol])
            ins = "insult" in a.signals
            off = ins or any(e["label"] == "profanity" for e in a.evidence)
            for c, got in ((c1, ins), (c2, off)):
                c["tp" if got and gold else "fp" if got else "fn" if gold else "tn"] += 1
            n += 1
        p1, r1 = pr(c1["tp"], c1["fp"], c1["fn"])
        p2, r2 = pr(c2["tp"], c2["fp"], c2["fn"])
        out["insult"][lang] = {
            "set": name,
            "n": n,
            "p": p1,
            "r": r1,
            "p_with_profanity": p2,
            "r_with_profanity": r2,
        }
        ok = (p1 or 0) >= 0.8 and (r1 or 0) >= 0.8
        print(
            f"{lang}: {name:<42} n={n:>6}  insult P {fmt(p1)} R {fmt(r1)}"
            f"   +profanity P {fmt(p2)} R {fmt(r2)}   {'met' if ok else 'MISSED'}"
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="rows per public set")
    ap.add_argument("--errors", action="store_true", help="print the development set's misses")
    ap.add_argument(
        "--errors-heldout", action="store_true", help="print the held-out sets' misses too"
    )
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument("--no-public", action="store_true", help="only the project corpus")
    ap.add_argument("--dev-only", action="store_true", help="skip the held-out sets (tuning)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    corpus = eval_corpus(args.errors)
    print_corpus(
        corpus, "Project corpus, development set (tests/coach/corpus; the rules were tuned on it)"
    )
    heldout = {}
    # every corpus/heldout*/ folder is a held-out batch, never tuned on; its misses are printed
    # only with --errors-heldout (look once, at the end)
    for folder in sorted(CORPUS.glob("heldout*")):
        if not folder.is_dir() or args.dev_only or not any(folder.glob("*.jsonl")):
            continue  # (an emptied folder left behind after a batch was retired)
        heldout[folder.name] = eval_corpus(args.errors_heldout, folder)
        print()
        print_corpus(
            heldout[folder.name],
            f"Project corpus, held-out set (tests/coach/corpus/{folder.name}; "
            "written apart from development, never tuned on)",
        )
    public = None if args.no_public else eval_public(args.limit)
    print(f"\n(total {time.perf_counter() - t0:.1f}s)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"corpus": corpus, "heldout": heldout, "public": public},
                indent=1,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
