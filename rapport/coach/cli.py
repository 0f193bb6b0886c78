"""Command line: ``python -m rapport.coach analyze [--rules FILE] [--ui-language en|ru|zh]``.

Reads JSON lines on standard input and writes exactly one JSON line per input line, with the
same ``id`` (the contract our evaluation relies on — keep it):

- ``{"id", "text"}`` — a customer message →
  ``{"id", "language", "mood", "signals": [...], "questions": [...]}``
- ``{"id", "customer", "reply"}`` — an agent's reply to that message →
  ``{"id", "language", "present": [...], "violations": [...], "findings": [...], "score"}``

Optional input keys of a reply: ``customer_name``, ``ui_language``. Extra output keys
(``evidence``, ``breakdown``…) may appear; the keys above are always there. A line that cannot
be handled gives ``{"id", "error"}`` and the run goes on. Blank lines are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys

from .customer import analyze_message
from .reply import check_reply
from .rulebook import RuleBook


def handle(obj, rules: RuleBook, ui_language: str) -> dict:
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    rid = obj.get("id")
    if "reply" in obj:
        customer, reply = obj.get("customer", ""), obj.get("reply")
        if not isinstance(reply, str) or not isinstance(customer, str | None):
            raise ValueError("'customer' and 'reply' must be strings")
        name = obj.get("customer_name")
        ui = obj.get("ui_language") or ui_language
        report = check_reply(
            customer or "",
            reply,
            rules,
            customer_name=name if isinstance(name, str) else None,
            ui_language=ui if isinstance(ui, str) else "en",
        )
        return {"id": rid, **report.as_dict()}
    if "text" in obj:
        text = obj["text"]
        if not isinstance(text, str):
            raise ValueError("'text' must be a string")
        return {"id": rid, **analyze_message(text).as_dict()}
    raise ValueError("expected {'id', 'text'} or {'id', 'customer', 'reply'}")


def analyze_stream(lines, out, rules: RuleBook, ui_language: str = "en") -> int:
    errors = 0
    for line in lines:
        if not line.strip():
            continue
        rid = None
        try:
            obj = json.loads(line)
            if isinstance(obj, dict):
                rid = obj.get("id")
            result = handle(obj, rules, ui_language)
        except Exception as exc:  # one bad line never stops the run
            errors += 1
            result = {"id": rid, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rapport.coach", description="Offline service coach (ru/zh/en)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="JSON lines in, one JSON line out per input")
    a.add_argument("--rules", help="a rule book as a JSON file (see rapport/coach/rulebook.py)")
    a.add_argument(
        "--ui-language",
        default="en",
        choices=("en", "ru", "zh"),
        help="language of the findings' messages",
    )
    args = parser.parse_args(argv)
    rules = RuleBook.default()
    if args.rules:
        with open(args.rules, encoding="utf-8") as f:
            rules = RuleBook.from_dict(json.load(f))
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    try:
        analyze_stream(stdin, sys.stdout, rules, args.ui_language)
    except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
        sys.stderr.close()
    return 0
