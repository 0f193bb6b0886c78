"""Optional TOTP two-factor log-in for staff: enrol on the security page with the QR code,
then the log-in asks for a code; recovery codes for a lost phone (docs/security.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from django.contrib.auth import get_user
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from rapport.accounts.models import Role
from rapport.security import twofactor
from rapport.security.models import RecoveryCode, TOTPDevice
from rapport.test import BaseTestCase, make_agent

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class TwoFactorTest(BaseTestCase):
    def enrol(self, user) -> tuple[pyotp.TOTP, list[str]]:
        """Through the pages, as the person would: start, read the key, confirm with a code."""
        self.client.force_login(user)
        page = self.client.get(reverse("security"))
        self.assertContains(page, "Set up two-factor log-in")
        self.client.post(reverse("security-2fa-start"))
        page = self.client.get(reverse("security"))
        self.assertContains(page, "<svg")  # the QR code, drawn on the server
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
        totp = pyotp.TOTP(secret)
        # The previous step's code (phones' clocks drift): the current one stays unused.
        code = totp.at(timezone.now() - timedelta(seconds=30))
        response = self.client.post(reverse("security-2fa-confirm"), {"code": code})
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.client.logout()
        return totp, codes

    def password_step(self, username="alice", next_url=""):
        data = {"username": username, "password": "password"}
        if next_url:
            data["next"] = next_url
        return self.client.post(reverse("login"), data)

    def test_after_enrolment_the_log_in_asks_for_a_code(self):
        totp, _codes = self.enrol(self.alice)
        response = self.password_step(next_url="/customers/")
        self.assertRedirects(response, reverse("login-code"), fetch_redirect_response=False)
        self.assertFalse(get_user(self.client).is_authenticated)  # not yet
        self.assertContains(self.client.get(reverse("login-code")), "Enter your code")
        wrong = self.client.post(reverse("login-code"), {"code": "000000"})
        self.assertContains(wrong, "That code is not right")
        self.assertFalse(get_user(self.client).is_authenticated)
        response = self.client.post(reverse("login-code"), {"code": totp.now()})
        self.assertRedirects(response, "/customers/", fetch_redirect_response=False)
        self.assertEqual(get_user(self.client), self.alice)

    def test_a_code_works_once(self):
        totp, _codes = self.enrol(self.alice)
        code = totp.now()
        self.password_step()
        self.client.post(reverse("login-code"), {"code": code})
        self.assertTrue(get_user(self.client).is_authenticated)
        self.client.logout()
        self.password_step()
        replay = self.client.post(reverse("login-code"), {"code": code})
        self.assertContains(replay, "That code is not right")

    def test_each_recovery_code_logs_in_once(self):
        _totp, codes = self.enrol(self.alice)
        self.password_step()
        self.client.post(reverse("login-code"), {"code": codes[3].upper()})
        self.assertTrue(get_user(self.client).is_authenticated)
        self.client.logout()
        self.password_step()
        again = self.client.post(reverse("login-code"), {"code": codes[3]})
        self.assertContains(again, "That code is not right")
        self.assertEqual(twofactor.remaining_recovery_codes(self.alice), 9)
        # Stored as keyed hashes, never in clear.
        stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
        self.assertFalse({c.replace("-", "") for c in codes} & stored)

    def test_the_code_step_expires_and_cannot_be_reached_without_the_password(self):
        totp, _codes = self.enrol(self.alice)
        self.assertRedirects(
            self.client.get(reverse("login-code")), reverse("login"), fetch_redirect_response=False
        )
        self.password_step()
        with freeze_time(timezone.now() + timedelta(minutes=6)):
            late = self.client.post(reverse("login-code"), {"code": totp.now()})
        self.assertRedirects(late, reverse("login"), fetch_redirect_response=False)
        self.assertFalse(get_user(self.client).is_authenticated)

    def test_wrong_codes_are_throttled_like_passwords(self):
        self.enrol(self.alice)
        self.password_step()
        for _ in range(5):
            response = self.client.post(reverse("login-code"), {"code": "123456"})
        self.assertContains(response, "Too many wrong codes")

    def test_without_enrolment_the_password_is_enough(self):
        response = self.password_step(username="bob")
        self.assertRedirects(response, reverse("inbox"), fetch_redirect_response=False)

    def test_turning_it_off_needs_a_code_and_the_admin_can_reset_a_lost_phone(self):
        totp, _codes = self.enrol(self.alice)
        self.client.force_login(self.alice)
        self.client.post(reverse("security-2fa-disable"), {"code": "999999"})
        self.assertTrue(twofactor.has_two_factor(self.alice))
        self.client.post(reverse("security-2fa-disable"), {"code": totp.now()})
        self.assertFalse(twofactor.has_two_factor(self.alice))

        self.enrol(self.bob)
        admin = make_agent("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
        self.client.force_login(admin)
        device = TOTPDevice.objects.get(user=self.bob)
        self.client.post(
            reverse("admin:security_totpdevice_delete", args=[device.pk]), {"post": "yes"}
        )
        self.assertFalse(twofactor.has_two_factor(self.bob))

    def test_the_secret_is_encrypted_at_rest(self):
        totp, _codes = self.enrol(self.alice)
        stored = TOTPDevice.objects.get(user=self.alice).secret_encrypted
        self.assertNotIn(totp.secret, stored)

    def test_new_recovery_codes_replace_the_old_ones(self):
        totp, codes = self.enrol(self.alice)
        self.client.force_login(self.alice)
        response = self.client.post(reverse("security-2fa-codes"), {"code": totp.now()})
        fresh = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
        self.assertEqual(len(fresh), 10)
        self.assertFalse(twofactor.use_recovery_code(self.alice, codes[0]))
        self.assertTrue(twofactor.use_recovery_code(self.alice, fresh[0]))


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class PasswordTest(BaseTestCase):
    def test_weak_passwords_are_refused_and_a_strong_one_is_taken(self):
        self.login(self.alice)
        url = reverse("security-password")
        for weak in ["password123", "1234567890123", "short", "alice@rapport.test"]:
            response = self.client.post(
                url, {"old_password": "password", "new_password1": weak, "new_password2": weak}
            )
            self.assertEqual(response.status_code, 200, weak)  # the form again, with errors
        strong = "Лампа горит ярко 灯 2026"
        response = self.client.post(
            url, {"old_password": "password", "new_password1": strong, "new_password2": strong}
        )
        self.assertRedirects(response, reverse("security"), fetch_redirect_response=False)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(strong))
        self.assertTrue(get_user(self.client).is_authenticated)  # still logged in
