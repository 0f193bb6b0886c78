"""Optional TOTP two-factor log-in for staff (docs/security.md).

Enrolment: a secret is made (pyotp), shown as a QR code (segno, an inline SVG: nothing leaves
the server) and as text; the device counts only once a code from it has been entered. Then
the log-in asks for a code after the password. Ten single-use recovery codes are shown once
at enrolment; they are stored as keyed hashes (HMAC with SECRET_KEY), never in clear.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from rapport.lib import crypto

from .models import RecoveryCode, TOTPDevice

ISSUER = "Rapport"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def secret_of(device: TOTPDevice) -> str:
    return crypto.decrypt(device.secret_encrypted)


def do_start_enrolment(user) -> TOTPDevice:
    """A fresh, unconfirmed secret (replaces an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()
    return TOTPDevice.objects.create(
        user=user, secret_encrypted=crypto.encrypt(pyotp.random_base32())
    )


def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(secret_of(device)).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG (no style attributes: fits the page's CSP)."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4, border=2)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def check_totp(device: TOTPDevice, code: str, *, now: datetime | None = None) -> bool:
    """True if `code` is the device's code for now (±30 s) and was not used before."""
    code = _normalise(code)
    if not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret_of(device))
    now = now or timezone.now()
    step = totp.timecode(now)
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        for candidate in (step - 1, step, step + 1):
            if candidate <= locked.last_step:
                continue  # replay: this code (or a later one) was used already
            if constant_time_compare(totp.generate_otp(candidate), code):
                locked.last_step = candidate
                locked.save(update_fields=["last_step"])
                device.last_step = candidate
                return True
    return False


def do_confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment with a first code; returns the new recovery codes (shown once)."""
    if not check_totp(device, code):
        return None
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return do_new_recovery_codes(device.user)


def _hash(user, code: str) -> str:
    return salted_hmac("rapport.security.recovery", f"{user.pk}:{_normalise(code)}").hexdigest()


def do_new_recovery_codes(user) -> list[str]:
    codes = [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash(user, code)) for code in codes
        )
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Spend one recovery code; True if it was valid and unused."""
    if not _normalise(code):
        return False
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(user, code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


def remaining_recovery_codes(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def do_disable(user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def verify(user, code: str) -> bool:
    """A log-in's second step: the authenticator's code, or else a recovery code."""
    device = confirmed_device(user)
    if device is None:
        return False
    return check_totp(device, code) or use_recovery_code(user, code)
