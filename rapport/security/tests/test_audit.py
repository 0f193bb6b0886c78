"""`make audit` audits only when the vulnerability data really answers (docs/security.md):
a probe for a known-vulnerable version, served here by a real local HTTP server."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from rapport.security.audit import service_answers


@pytest.fixture
def fake_pypi():
    answers: dict[str, tuple[int, bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, body = answers.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.answers = answers
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()


def test_the_probe_needs_advisories_for_a_known_vulnerable_version(fake_pypi):
    fake_pypi.answers["/real"] = (200, json.dumps({"vulnerabilities": [{"id": "X"}]}).encode())
    fake_pypi.answers["/empty"] = (200, json.dumps({"vulnerabilities": []}).encode())
    fake_pypi.answers["/html"] = (200, b"<html>mirror</html>")
    assert service_answers(f"{fake_pypi.url}/real")
    assert not service_answers(f"{fake_pypi.url}/empty")  # says nothing: not a pass
    assert not service_answers(f"{fake_pypi.url}/html")
    assert not service_answers(f"{fake_pypi.url}/missing")  # a 404, like a simple-index mirror
    assert not service_answers("http://127.0.0.1:9/", timeout=2)  # nothing listens
