"""A real browser (Debian's Chromium driven by Playwright) logs in, opens a ticket, replies and
sees the reply in the timeline. `make test` installs Chromium when it is missing."""

import os
import re

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Team
from rapport.test import make_agent, receive

# The `browser` fixture (Debian's Chromium through Playwright) is in rapport/conftest.py.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_logs_in_opens_a_ticket_and_replies(live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support], first_name="Alice")
    ticket = receive(
        external_id="<b1@x>",
        subject="Заказ не пришёл",
        sender_name="Carol",
        body_text="Где мой заказ? 我的订单在哪里？",
    ).ticket

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    expect(page.locator("table.tickets")).to_contain_text("Заказ не пришёл")

    page.click("text=Заказ не пришёл")
    expect(page).to_have_url(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator("#timeline")).to_contain_text("我的订单在哪里")

    page.fill("#id_body", "Здравствуйте, Кэрол! Заказ будет у вас завтра. 谢谢！")
    page.click("button[name=send]")
    expect(page.locator("#timeline .message.out")).to_contain_text("Заказ будет у вас завтра")
    expect(page.locator(".flash")).to_contain_text("Reply sent")
    if os.environ.get("RAPPORT_SCREENSHOT"):  # for docs/screenshot.png
        page.screenshot(path=os.environ["RAPPORT_SCREENSHOT"], full_page=True)


def test_the_coach_advises_while_the_agent_types(live_server, browser):
    from rapport.tickets.coaching import analyse

    support = Team.objects.create(name="Support", is_default=True)
    make_agent("alice", teams=[support], first_name="Alice")
    message = receive(
        external_id="<b2@x>",
        subject="Где заказ?",
        sender_name="Ирина",
        body_text="Сколько можно ждать?! Позовите руководителя. Где мой заказ?",
    )
    analyse(message)

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/tickets/{message.ticket_id}/")
    expect(page.locator(".coach-badges").first).to_contain_text("angry")
    expect(page.locator(".coach-badges").first).to_contain_text("asks for a manager")

    page.fill("#id_body", "Заказ отправлен.")
    expect(page.locator("#coach")).to_contain_text("CQ3")  # no empathy for an angry customer
    greeting = page.locator(".coach-insert[data-insert^='Здравствуйте']")
    greeting.click()
    expect(page.locator("#id_body")).to_have_value(re.compile(r"^Здравствуйте"))
    expect(page.locator("#coach")).not_to_contain_text("Здравствуйте!")  # advice refreshed
