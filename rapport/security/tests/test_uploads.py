"""Files customers send are never rendered as pages of the desk: served as downloads (or,
for the knowledge base's checked images, inline), never sniffed, never scripted."""

from __future__ import annotations

from django.urls import reverse

from rapport.intake.actions import InboundAttachment
from rapport.portal.actions import login_token
from rapport.portal.models import LoginLink
from rapport.test import BaseTestCase, receive
from rapport.tickets.models import Attachment
from rapport.webchat.actions import file_url

HOSTILE = [
    ('report".html\r\nX-Evil: 1', b"<script>alert(1)</script>", "text/html"),
    ("лампа.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ("说明.txt", b"<html><script>alert(1)</script>", "text/plain"),
]


class UploadedFilesTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        receive(
            external_id="<files@example.com>",
            subject="Files",
            ticket_id=cls.carol_ticket.pk,
            attachments=[InboundAttachment(*item) for item in HOSTILE],
        )
        cls.files = list(Attachment.objects.filter(message__ticket=cls.carol_ticket))

    def assert_safe_download(self, response, what):
        self.assertEqual(response.status_code, 200, what)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"), what)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff", what)
        self.assertNotIn("html", response["Content-Type"], what)
        self.assertNotIn("svg", response["Content-Type"], what)
        self.assertNotIn("X-Evil", response, what)  # no header injection through the name
        self.assertIn("default-src", response["Content-Security-Policy"], what)
        b"".join(response.streaming_content)

    def test_agents_download_every_customer_file_as_an_attachment(self):
        self.assertEqual(len(self.files), 3)
        self.login(self.alice)
        for attachment in self.files:
            response = self.client.get(reverse("attachment", args=[attachment.pk]))
            self.assert_safe_download(response, attachment.filename)

    def test_the_portal_serves_the_customers_files_the_same_way(self):
        link = LoginLink.objects.create(identity=self.carol.identities.get(kind="email"))
        self.client.post(reverse("portal-login-link", args=[login_token(link)]))
        for attachment in self.files:
            url = reverse("portal-attachment", args=[self.carol_ticket.pk, attachment.pk])
            self.assert_safe_download(self.client.get(url), attachment.filename)

    def test_the_chat_serves_its_files_the_same_way(self):
        for attachment in self.files:
            response = self.client.get(file_url(attachment.pk))
            self.assert_safe_download(response, attachment.filename)
            self.assertIn("sandbox", response["Content-Security-Policy"])
