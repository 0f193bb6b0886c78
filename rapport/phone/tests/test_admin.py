"""The CTI integration in the admin: the token is generated on save, shown once, stored
hashed; a new token replaces the old one."""

from __future__ import annotations

import re

from rapport.phone.models import CtiIntegration
from rapport.test import BaseTestCase

from .helpers import post_event

TOKEN = re.compile(r"Authorization: Bearer ([A-Za-z0-9_\-]{40,})")


class CtiAdminTests(BaseTestCase):
    def setUp(self) -> None:
        self.admin = type(self.alice).objects.create_superuser("root", "root@x.test", "pw")
        self.client.force_login(self.admin)

    def test_the_token_is_shown_once_and_works(self):
        r = self.client.post(
            "/admin/phone/ctiintegration/add/",
            {
                "name": "Office PBX",
                "team": self.support.pk,
                "is_active": "on",
                "extensions-TOTAL_FORMS": "1",
                "extensions-INITIAL_FORMS": "0",
                "extensions-0-extension": "101",
                "extensions-0-agent": self.alice.pk,
            },
            follow=True,
        )
        page = r.content.decode()
        [token] = TOKEN.findall(page)
        integration = CtiIntegration.objects.get()
        assert integration.extensions.get().agent == self.alice
        assert token not in integration.token_hash and integration.token_matches(token)
        # Shown once: the change page does not show it again.
        change = self.client.get(f"/admin/phone/ctiintegration/{integration.pk}/change/")
        assert token not in change.content.decode()
        r = post_event(self.client, integration, token, event="ringing", call_id="a1")
        assert r.status_code == 202

    def test_a_new_token_replaces_the_old_one(self):
        integration = CtiIntegration(name="PBX", team=self.support)
        old = integration.new_token()
        integration.save()
        r = self.client.post(
            "/admin/phone/ctiintegration/",
            {"action": "regenerate_token", "_selected_action": [integration.pk]},
            follow=True,
        )
        [new] = TOKEN.findall(r.content.decode())
        integration.refresh_from_db()
        assert new != old and integration.token_matches(new)
        assert (
            post_event(self.client, integration, old, event="ringing", call_id="a1").status_code
            == 403
        )
