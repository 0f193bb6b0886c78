import os
import shutil

import pytest
from django.core.cache import cache

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Presence markers and counters live in the cache: every test starts with an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (`make test` installs it when missing)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test's own setup are safe here (no concurrent async code touches them).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
