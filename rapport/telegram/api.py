"""A small Telegram Bot API client on the standard library (no SDK needed for six methods).

Every call is `POST {base}/bot<token>/<method>`; the answer is `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ..., "parameters": {"retry_after": ...}}`.
The token is part of the URL, so URLs are never logged and errors never repeat them.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

TIMEOUT = 20  # seconds, per call and per file download
FILE_CHUNK = 64 * 1024


@dataclass
class ApiError(Exception):
    """The Bot API answered `ok: false` (or not at all: error_code 0)."""

    error_code: int
    description: str
    retry_after: int | None = None

    def __str__(self) -> str:
        text = f"{self.error_code} {self.description}" if self.error_code else self.description
        return text

    @property
    def temporary(self) -> bool:
        """429 (flood control), 5xx and network failures: worth trying again later."""
        return self.error_code == 0 or self.error_code == 429 or self.error_code >= 500


class TooLarge(Exception):
    pass


def _url(base: str, token: str, method: str) -> str:
    return f"{base.rstrip('/')}/bot{quote(token, safe=':')}/{method}"


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = f"rapport-{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        if value is None:
            continue
        if not isinstance(value, str):
            value = json.dumps(value)
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, content, content_type) in files.items():
        safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{safe}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call(base: str, token: str, method: str, params: dict | None = None, files: dict | None = None):
    """The method's `result`, or ApiError. `files`: {field: (filename, bytes, content type)}."""
    if not token:
        raise ApiError(401, "The bot has no token configured.")
    if files:
        body, content_type = _multipart(params or {}, files)
    else:
        body, content_type = json.dumps(params or {}).encode(), "application/json"
    request = urllib.request.Request(  # noqa: S310 — the base URL is configured by an admin
        _url(base, token, method),
        data=body,
        headers={"Content-Type": content_type},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:  # the Bot API answers errors with a JSON body too
        raw = exc.read()
        status = exc.code
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise ApiError(0, f"Telegram unreachable: {type(exc).__name__}") from None
    else:
        status = 200
    try:
        answer = json.loads(raw)
    except ValueError:
        raise ApiError(status if status != 200 else 502, "Not a Bot API answer.") from None
    if not isinstance(answer, dict):
        raise ApiError(502, "Not a Bot API answer.")
    if answer.get("ok") is True:
        return answer.get("result")
    parameters = answer.get("parameters") or {}
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    raise ApiError(
        int(answer.get("error_code") or status or 0),
        str(answer.get("description") or "Unknown error")[:500],
        int(retry_after) if isinstance(retry_after, int | float) else None,
    )


def download(base: str, token: str, file_path: str, limit: int) -> bytes:
    """`{base}/file/bot<token>/<file_path>`, refusing more than `limit` bytes."""
    url = f"{base.rstrip('/')}/file/bot{quote(token, safe=':')}/{quote(file_path, safe='/')}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise TooLarge(int(declared))
            chunks, size = [], 0
            while chunk := response.read(FILE_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(size)
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, f"File download failed with HTTP {exc.code}.") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise ApiError(0, f"File download failed: {type(exc).__name__}") from None
    return b"".join(chunks)
