"""Log-in throttling per username + address, with a clear message and an admin unlock."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from rapport.accounts.models import Role
from rapport.security.models import LoginThrottle
from rapport.test import BaseTestCase, make_agent

OFFICE = "198.51.100.7"
ATTACKER = "203.0.113.66"


@override_settings(
    RAPPORT_LOGIN_MAX_FAILURES=5,
    RAPPORT_LOGIN_LOCKOUT_MINUTES=15,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class LoginThrottleTest(BaseTestCase):
    def log_in(self, password: str, ip: str = ATTACKER, username: str = "alice"):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    def test_five_wrong_passwords_lock_that_username_from_that_address(self):
        for _ in range(4):
            response = self.log_in("wrong")
            self.assertContains(response, "Please enter a correct username and password")
        response = self.log_in("wrong")
        self.assertContains(response, "Too many failed log-ins for this account")
        self.assertContains(response, "15 minutes")
        # Locked: even the right password is refused, with the same clear message.
        response = self.log_in("password")
        self.assertContains(response, "Too many failed log-ins for this account")
        self.assertFalse(get_user(self.client).is_authenticated)
        # Alice at the office is not locked out by someone else's guessing.
        response = self.log_in("password", ip=OFFICE)
        self.assertRedirects(response, reverse("inbox"), fetch_redirect_response=False)

    def test_the_lock_ends_by_itself(self):
        for _ in range(5):
            self.log_in("wrong")
        with freeze_time(timezone.now() + timedelta(minutes=16)):
            response = self.log_in("password")
        self.assertEqual(response.status_code, 302)

    def test_a_good_log_in_forgets_earlier_failures(self):
        for _ in range(4):
            self.log_in("wrong")
        self.assertEqual(self.log_in("password").status_code, 302)
        self.assertFalse(LoginThrottle.objects.exists())
        self.client.logout()
        for _ in range(4):
            self.log_in("wrong")
        self.assertContains(self.log_in("wrong"), "Too many failed log-ins")

    def test_unknown_usernames_are_counted_too_and_spelling_does_not_help(self):
        for _ in range(3):
            self.log_in("wrong", username="ALICE")
        for _ in range(2):
            self.log_in("wrong", username=" alice")
        self.assertContains(self.log_in("password"), "Too many failed log-ins")

    def test_an_administrator_unlocks_in_the_admin(self):
        for _ in range(5):
            self.log_in("wrong")
        admin = make_agent("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
        self.client.force_login(admin)
        changelist = reverse("admin:security_loginthrottle_changelist")
        self.assertContains(self.client.get(changelist), ATTACKER)
        lock = LoginThrottle.objects.get()
        response = self.client.post(
            changelist, {"action": "unlock", "_selected_action": [lock.pk]}, follow=True
        )
        self.assertContains(response, "1 lock lifted.")
        self.client.logout()
        self.assertEqual(self.log_in("password").status_code, 302)

    def test_the_admins_own_login_form_sends_people_to_the_throttled_one(self):
        response = self.client.get("/admin/login/?next=/admin/")
        self.assertRedirects(response, "/login/?next=/admin/", fetch_redirect_response=False)
