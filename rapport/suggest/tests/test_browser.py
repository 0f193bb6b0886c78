"""In a real browser: the suggestions card loads after the ticket page and one click puts a
similar ticket's answer, or an article's link, into the reply box (KN6)."""

import re

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Role, Team
from rapport.test import make_agent

from .helpers import ask, published, solved_with_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_inserts_a_suggested_answer_and_an_article_link(live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    alice = make_agent("alice", teams=[support], first_name="Alice")
    sam = make_agent("sam", role=Role.SUPERVISOR)
    published(
        "Как вернуть товар",
        "Откройте заказ и нажмите «Вернуть».",
        "ru",
        author=alice,
        publisher=sam,
    )
    solved_with_answer(
        "Можно вернуть товар?",
        "Да, в течение 14 дней: откройте заказ.",
        sender="a@example.com",
        agent=alice,
        n=1,
    )
    ticket = ask("Хочу вернуть товар, как это сделать?", sender="b@example.com", n=2).ticket

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    card = page.locator("#suggestions")
    expect(card.locator(".similar-tickets")).to_contain_text("Можно вернуть товар?")
    page.fill("#id_body", "Здравствуйте!")
    card.locator(".similar-tickets summary").first.click()
    card.locator(".similar-tickets .suggest-insert").first.click()
    expect(page.locator("#id_body")).to_have_value(
        "Здравствуйте! Да, в течение 14 дней: откройте заказ."
    )
    card.locator(".suggested-articles .suggest-insert").first.click()  # "Insert link"
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"откройте заказ\. http.*/help/ru/.+")
    )
