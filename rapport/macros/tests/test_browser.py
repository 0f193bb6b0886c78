"""The template picker in a real browser (Chromium via Playwright): search, insert the filled
text with its actions, the CQ16 warning while the template is unchanged, and the coach's CQ16
finding stored on the sent reply."""

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Team
from rapport.macros.models import Macro
from rapport.test import make_agent, receive
from rapport.tickets.models import Message, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_inserts_a_template_is_warned_and_the_coach_flags_it(live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support], first_name="Alice")
    ticket = receive(
        external_id="<m1@x>",
        subject="Order",
        sender_name="Carol",
        body_text="Hello, where is my order 4471902? When will it arrive?",
    ).ticket
    Macro.objects.create(name="Refund policy", language="en", body="Refunds take 5 days.")
    Macro.objects.create(
        name="Checking",
        language="en",
        team=support,
        body="Hello {customer_name}, we are checking order {order_number}.",
        set_status=Status.PENDING,
    )

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.click("#macro-picker summary")
    expect(page.locator("#macro-list")).to_contain_text("Refund policy")
    page.fill(".macro-search", "checking")
    expect(page.locator("#macro-list")).not_to_contain_text("Refund policy")
    page.click(".macro-insert")
    expected = "Hello Carol, we are checking order 4471902."
    expect(page.locator("#id_body")).to_have_value(expected)
    expect(page.locator(".macro-done")).to_contain_text("Pending")
    expect(page.locator(".macro-unchanged")).to_be_visible()  # CQ16, before sending
    page.click("button[name=send]")
    expect(page.locator("#timeline .message.out")).to_contain_text(expected)
    sent = Message.objects.get(ticket=ticket, direction="out")
    assert "CQ16" in [f["principle"] for f in sent.analysis["findings"]]
