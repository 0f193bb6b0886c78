"""In a real browser: an agent replies with a promise, the ticket page offers "Track this
promise", one click (htmx) tracks it and the panel shows it with "Log callback done"."""

import os
import shutil
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright

from rapport.accounts.models import Team
from rapport.promises.models import Promise
from rapport.test import make_agent, receive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
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


def test_an_agent_tracks_the_promise_of_their_reply_in_one_click(live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support], first_name="Alice", time_zone="Europe/Moscow")
    ticket = receive(
        external_id="<p1@x>",
        subject="Заказ не пришёл",
        sender_name="Carol",
        body_text="Где мой заказ?",
    ).ticket

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.fill("#id_body", "Здравствуйте, Кэрол! Уточню на складе и перезвоню вам завтра до 12.")
    page.click("button[name=send]")
    panel = page.locator("#ticket-promises")
    expect(panel).to_contain_text("перезвоню вам завтра до 12")
    page.click("text=Track this promise")
    expect(panel.locator(".promise-list")).to_contain_text("перезвоню вам завтра до 12")
    expect(panel).not_to_contain_text("Track this promise")
    expect(panel).to_contain_text("Log callback done")
    promise = Promise.objects.get()
    assert (promise.kind, promise.ticket_id) == ("callback", ticket.pk)
    local = promise.due_at.astimezone(ZoneInfo("Europe/Moscow"))  # Alice's zone
    assert (local.hour, local.minute) == (12, 0)
    if os.environ.get("RAPPORT_SCREENSHOT"):
        page.screenshot(path=os.environ["RAPPORT_SCREENSHOT"], full_page=True)
