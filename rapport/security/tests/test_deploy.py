"""`manage.py check --deploy` is clean with RAPPORT_ENV=production (docs/security.md)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

MANAGE = str(settings.PROJECT_DIR / "manage.py")

CHECK_AND_SHOW = """
from django.conf import settings as s
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
csp = s.CONTENT_SECURITY_POLICY["DIRECTIVES"]
print("settings", s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,
      s.CSRF_COOKIE_SECURE, csp.get("upgrade-insecure-requests"))
"""


def run(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(RAPPORT_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, MANAGE, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_and_https_is_on_with_production_settings(tmp_path):
    done = run(tmp_path, "shell", "-c", CHECK_AND_SHOW, RAPPORT_ENV="production")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr
    shown = done.stdout.split("settings", 1)[1].split()
    assert shown == ["True", "31536000", "True", "True", "True"], done.stdout


def test_development_settings_are_not_deployable_and_bad_values_fail_loudly(tmp_path):
    development = run(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert development.returncode != 0
    assert "security.W004" in development.stderr + development.stdout  # the check bites
    wrong = run(tmp_path, "check", RAPPORT_ENV="prod")
    assert "RAPPORT_ENV must be development or production" in wrong.stderr
    debug = run(tmp_path, "check", RAPPORT_ENV="production", DEBUG="1")
    assert "DEBUG must be off" in debug.stderr
