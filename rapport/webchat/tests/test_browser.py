"""A customer chats in the widget on another site's page while Alice answers from the ticket
page: each sees the other's messages live (CH1, CH3). Real Chromium, the ASGI live server,
and a second HTTP server on another port for the host page (a real cross-origin embed)."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.tickets.models import Message, Ticket
from rapport.webchat.models import Widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Lumen Home</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>button {{ background: hotpink; font-size: 40px; }} * {{ color: red; }}</style></head>
<body><h1>Lamps</h1>
<script src="{server}/static/webchat/widget.js" data-widget="{key}" async></script>
</body></html>"""


@pytest.fixture
def host_site():
    """Serves index.html from a temporary directory on a free loopback port."""
    root = Path(tempfile.mkdtemp(prefix="rapport-site-"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.root = root
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()


@pytest.fixture(autouse=True)
def _patient_expect():
    """A shared, loaded machine: give the browser more than the default 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def own_connection(test):
    """With Playwright's loop running, the test body's ORM calls use a connection of their own
    context: on PostgreSQL, the previous test's live-server teardown ended every other session
    (that one too), and one left open would keep the test database from being dropped. Start
    the test on a new connection and close it at the end, in the body's own context."""

    @functools.wraps(test)
    def wrapped(*args, **kwargs):
        from django.db import connection

        connection.close()
        try:
            return test(*args, **kwargs)
        finally:
            connection.close()

    return wrapped


def wait_for(fn, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the database")


def login(browser, server, username):
    page = browser.new_context().new_page()
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    return page


@own_connection
def test_a_customer_and_an_agent_chat_live(desk, asgi_live_server, browser, host_site):
    server = asgi_live_server
    Widget.objects.filter(pk=desk.widget.pk).update(allowed_origins=host_site.url)
    (host_site.root / "index.html").write_text(
        PAGE.format(lang="en", server=server.url, key=desk.widget.key)
    )
    visitor = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    visitor.goto(f"{host_site.url}/index.html")

    # The launcher is a labelled button; the panel a dialog; focus goes to the message box.
    launcher = visitor.get_by_role("button", name="Chat with us")
    expect(launcher).to_be_visible()
    launcher.click()
    dialog = visitor.get_by_role("dialog", name="Chat with us")
    expect(dialog).to_be_visible()
    box = visitor.get_by_label("Your message")
    expect(box).to_be_focused()
    expect(dialog).to_contain_text("Hello!")  # the widget's greeting
    # The host page's `button { background: hotpink }` does not reach inside the widget.
    send = visitor.get_by_role("button", name="Send", exact=True)
    assert send.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 105, 180)"

    box.fill("My lamp flickers, what can I do?")
    box.press("Enter")
    message = wait_for(
        lambda: Message.objects.filter(channel="webchat", body_text__startswith="My lamp").first()
    )
    ticket = message.ticket
    assert ticket.team_id == desk.support.pk

    # Alice opens the chat ticket and watches it (live.js), listening for the visitor typing.
    alice = login(browser, server, "alice")
    alice.goto(f"{server.url}/tickets/{ticket.pk}/")
    expect(alice.locator("html")).to_have_attribute("data-live", "on")
    alice.evaluate(
        "() => { window.chatTyping = []; document.addEventListener('rapport:chat.typing',"
        " e => window.chatTyping.push(e.detail)); }"
    )
    expect(alice.locator("#timeline")).to_contain_text("My lamp flickers")

    # The visitor types: Alice's page gets the chat.typing event.
    box.press_sequentially("Also", delay=30)
    alice.wait_for_function("() => window.chatTyping.some(d => d.who === 'visitor' && d.typing)")

    # Alice types in the reply form (live.js → the agent consumer → the widget), then answers.
    alice.locator("#id_body").press_sequentially("Please", delay=30)
    expect(dialog).to_contain_text("Alice is typing")
    alice.fill("#id_body", "Please try another bulb first.")
    alice.click("button[name=send]")
    expect(dialog).to_contain_text("Please try another bulb first.")
    expect(dialog.get_by_role("log")).to_contain_text("Alice")

    # The visitor answers; Alice's open ticket page (reloaded after her post, live again)
    # shows it without a reload.
    expect(alice.locator(".flash")).to_contain_text("Reply sent")
    expect(alice.locator("html")).to_have_attribute("data-live", "on")
    box.fill("Also, the switch is loose.")
    box.press("Enter")
    expect(alice.locator("#timeline")).to_contain_text("the switch is loose")

    # Escape closes the dialog and gives focus back to the launcher; reopening after a reload
    # shows the whole conversation again (same browser, same visitor).
    box.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    visitor.reload()
    visitor.get_by_role("button", name="Chat with us").click()
    log = visitor.get_by_role("log")
    expect(log).to_contain_text("My lamp flickers")
    expect(log).to_contain_text("Please try another bulb first.")
    expect(log).to_contain_text("the switch is loose")
    assert Message.objects.filter(channel="webchat", direction="in").count() == 2

    # Alice solves the chat: the widget asks for a rating (FB1) and stores the answer.
    alice.goto(f"{server.url}/tickets/{ticket.pk}/")
    alice.fill("#id_body", "Glad it works now. Goodbye!")
    alice.select_option("select[name=status_after]", "solved")
    alice.click("button[name=send]")
    expect(dialog := visitor.get_by_role("dialog")).to_contain_text("How satisfied are you?")
    dialog.get_by_role("button", name="Delighted").click()
    expect(dialog).to_contain_text("Thank you for your feedback!")
    rating = wait_for(lambda: getattr(Ticket.objects.get(pk=ticket.pk), "chat_rating", None))
    assert rating.score == 4


@own_connection
def test_the_widget_speaks_the_page_s_language_and_fills_a_phone_screen(
    desk, asgi_live_server, browser, host_site
):
    (host_site.root / "index.html").write_text(
        PAGE.format(lang="ru", server=asgi_live_server.url, key=desk.widget.key)
    )
    Widget.objects.filter(pk=desk.widget.pk).update(allowed_origins=host_site.url)
    phone = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True).new_page()
    phone.goto(f"{host_site.url}/index.html")
    phone.get_by_role("button", name="Написать нам").click()
    dialog = phone.get_by_role("dialog", name="Чат с поддержкой")
    expect(dialog).to_contain_text("Здравствуйте!")
    box = dialog.bounding_box()
    assert box["width"] == 375 and box["height"] == 667


@own_connection
def test_a_page_on_a_site_not_allowed_gets_no_chat(desk, asgi_live_server, browser, host_site):
    (host_site.root / "index.html").write_text(
        PAGE.format(lang="en", server=asgi_live_server.url, key=desk.widget.key)
    )
    page = browser.new_context().new_page()
    page.goto(f"{host_site.url}/index.html")  # the widget allows only https://shop.example.com
    page.get_by_role("button", name="Chat with us").click()
    # The handshake is refused (HTTP 403); after three tries the widget asks over HTTP, is
    # refused again (no CORS headers for this origin), and says so.
    expect(page.get_by_role("status").first).to_contain_text("not available here")
    assert not Message.objects.filter(channel="webchat").exists()


@own_connection
def test_without_websockets_the_widget_chats_over_http_and_sends_files(
    desk, asgi_live_server, browser, host_site
):
    server = asgi_live_server
    Widget.objects.filter(pk=desk.widget.pk).update(allowed_origins=host_site.url)
    (host_site.root / "index.html").write_text(
        PAGE.format(lang="en", server=server.url, key=desk.widget.key)
    )
    visitor = browser.new_context().new_page()
    visitor.add_init_script("delete window.WebSocket")  # a network that blocks WebSockets
    visitor.goto(f"{host_site.url}/index.html")
    visitor.get_by_role("button", name="Chat with us").click()
    dialog = visitor.get_by_role("dialog", name="Chat with us")
    expect(dialog).to_contain_text("Hello!")  # the welcome came by GET (CORS, X-Chat-Token)
    box = visitor.get_by_label("Your message")
    box.fill("Sent by POST")
    box.press("Enter")
    message = wait_for(lambda: Message.objects.filter(body_text="Sent by POST").first())
    dialog.locator("input[type=file]").set_input_files(
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": b"Order LH-1001"}]
    )
    attachment = wait_for(
        lambda: Message.objects.filter(ticket=message.ticket, attachments__isnull=False).first()
    )
    assert attachment.attachments.get().filename == "receipt.txt"
    from rapport.tickets.actions import do_reply

    do_reply(message.ticket, author=desk.alice, body_text="Got your receipt, thank you.")
    expect(dialog).to_contain_text("Got your receipt, thank you.")  # the next poll
    expect(dialog.get_by_role("link", name="📎 receipt.txt")).to_be_visible()


@own_connection
def test_with_deferred_intake_messages_are_acknowledged_at_once_and_shown_once(
    desk, asgi_live_server, browser, host_site, settings
):
    """Store first (docs/webchat.md "Deferred intake"): the widget's bubbles are acknowledged
    before any processing, survive a reload as pending, and stay one bubble each when the
    intake worker processes them later; the agent's reply then reaches the widget."""
    from rapport.intake.actions import do_drain
    from rapport.tickets.actions import do_reply

    settings.RAPPORT_INTAKE_DEFERRED = True
    Widget.objects.filter(pk=desk.widget.pk).update(allowed_origins=host_site.url)
    (host_site.root / "index.html").write_text(
        PAGE.format(lang="en", server=asgi_live_server.url, key=desk.widget.key)
    )
    visitor = browser.new_context().new_page()
    visitor.goto(f"{host_site.url}/index.html")
    visitor.get_by_role("button", name="Chat with us").click()
    box = visitor.get_by_label("Your message")
    for text in ("First, stored raw", "Second, stored raw"):
        box.fill(text)
        box.press("Enter")
    mine = visitor.locator(".msg.me")
    expect(mine).to_have_count(2)
    for n in range(2):  # acknowledged: "Sending…" is gone although nothing is processed yet
        expect(mine.nth(n).locator(".state")).to_have_text("")
    assert not Message.objects.filter(channel="webchat").exists()

    visitor.reload()  # the history brings both back, pending, in order
    visitor.get_by_role("button", name="Chat with us").click()
    expect(mine).to_have_count(2)
    expect(mine.nth(0)).to_contain_text("First, stored raw")
    expect(mine.nth(1)).to_contain_text("Second, stored raw")

    assert do_drain() == 2  # the intake worker's turn
    ticket = wait_for(lambda: Ticket.objects.filter(channel="webchat").first())
    do_reply(ticket, author=desk.alice, body_text="Both arrived, thank you.")
    log = visitor.get_by_role("log")
    expect(log).to_contain_text("Both arrived, thank you.")
    expect(mine).to_have_count(2)  # processed copies replaced the bubbles, not added to them
    assert Message.objects.filter(channel="webchat", direction="in").count() == 2
