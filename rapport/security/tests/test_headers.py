"""Every response carries the security headers; the chat widget's own endpoints still answer
the sites that embed it (docs/security.md)."""

from __future__ import annotations

from django.urls import reverse

from rapport.test import BaseTestCase
from rapport.webchat.models import Widget


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


class SecurityHeadersTest(BaseTestCase):
    def test_every_page_has_a_strict_policy_and_the_other_headers(self):
        self.login(self.alice)
        for url in [
            reverse("inbox"),
            reverse("ticket", args=[self.carol_ticket.pk]),
            reverse("login"),
            "/portal/",
        ]:
            response = self.client.get(url)
            self.assertIn(response.status_code, (200, 302), url)
            csp = directives(response)
            self.assertEqual(csp["script-src"], "'self'", url)  # no inline script, no eval
            self.assertEqual(csp["style-src"], "'self'", url)
            self.assertEqual(csp["object-src"], "'none'", url)
            self.assertEqual(csp["base-uri"], "'none'", url)
            self.assertEqual(csp["frame-ancestors"], "'none'", url)  # clickjacking
            self.assertEqual(response["X-Frame-Options"], "DENY", url)
            self.assertEqual(response["X-Content-Type-Options"], "nosniff", url)
            self.assertEqual(response["Referrer-Policy"], "same-origin", url)
            self.assertNotIn("unsafe", response["Content-Security-Policy"], url)

    def test_no_page_of_ours_has_inline_script_or_handlers(self):
        self.login(self.sam)
        for url in [reverse("inbox"), reverse("ticket", args=[self.carol_ticket.pk])]:
            html = self.client.get(url).content.decode()
            for needle in ("<script>", "onclick=", "onload=", "onerror=", "javascript:"):
                self.assertNotIn(needle, html, url)

    def test_the_widget_demo_page_alone_allows_inline_styles_as_a_customer_site_would(self):
        Widget.objects.create(name="Site", team=self.support)
        response = self.client.get(reverse("webchat-demo"))
        csp = directives(response)
        self.assertIn("'unsafe-inline'", csp["style-src"])
        self.assertEqual(csp["script-src"], "'self'")

    def test_the_widget_endpoints_answer_cors_for_allowed_sites_only(self):
        widget = Widget.objects.create(
            name="Site", team=self.support, allowed_origins="https://shop.example"
        )
        url = reverse("webchat-history", args=[widget.key])
        allowed = self.client.options(url, headers={"Origin": "https://shop.example"})
        self.assertEqual(allowed.status_code, 204)
        self.assertEqual(allowed["Access-Control-Allow-Origin"], "https://shop.example")
        other = self.client.options(url, headers={"Origin": "https://evil.example"})
        self.assertEqual(other.status_code, 403)
        self.assertNotIn("Access-Control-Allow-Origin", other)

    def test_the_widget_script_is_served_for_any_site_to_embed(self):
        response = self.client.get("/static/webchat/widget.js")
        self.assertEqual(response.status_code, 200)
        self.assertIn("javascript", response["Content-Type"])

    def test_the_apis_browsable_pages_may_use_inline_styles_but_never_inline_script(self):
        self.login(self.alice)
        response = self.client.get("/api/v1/", headers={"Accept": "text/html"})
        csp = directives(response)
        self.assertIn("'unsafe-inline'", csp["style-src"])
        self.assertEqual(csp["script-src"], "'self'")
        self.assertNotIn(
            "unsafe-inline", directives(self.client.get(reverse("inbox")))["style-src"]
        )
