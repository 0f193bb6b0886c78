"""Real mail servers for the tests: Dovecot (IMAP) and aiosmtpd (SMTP), on loopback ports.

Dovecot comes from Debian's `dovecot-imapd` (`make test` installs it when missing); each test
session runs its own instance with a throwaway mail store and a passwd-file of test users.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Dovecot:
    """A private Dovecot IMAP server with accounts support0..support199@rapport.test
    (password "secret"), each with its own empty INBOX."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="rapport-dovecot-"))
        # Dovecot's auth and mail processes run as other users: they must read this.
        self.dir.chmod(0o755)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (self.dir / "passwd").write_text("")

    def _config(self) -> str:
        if os.getuid() == 0:
            # Dovecot refuses to give mail processes root's uid: use the `mail` user.
            entry = pwd.getpwnam("mail")
            uid, gid = entry.pw_uid, entry.pw_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        d = self.dir
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    USERS = 200

    def start(self) -> Dovecot:
        # Every account exists from the start: Dovecot notices a changed passwd-file only by
        # its mtime, which a fast test run does not move.
        (self.dir / "passwd").write_text(
            "".join(f"support{n}@rapport.test:{{PLAIN}}secret\n" for n in range(self.USERS))
        )
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(exist_ok=True)
        (self.dir / "mail").chmod(0o777)
        (self.dir / "dovecot.conf").write_text(self._config())
        self.process = subprocess.Popen(  # noqa: S603 — our own binary and config
            [DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Sink:
    """An SMTP server that keeps what it receives; `fail_next` makes it refuse messages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[dict] = []
        self.fail_next: list[str] = []  # e.g. ["451 4.3.0 Try later", "550 5.1.1 No user"]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.fail_next:
            return self.fail_next.pop(0)
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "raw": envelope.original_content or envelope.content,
            }
        )
        return "250 OK"

    def parsed(self, n: int = -1):
        return message_from_bytes(self.messages[n]["raw"], policy=policy.default)

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
