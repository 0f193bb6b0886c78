"""Tokens (shown once, hashed, scoped, revocable), session auth with CSRF, rate limits, and
the OpenAPI document (docs/api.md)."""

import hashlib

from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from rapport.api.actions import do_create_token
from rapport.api.models import ApiToken, Scope
from rapport.test import BaseTestCase

from .helpers import token_client


class TokenTest(BaseTestCase):
    def test_a_token_is_stored_only_as_its_sha256_and_records_its_last_use(self):
        token, raw = do_create_token(self.alice, name="crm", scope=Scope.READ)
        self.assertTrue(raw.startswith("rpt_"))
        self.assertEqual(token.key_hash, hashlib.sha256(raw.encode()).hexdigest())
        stored = ApiToken.objects.filter(pk=token.pk).values()[0]
        self.assertNotIn(raw, [str(v) for v in stored.values()])
        self.assertIsNone(token.last_used_at)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(client.get("/api/v1/tickets/").status_code, 200)
        token.refresh_from_db()
        self.assertIsNotNone(token.last_used_at)

    def test_a_wrong_or_revoked_token_is_refused(self):
        client, raw = token_client(self.alice)
        self.assertEqual(client.get("/api/v1/tickets/").status_code, 200)
        bad = APIClient()
        bad.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}x")
        self.assertEqual(bad.get("/api/v1/tickets/").status_code, 401)
        self.assertEqual(APIClient().get("/api/v1/tickets/").status_code, 401)
        self.login(self.alice)
        page = self.client.get("/me/api-tokens/")
        self.assertNotContains(page, raw)  # shown once, when made; never again
        token = ApiToken.objects.get(user=self.alice)
        self.client.post(f"/me/api-tokens/{token.pk}/revoke/")
        self.assertEqual(client.get("/api/v1/tickets/").status_code, 401)

    def test_a_read_token_cannot_write(self):
        client, _raw = token_client(self.alice, scope=Scope.READ)
        url = f"/api/v1/tickets/{self.carol_ticket.pk}/notes/"
        self.assertEqual(client.get(url).status_code, 200)
        response = client.post(url, {"body": "Checked the courier."}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.carol_ticket.notes.exists())

    def test_the_tokens_page_shows_a_new_token_once_and_only_to_its_owner(self):
        self.login(self.alice)
        page = self.client.post("/me/api-tokens/", {"name": "CRM sync", "scope": "write"})
        raw = page.context["raw"]
        self.assertContains(page, raw)
        self.assertEqual(page["Cache-Control"], "no-store")
        token = ApiToken.objects.get(user=self.alice)
        self.assertEqual(token.scope, Scope.WRITE)
        self.login(self.bob)
        self.assertNotContains(self.client.get("/me/api-tokens/"), "CRM sync")
        self.assertEqual(self.client.post(f"/me/api-tokens/{token.pk}/revoke/").status_code, 404)
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)

    def test_the_session_works_for_the_web_ui_and_needs_csrf_to_write(self):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.assertEqual(client.get("/api/v1/tickets/").status_code, 200)
        url = f"/api/v1/tickets/{self.carol_ticket.pk}/notes/"
        self.assertEqual(client.post(url, {"body": "x"}, format="json").status_code, 403)


class RateLimitTest(BaseTestCase):
    @override_settings(RAPPORT_API_RATE_LIMIT=3, RAPPORT_API_RATE_WINDOW=60)
    def test_each_token_has_its_budget_told_in_headers_and_gets_429_past_it(self):
        client, _raw = token_client(self.alice)
        other, _raw2 = token_client(self.alice)
        remaining = []
        for _ in range(3):
            response = client.get("/api/v1/teams/")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["RateLimit-Limit"], "3")
            self.assertLessEqual(int(response["RateLimit-Reset"]), 60)
            remaining.append(int(response["RateLimit-Remaining"]))
        self.assertEqual(remaining, [2, 1, 0])
        refused = client.get("/api/v1/teams/")
        self.assertEqual(refused.status_code, 429)
        self.assertGreaterEqual(int(refused["Retry-After"]), 1)
        self.assertEqual(refused["RateLimit-Remaining"], "0")
        # Another token has its own budget.
        self.assertEqual(other.get("/api/v1/teams/").status_code, 200)


class SchemaTest(BaseTestCase):
    def test_the_openapi_document_is_valid_and_the_docs_use_vendored_assets(self):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        validate_schema(schema)  # drf-spectacular's OpenAPI 3 validation
        for path in ("/api/v1/tickets/", "/api/v1/inbound/", "/api/v1/articles/"):
            self.assertIn(path, schema["paths"])
        self.login(self.alice)
        response = self.client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 200)
        docs = self.client.get("/api/v1/docs/")
        self.assertEqual(docs.status_code, 200)
        html = docs.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/", html)
        self.assertNotIn("cdn.jsdelivr", html)
