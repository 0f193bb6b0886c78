"""Two agents in real browsers (Debian's Chromium through Playwright) on the ASGI live server:
what one does, and what customers send, shows up on the other's open pages without a reload
(CH1, CH3; docs/realtime.md)."""

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Team
from rapport.notify.actions import do_notify
from rapport.test import make_agent, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, server, username):
    page = browser.new_context().new_page()
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    return page


def live(page):
    """Wait until the page's WebSocket is open (live.js marks <html data-live="on">)."""
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def test_two_agents_see_each_others_work_and_new_messages_live(asgi_live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support], first_name="Alice")
    bob = make_agent("bob", teams=[support], first_name="Bob")
    ticket = receive(
        external_id="<l1@x>", subject="Заказ не пришёл", sender_name="Carol", body_text="Где?"
    ).ticket
    server = asgi_live_server

    # Bob keeps his inbox open; Alice opens Carol's ticket, then Bob opens it too.
    inbox = login(browser, server, "bob")
    expect(inbox.locator("table.tickets")).to_contain_text("Заказ не пришёл")
    live(inbox)
    alice = login(browser, server, "alice")
    alice.goto(f"{server.url}/tickets/{ticket.pk}/")
    live(alice)
    bobs_ticket = inbox.context.new_page()
    bobs_ticket.goto(f"{server.url}/tickets/{ticket.pk}/")
    live(bobs_ticket)

    # Collision warning: Alice sees Bob arrive, then sees him typing.
    expect(alice.locator("#viewers")).to_contain_text("Also viewing: Bob")
    bobs_ticket.locator("#id_body").press_sequentially("Здравствуйте", delay=20)
    expect(alice.locator("#viewers")).to_contain_text("Bob (typing)")

    # A new customer writes in: Bob's inbox shows the new ticket without a reload.
    receive(
        external_id="<l2@x>",
        subject="Refund please",
        sender_name="Dave",
        sender="dave@example.com",
        body_text="I want my money back.",
    )
    expect(inbox.locator("table.tickets")).to_contain_text("Refund please")
    expect(inbox.locator(".filters .count")).to_contain_text("2 tickets")

    # Alice replies: Bob's open ticket page shows the reply in the timeline.
    alice.fill("#id_body", "Завтра будет у вас, Кэрол.")
    alice.click("button[name=send]")
    expect(bobs_ticket.locator("#timeline .message.out")).to_contain_text("Завтра будет у вас")
    expect(alice.locator(".flash")).to_contain_text("Reply sent")
    live(alice)  # her page reloaded after the post

    # Carol writes back on the same ticket: both open ticket pages show it.
    receive(
        external_id="<l3@x>",
        in_reply_to=["<l1@x>"],
        subject="Re: Заказ не пришёл",
        sender_name="Carol",
        body_text="Спасибо, жду!",
    )
    for page in (alice, bobs_ticket):
        expect(page.locator("#timeline")).to_contain_text("Спасибо, жду!")

    # A notification (assignment, rule, SLA warning: all through do_notify) pops a toast
    # and raises the header count on every open page of Bob's, and only Bob's.
    do_notify([bob], f"Ticket #{ticket.pk} was assigned to you", ticket=ticket)
    for page in (inbox, bobs_ticket):
        expect(page.locator("#live-toasts")).to_contain_text("was assigned to you")
        expect(page.locator(".me a.notify .count")).to_have_text("1")
    expect(alice.locator("#live-toasts")).to_be_empty()
