"""Secrets at rest (mailbox passwords, bot tokens): Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from RAPPORT_ENCRYPTION_KEY when set (a Fernet key, or any passphrase), else it
is derived from SECRET_KEY with HKDF — so rotating SECRET_KEY without setting
RAPPORT_ENCRYPTION_KEY makes stored secrets unreadable (they must be entered again).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rapport-secrets-v1", info=b"fernet"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _secret() -> str:
    return os.environ.get("RAPPORT_ENCRYPTION_KEY") or settings.SECRET_KEY


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet(_secret()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext, or "" when the token cannot be read with the current key."""
    if not token:
        return ""
    try:
        return _fernet(_secret()).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
