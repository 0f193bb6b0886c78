"""The command-line contract of issue 4, run as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(lines, *args):
    proc = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "rapport.coach", "analyze", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_cli_contract():
    out = run(
        [
            json.dumps({"id": 1, "text": "Позовите руководителя, срочно! Где мой заказ?"}),
            json.dumps(
                {
                    "id": "r1",
                    "customer": "我的订单呢？",
                    "reply": "您好！订单明天送达，请问可以吗？",
                },
                ensure_ascii=False,
            ),
            "this is not json",
            json.dumps({"id": 3}),
            json.dumps({"id": 4, "text": 42}),
            "",
            json.dumps({"id": 5, "text": "Not a problem, I can wait."}),
        ]
    )
    assert [o["id"] for o in out] == [1, "r1", None, 3, 4, 5]
    msg = out[0]
    assert {"id", "language", "mood", "signals", "questions"} <= set(msg)
    assert msg["language"] == "ru"
    assert {"supervisor_request", "urgent"} <= set(msg["signals"])
    assert msg["questions"][0]["text"] == "Где мой заказ?"
    rep = out[1]
    assert {"id", "language", "present", "violations", "findings", "score"} <= set(rep)
    assert rep["language"] == "zh" and "greeting" in rep["present"]
    assert isinstance(rep["score"], int)
    for bad in out[2:5]:
        assert "error" in bad
    assert out[5]["mood"] == "positive"


def test_cli_reads_a_rule_book(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"checks": {"greeting": {"enabled": False}}}))
    line = json.dumps({"id": 1, "customer": "Where?", "reply": "It ships tomorrow."})
    out = run([line], "--rules", str(rules), "--ui-language", "ru")
    assert "greeting" not in {f["check"] for f in out[0]["findings"]}
