"""The strict Content-Security-Policy breaks nothing: Chromium, with the policy on, visits the
pages of the desk, the admin, the API's docs, the portal, the help centre and the contact form,
and not one `securitypolicyviolation` is reported; the chat widget still opens on the demo
page, and a page that tries inline script is refused (docs/security.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Role, Team
from rapport.kb.actions import do_create_article, do_publish
from rapport.security import twofactor
from rapport.test import make_agent, receive
from rapport.webchat.models import Widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
    + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def test_no_page_violates_the_policy_and_the_widget_still_works(asgi_live_server, browser):
    support = Team.objects.create(name="Support", is_default=True)
    root = make_agent("root", role=Role.ADMIN, teams=[support], is_staff=True, is_superuser=True)
    message = receive(subject="Лампа мигает", body_html="<p>Здравствуйте, <b>лампа</b></p>")
    article = do_create_article(root, language="en", title="Returns", body="**How** to return.")
    do_publish(article, root)
    Widget.objects.create(name="Site", team=support)
    twofactor.do_start_enrolment(root)  # the security page then shows its QR code

    server = asgi_live_server.url
    context = browser.new_context()  # the policy is on
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{server}/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")

    problems: list[str] = []
    urls = [
        "/",
        f"/tickets/{message.ticket_id}/",
        f"/customers/{message.customer_id}/",
        "/customers/",
        "/search/?q=лампа",
        "/kb/",
        f"/kb/{article.pk}/",
        "/reviews/",
        "/reports/",
        "/promises/",
        "/macros/",
        "/me/",
        "/me/security/",
        "/me/api-tokens/",
        "/chat/widgets/",
        "/admin/",
        "/admin/security/loginthrottle/",
        "/api/v1/",
        "/api/v1/docs/",
        "/help/en/",
        f"/help/en/a/{article.pk}/",
        "/contact/en/",
        "/portal/",
    ]
    for url in urls:
        response = page.goto(server + url)
        assert response.status < 400, f"{url}: {response.status}"
        page.wait_for_load_state("networkidle")
        problems += [f"{url}: {v}" for v in page.evaluate("() => window.__violations")]
    assert not problems, "\n".join(problems)
    assert not console, console

    # Swagger UI still starts (its start-up script is a file now, not inline).
    page.goto(f"{server}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rapport API")

    # The widget on the demo page (a stand-in for a customer's site) opens and greets.
    demo = context.new_page()
    demo.goto(f"{server}/chat/demo/")
    demo.get_by_role("button", name="Chat with us").click()
    expect(demo.get_by_role("dialog", name="Chat with us")).to_be_visible()
    assert demo.evaluate("() => window.__violations") == []

    # And the policy does bite: an inline script injected into a page of ours is refused.
    page.goto(f"{server}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = 1"; document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("() => window.__violations"))
    context.close()
