"""The HTTP fallback (send, history, upload, files): origins, CORS, limits, exactly once."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.intake.actions import do_drain
from rapport.test import BaseTestCase
from rapport.tickets.models import Message
from rapport.webchat.models import Widget, visitor_id

ORIGIN = "https://shop.example.com"
TOKEN = "http-visitor-token-cccccccccccc"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


class HttpFallbackTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.widget = Widget.objects.create(
            name="Shop", team=cls.support, allowed_origins=ORIGIN, max_upload_mb=1
        )

    def post(self, body, origin=ORIGIN, key=None):
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        return self.client.post(
            f"/chat/{key or self.widget.key}/messages/",
            data=json.dumps(body) if not isinstance(body, str) else body,
            content_type="application/json",
            **headers,
        )

    def test_a_message_is_acknowledged_and_a_retry_is_stored_once(self):
        response = self.post({"token": TOKEN, "id": "h-1", "text": "Hello from HTTP"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response["Access-Control-Allow-Origin"], ORIGIN)
        ack = response.json()
        self.assertEqual((ack["type"], ack["id"], ack["duplicate"]), ("ack", "h-1", False))
        again = self.post({"token": TOKEN, "id": "h-1", "text": "Hello from HTTP"})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["message"], ack["message"])
        self.assertTrue(again.json()["duplicate"])
        message = Message.objects.get(channel="webchat")
        self.assertEqual(message.external_id, f"{visitor_id(TOKEN)}:h-1")
        self.assertEqual(message.ticket.team, self.support)

    def test_with_deferred_intake_the_ack_comes_once_stored_and_a_retry_is_stored_once(self):
        with self.settings(RAPPORT_INTAKE_DEFERRED=True):
            ack = self.post({"token": TOKEN, "id": "h-1", "text": "Stored first"})
            again = self.post({"token": TOKEN, "id": "h-1", "text": "Stored first"})
            history = self.client.get(
                f"/chat/{self.widget.key}/history/",
                HTTP_ORIGIN=ORIGIN,
                HTTP_X_CHAT_TOKEN=TOKEN,
            ).json()["history"]
        self.assertEqual(ack.status_code, 201)
        self.assertEqual((ack.json()["pending"], ack.json()["message"]), (True, None))
        self.assertEqual((again.status_code, again.json()["duplicate"]), (200, True))
        self.assertEqual([(m["client_id"], m["pending"]) for m in history], [("h-1", True)])
        self.assertEqual(do_drain(), 1)
        message = Message.objects.get(channel="webchat")
        self.assertEqual(
            (message.external_id, message.body_text), (f"{visitor_id(TOKEN)}:h-1", "Stored first")
        )

    def test_an_origin_not_on_the_list_gets_403_without_cors_headers(self):
        response = self.post({"token": TOKEN, "id": "x", "text": "hi"}, origin="https://evil.test")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "origin")
        self.assertNotIn("Access-Control-Allow-Origin", response)
        self.assertEqual(
            self.post({"token": TOKEN, "id": "x", "text": "hi"}, origin="").status_code, 403
        )
        self.assertFalse(Message.objects.filter(channel="webchat").exists())

    def test_the_preflight_is_answered_for_allowed_origins_only(self):
        url = f"/chat/{self.widget.key}/history/"
        ok = self.client.options(url, HTTP_ORIGIN=ORIGIN)
        self.assertEqual(ok.status_code, 204)
        self.assertIn("X-Chat-Token", ok["Access-Control-Allow-Headers"])
        self.assertEqual(self.client.options(url, HTTP_ORIGIN="https://evil.test").status_code, 403)

    def test_rapport_s_own_pages_may_use_any_widget(self):
        response = self.post(
            {"token": TOKEN, "id": "own", "text": "hi"}, origin="http://testserver"
        )
        self.assertEqual(response.status_code, 201)

    def test_history_comes_back_with_the_token(self):
        self.post({"token": TOKEN, "id": "h-1", "text": "First"})
        response = self.client.get(
            f"/chat/{self.widget.key}/history/",
            HTTP_X_CHAT_TOKEN=TOKEN,
            HTTP_REFERER=f"{ORIGIN}/products/lamp",
        )
        self.assertEqual(response.status_code, 200)
        welcome = response.json()
        self.assertEqual([m["text"] for m in welcome["history"]], ["First"])
        self.assertEqual(welcome["history"][0]["client_id"], "h-1")
        other = self.client.get(
            f"/chat/{self.widget.key}/history/",
            HTTP_X_CHAT_TOKEN="another-token-dddddddddddd",
            HTTP_ORIGIN=ORIGIN,
        )
        self.assertEqual(other.json()["history"], [])

    def test_bad_requests_get_a_reason(self):
        cases = [
            ({"token": "short", "id": "a", "text": "hi"}, 400, "bad_token"),
            ({"token": TOKEN, "id": "", "text": "hi"}, 400, "bad_id"),
            ({"token": TOKEN, "id": "a", "text": "x" * 5001}, 413, "too_long"),
            ({"token": TOKEN, "id": "a", "text": "  "}, 400, "empty"),
            ("{broken", 400, "bad_json"),
            ([1, 2], 400, "bad_frame"),
        ]
        for body, status, code in cases:
            response = self.post(body)
            self.assertEqual((response.status_code, response.json()["code"]), (status, code))
        self.assertEqual(
            self.post({"token": TOKEN, "id": "a", "text": "x"}, key="nope").status_code, 404
        )
        self.assertFalse(Message.objects.filter(channel="webchat").exists())

    def test_the_per_address_limit_answers_429(self):
        Widget.objects.filter(pk=self.widget.pk).update(ip_limit_per_minute=2)
        self.widget.refresh_from_db()
        codes = [
            self.post({"token": TOKEN, "id": f"m{n}", "text": "hi"}).status_code for n in range(3)
        ]
        self.assertEqual(codes, [201, 201, 429])

    def upload(self, file, **fields):
        return self.client.post(
            f"/chat/{self.widget.key}/upload/",
            {"token": TOKEN, "id": fields.pop("id", "f-1"), "file": file, **fields},
            HTTP_ORIGIN=ORIGIN,
        )

    def test_a_file_goes_through_intake_as_an_attachment_and_is_downloadable(self):
        response = self.upload(SimpleUploadedFile("photo.png", PNG, "image/png"), text="See this")
        self.assertEqual(response.status_code, 201, response.content)
        message = Message.objects.get(pk=response.json()["message"])
        self.assertEqual(message.body_text, "See this")
        attachment = message.attachments.get()
        self.assertEqual((attachment.filename, attachment.size), ("photo.png", len(PNG)))
        history = self.client.get(
            f"/chat/{self.widget.key}/history/", HTTP_X_CHAT_TOKEN=TOKEN, HTTP_ORIGIN=ORIGIN
        ).json()["history"]
        url = history[0]["attachments"][0]["url"]
        download = self.client.get(url)
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), PNG)
        self.assertEqual(download["X-Content-Type-Options"], "nosniff")
        self.assertEqual(self.client.get(url[:-3] + "xx/").status_code, 404)

    def test_files_too_large_or_of_other_types_are_refused(self):
        big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (1024 * 1024 + 10), "application/pdf")
        response = self.upload(big)
        self.assertEqual((response.status_code, response.json()["code"]), (413, "file_too_big"))
        page = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")
        response = self.upload(page, id="f-2")
        self.assertEqual((response.status_code, response.json()["code"]), (415, "file_type"))
        Widget.objects.filter(pk=self.widget.pk).update(max_upload_mb=0)
        response = self.upload(SimpleUploadedFile("p.png", PNG, "image/png"), id="f-3")
        self.assertEqual((response.status_code, response.json()["code"]), (403, "upload_off"))
        self.assertFalse(Message.objects.filter(channel="webchat").exists())
