"""The report pages in a real browser (Debian's Chromium through Playwright), in the three UI
languages: every chart is drawn, no script or resource fails, nothing spills sideways, and the
filters keep the page's period (MG3, MG4, KN3; issue #9 "looking good in a browser").
With RAPPORT_SCREENSHOT_DIR set, each page is saved there as a PNG (docs/reports.md)."""

import os
import re

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import User
from rapport.reports.actions import do_update_rollups
from rapport.test import Personas

from .helpers import build_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("dashboard", "/reports/"),
    ("problems", "/reports/problems/"),
    ("baseline", "/reports/baseline/"),
    ("goals", "/reports/goals/"),
]
HEADINGS = {
    "en": ["Reports", "Problems and complaints", "Baseline assessment", "Goals"],
    "ru": ["Отчёты", "Проблемы и жалобы", "Исходная оценка", "Цели"],
    "zh-hans": ["报表", "问题与投诉", "基线评估", "目标"],
}


class Desk(Personas):
    """The personas' attributes set on a class of this test's own, not on Personas itself."""


def _watch(page) -> list[str]:
    """Console errors, uncaught exceptions and failed resources of one page, as they come."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return problems


def test_the_report_pages_read_well_in_every_language(asgi_live_server, browser):
    live_server = asgi_live_server
    Desk.create_personas()
    build_desk(Desk)
    do_update_rollups()
    sam = User.objects.get(username="sam")
    shots = os.environ.get("RAPPORT_SCREENSHOT_DIR")
    for language, headings in HEADINGS.items():
        sam.language = language
        sam.save(update_fields=["language"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems = _watch(page)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "sam")
        page.fill("input[name=password]", "password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/**")
        for (name, path), heading in zip(PAGES, headings, strict=True):
            page.goto(f"{live_server.url}{path}")
            expect(page).to_have_title(re.compile(re.escape(heading)))
            charts = page.locator("figure svg")
            if name in ("dashboard", "problems"):
                assert charts.count() >= (4 if name == "dashboard" else 1), f"{name}: no charts"
                for i in range(charts.count()):
                    box = charts.nth(i).bounding_box()
                    assert box and box["width"] > 50 and box["height"] > 20, (name, i, box)
            if name != "goals":
                # The period select shows the period the figures are for (30 or 90 days).
                selected = page.locator("select[name=period]").input_value()
                assert selected == ("30" if name == "dashboard" else "90"), (name, selected)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} ({language}) is {overflow} px wider than the window"
            if shots:
                page.screenshot(path=f"{shots}/reports-{name}-{language}.png", full_page=True)
        assert not problems, problems
        context.close()
