from django.urls import reverse

from rapport.intake.actions import InboundMessage, do_receive
from rapport.intake.models import RawState
from rapport.test import BaseTestCase


class QuarantineAdminTest(BaseTestCase):
    def test_an_admin_sees_the_reason_and_retries_after_fixing_the_payload(self):
        raw = do_receive(
            InboundMessage(
                channel="email", sender="no-at-sign", external_id="<q@x>", body_text="Help"
            )
        ).raw
        self.sam.is_staff = self.sam.is_superuser = True
        self.sam.save()
        self.login(self.sam)
        listing = self.client.get(
            reverse("admin:intake_inboundraw_changelist"), {"state": "quarantined"}
        )
        self.assertContains(listing, "valid email")
        raw.payload["sender"] = "fixed@example.com"
        raw.save()
        self.client.post(
            reverse("admin:intake_inboundraw_changelist"),
            {"action": "retry", "_selected_action": [raw.pk]},
        )
        raw.refresh_from_db()
        self.assertEqual(raw.state, RawState.PROCESSED)
