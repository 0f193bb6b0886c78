"""In a real browser (CH4): an agent has the inbox open; the phone system posts `ringing` to
the CTI webhook; the caller's card pops in the agent's page over the WebSocket (live.js →
`rapport:cti.ringing` → phone.js); `answered` marks it; the agent logs the call with the
etiquette checklist and it is on the ticket."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Team
from rapport.customers.actions import do_add_identity, do_flag_customer
from rapport.phone.models import Call, Extension
from rapport.test import make_agent, receive

from .helpers import make_integration

# `browser` and `asgi_live_server` (uvicorn with WebSockets, on the test database) are in
# rapport/conftest.py.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post(server, integration, token: str, **event) -> dict:
    request = urllib.request.Request(  # noqa: S310 — the test's own loopback server
        f"{server.url}/phone/cti/{integration.pk}/",
        data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())


def live(page) -> None:
    """Wait until the page's WebSocket is open (live.js marks <html data-live="on">): a push
    before that reaches nobody."""
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def test_a_ringing_call_pops_the_callers_card_in_the_agents_inbox(asgi_live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    alice = make_agent("alice", teams=[support], first_name="Alice")
    ticket = receive(
        external_id="<c1@x>", subject="Where is my order?", sender_name="Carol Danvers"
    ).ticket
    carol = ticket.customer
    do_add_identity(carol, "phone", "+7 916 123-45-67")
    do_flag_customer(carol, kind="vip", reason="Key account since 2019", actor=None)
    integration, token = make_integration(support)
    Extension.objects.create(integration=integration, extension="101", agent=alice)

    page = browser.new_page()
    page.goto(f"{asgi_live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    expect(page.locator("header.top")).to_contain_text("Alice")  # the inbox
    live(page)

    answer = post(
        asgi_live_server,
        integration,
        token,
        event="ringing",
        call_id="pbx-42",
        **{"from": "+7 916 123 45 67", "to": "+74950000000"},
    )
    assert answer["pushed"] == 1
    card = page.locator("#cti-cards .cti-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Incoming call")
    expect(card.locator(".cti-customer")).to_have_text("Carol Danvers")
    expect(card.locator(".cti-flags")).to_contain_text("Key account since 2019")
    expect(card.locator(".cti-tickets")).to_contain_text(f"#{ticket.pk} Where is my order?")

    post(asgi_live_server, integration, token, event="answered", call_id="pbx-42", agent="101")
    expect(card.locator(".cti-state")).to_have_text("Answered by Alice")

    # From the card to the call log: the customer is chosen, the agent fills the checklist.
    card.locator("a.cti-log").click()
    expect(page.locator("h1")).to_have_text("Log a call")
    expect(page.locator(f'input[name=customer][value="{carol.pk}"]')).to_be_checked()
    page.check("input[name=greeted][value=yes]")
    page.check("input[name=asked_before_hold][value=na]")
    page.check("input[name=thanked][value=yes]")
    page.fill("textarea[name=notes]", "Parcel is at the depot; Carol will collect it.")
    page.click("button[type=submit]")
    page.wait_for_url("**/tickets/*/")
    call = Call.objects.get()
    assert (call.customer_id, call.agent_id) == (carol.pk, alice.pk)
    assert (call.greeted, call.asked_before_hold, call.thanked) == (True, None, True)
    expect(page.locator("#timeline")).to_contain_text("Incoming call from +7 916 123 45 67")
    expect(page.locator("#timeline")).to_contain_text("Parcel is at the depot")
    if os.environ.get("RAPPORT_SCREENSHOT"):
        page.screenshot(path=os.environ["RAPPORT_SCREENSHOT"], full_page=True)
