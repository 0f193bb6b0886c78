"""A fake Telegram Bot API server on loopback, for tests (Telegram's servers cannot run here).

It follows the real shapes: `POST /bot<token>/<method>` with JSON, form or multipart
parameters; answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ..., "parameters": {"retry_after": ...}}`;
files served at `/file/bot<token>/<file_path>` after getFile. Every call is recorded.

Also here: builders for the Update objects Telegram posts to a webhook (Message, User, Chat,
PhotoSize, Document), so tests read like the traffic they stand for.
"""

from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Rapport", "username": "rapport_bot"}


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST-token_abc") -> None:  # noqa: S107
        self.token = token
        self.calls: list[dict] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.failures: dict[str, list[dict]] = {}  # method -> error answers to give, in order
        self.file_failures: list[int] = []  # HTTP statuses for the next file downloads
        self.blocked: set[int] = set()  # chats whose user blocked the bot
        self.webhook: dict = {}
        self._message_id = 100
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeBotApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                fake._handle(self)

            def do_POST(self):  # noqa: N802
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting -------------------------------------------------------------------------
    def add_file(self, file_id: str, content: bytes, file_path: str = "") -> str:
        file_path = file_path or f"documents/{file_id}.bin"
        self.files[file_id] = (file_path, content)
        return file_path

    def fail(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        answer = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            answer["parameters"] = {"retry_after": retry_after}
        self.failures.setdefault(method, []).extend([answer] * times)

    def calls_to(self, method: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method]

    # --- the server ------------------------------------------------------------------------
    def _reply(self, handler, status: int, body: bytes, content_type="application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, handler, answer: dict) -> None:
        status = 200 if answer.get("ok") else answer["error_code"]
        self._reply(handler, status, json.dumps(answer).encode())

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = url.path.strip("/").split("/", 1)
        if parts[0] == "file":  # /file/bot<token>/<file_path>
            token, _, file_path = parts[1].partition("/") if len(parts) > 1 else ("", "", "")
            return self._serve_file(handler, token, unquote(file_path))
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return self._answer(handler, _error(404, "Not Found"))
        token, method = unquote(parts[0][3:]), parts[1]
        if token != self.token:
            return self._answer(handler, _error(401, "Unauthorized"))
        params, files = _params(handler.headers.get("Content-Type", ""), body, url.query)
        with self._lock:
            self.calls.append({"method": method, "params": params, "files": files})
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
        if failure is not None:
            return self._answer(handler, failure)
        action = getattr(self, f"_m_{method}", None)
        if action is None:
            return self._answer(handler, _error(404, "Not Found: method not found"))
        self._answer(handler, action(params, files))

    def _serve_file(self, handler, token: str, file_path: str) -> None:
        token = token.removeprefix("bot")
        with self._lock:
            failure = self.file_failures.pop(0) if self.file_failures else None
        if failure:
            return self._reply(handler, failure, b"error", "text/plain")
        found = next((c for p, c in self.files.values() if p == file_path), None)
        if token != self.token or found is None:
            return self._reply(handler, 404, b"Not Found", "text/plain")
        with self._lock:
            self.calls.append({"method": "file", "params": {"file_path": file_path}, "files": {}})
        self._reply(handler, 200, found, "application/octet-stream")

    # --- methods ---------------------------------------------------------------------------
    def _sent(self, chat_id, **content) -> dict:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat = {"id": chat_id, "type": "private"}
        return {
            "ok": True,
            "result": {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": chat,
                "date": int(time.time()),
                **content,
            },
        }

    def _chat(self, params) -> tuple[int | None, dict | None]:
        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            return None, _error(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            return None, _error(403, "Forbidden: bot was blocked by the user")
        return chat_id, None

    def _m_getMe(self, params, files):  # noqa: N802
        return {"ok": True, "result": BOT_USER}

    def _m_sendMessage(self, params, files):  # noqa: N802
        chat_id, error = self._chat(params)
        if error:
            return error
        text = params.get("text") or ""
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        return self._sent(chat_id, text=text)

    def _m_sendPhoto(self, params, files):  # noqa: N802
        chat_id, error = self._chat(params)
        if error:
            return error
        if "photo" not in files and not params.get("photo"):
            return _error(400, "Bad Request: there is no photo in the request")
        size = len(files["photo"][1]) if "photo" in files else 0
        photo = [
            {"file_id": "sent-s", "file_unique_id": "u-s", "width": 90, "height": 90},
            {
                "file_id": "sent-m",
                "file_unique_id": "u-m",
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]
        return self._sent(chat_id, photo=photo, **_caption(params))

    def _m_sendDocument(self, params, files):  # noqa: N802
        chat_id, error = self._chat(params)
        if error:
            return error
        if "document" not in files and not params.get("document"):
            return _error(400, "Bad Request: there is no document in the request")
        name, content, ctype = files.get("document", ("file", b"", "application/octet-stream"))
        document = {
            "file_id": "sent-doc",
            "file_unique_id": "u-doc",
            "file_name": name,
            "mime_type": ctype,
            "file_size": len(content),
        }
        return self._sent(chat_id, document=document, **_caption(params))

    def _m_getFile(self, params, files):  # noqa: N802
        file_id = params.get("file_id") or ""
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "ok": True,
            "result": {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(content),
                "file_path": path,
            },
        }

    def _m_setWebhook(self, params, files):  # noqa: N802
        if "url" not in params:
            return _error(400, "Bad Request: bad webhook: URL must not be empty")
        self.webhook = dict(params)
        return {"ok": True, "result": True, "description": "Webhook was set"}

    def _m_deleteWebhook(self, params, files):  # noqa: N802
        self.webhook = {}
        return {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _m_getWebhookInfo(self, params, files):  # noqa: N802
        info = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
            "max_connections": 40,
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return {"ok": True, "result": info}


def _error(code: int, description: str) -> dict:
    return {"ok": False, "error_code": code, "description": description}


def _caption(params) -> dict:
    return {"caption": params["caption"]} if params.get("caption") else {}


def _params(content_type: str, body: bytes, query: str) -> tuple[dict, dict]:
    """Parameters the way the Bot API takes them: query string, urlencoded, JSON or
    multipart/form-data (files as {field: (filename, bytes, content type)})."""
    params: dict = dict(parse_qsl(query))
    files: dict = {}
    if content_type.startswith("application/json") and body:
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = (part.get_filename(), content, part.get_content_type())
            else:
                value = content.decode()
                try:
                    params[name] = json.loads(value) if value[:1] in "[{" else value
                except ValueError:
                    params[name] = value
    return params, files


# --- Update builders ---------------------------------------------------------------------------


def user(user_id: int = 5550001, first="Ирина", last="Петрова", username="irina_p", lang="ru"):
    data = {"id": user_id, "is_bot": False, "first_name": first}
    if last:
        data["last_name"] = last
    if username:
        data["username"] = username
    if lang:
        data["language_code"] = lang
    return data


def message(
    message_id: int = 1,
    *,
    sender: dict | None = None,
    text: str | None = None,
    date: int | None = None,
    chat_type: str = "private",
    **content,
) -> dict:
    sender = sender or user()
    chat = {"id": sender["id"], "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = sender["first_name"]
    else:
        chat.update(id=-100123, title="A group")
    date = date or int(time.time())
    data = {"message_id": message_id, "from": sender, "chat": chat, "date": date}
    if text is not None:
        data["text"] = text
    data.update(content)
    return data


def update(update_id: int, kind: str = "message", **fields) -> dict:
    return {"update_id": update_id, kind: message(**fields)}


def photo_sizes(file_id: str = "photo-big", size: int = 2048) -> list[dict]:
    return [
        {
            "file_id": "photo-thumb",
            "file_unique_id": "t1",
            "width": 90,
            "height": 67,
            "file_size": 900,
        },
        {
            "file_id": file_id,
            "file_unique_id": "b1",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
        {
            "file_id": "photo-mid",
            "file_unique_id": "m1",
            "width": 320,
            "height": 240,
            "file_size": 1500,
        },
    ]


def document(
    file_id: str = "doc-1", name: str = "invoice.pdf", size: int = 1024, mime="application/pdf"
):
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": name,
        "mime_type": mime,
        "file_size": size,
    }


if __name__ == "__main__":  # a stand-in Bot API for a local demo: prints every call
    import argparse

    parser = argparse.ArgumentParser(description="Serve a fake Telegram Bot API on loopback.")
    parser.add_argument("--token", default="123456:TEST-token_abc")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    fake = FakeBotApi(args.token).start(args.port)
    print(f"Fake Bot API at {fake.base_url} (token {args.token}); Ctrl-C stops it.", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.5)
            for call in fake.calls[seen:]:
                print(call["method"], json.dumps(call["params"], ensure_ascii=False), flush=True)
            seen = len(fake.calls)
    except KeyboardInterrupt:
        fake.stop()
