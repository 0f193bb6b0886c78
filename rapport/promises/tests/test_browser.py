"""In a real browser: an agent replies with a promise, the ticket page offers "Track this
promise", one click (htmx) tracks it and the panel shows it with "Log callback done"."""

import os
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Team
from rapport.promises.models import Promise
from rapport.test import make_agent, receive

# The `browser` fixture (Debian's Chromium through Playwright) is in rapport/conftest.py.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
