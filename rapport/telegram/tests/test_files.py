"""Photos and files sent to the bot (CH6, TR1): the largest photo size and documents are
downloaded through getFile; what is too big is left out with a note; a download that fails for
a passing reason quarantines the update, and a retry brings the file in."""

from __future__ import annotations

from rapport.intake.models import InboundRaw, RawState
from rapport.telegram.models import Contact
from rapport.telegram.tasks import retry_downloads_task
from rapport.tickets.models import Message

from .base import TelegramTestCase
from .fakebot import document, photo_sizes, update

JPEG = b"\xff\xd8\xff\xe0" + b"photo-bytes" * 100
PDF = b"%PDF-1.7\n" + b"0" * 3000


class FileTests(TelegramTestCase):
    def test_a_photo_brings_its_largest_size_and_the_caption(self):
        self.fake.add_file("photo-big", JPEG, "photos/file_7.jpg")
        response = self.post(
            update(60, photo=photo_sizes("photo-big", len(JPEG)), caption="Коробка пришла мятой")
        )
        self.assertEqual(response.status_code, 200)
        msg = Message.objects.get(channel="telegram")
        self.assertEqual(msg.body_text, "Коробка пришла мятой")
        attachment = msg.attachments.get()
        self.assertEqual(attachment.content_type, "image/jpeg")
        self.assertEqual(attachment.filename, "photo-1.jpg")
        with attachment.file.open("rb") as fh:
            self.assertEqual(fh.read(), JPEG)
        asked = [c["params"]["file_id"] for c in self.fake.calls_to("getFile")]
        self.assertEqual(asked, ["photo-big"])  # only the largest size
        self.assertEqual(self.fake.calls_to("file")[0]["params"]["file_path"], "photos/file_7.jpg")

    def test_a_document_keeps_its_name_and_type(self):
        self.fake.add_file("doc-1", PDF)
        self.post(update(61, document=document("doc-1", "счёт №5.pdf", len(PDF))))
        msg = Message.objects.get(channel="telegram")
        attachment = msg.attachments.get()
        self.assertEqual(
            (attachment.filename, attachment.content_type, attachment.size),
            ("счёт №5.pdf", "application/pdf", len(PDF)),
        )

    def test_a_file_declared_over_the_limit_is_not_downloaded_and_noted(self):
        self.post(
            update(62, text="see file", document=document("huge", "video.mp4", 30 * 1024 * 1024))
        )
        msg = Message.objects.get(channel="telegram")
        self.assertFalse(msg.attachments.exists())
        self.assertIn("[video.mp4 (30.0 MB) not downloaded: larger than 20.0 MB]", msg.body_text)
        self.assertEqual(self.fake.calls_to("getFile"), [])

    def test_a_file_larger_than_declared_is_refused_at_the_limit(self):
        self.bot.max_file_bytes = 1000
        self.bot.save()
        self.fake.add_file("liar", PDF)  # 3 KB behind a declared 10 bytes
        self.post(update(63, document=document("liar", "a.pdf", 10)))
        msg = Message.objects.get(channel="telegram")
        self.assertFalse(msg.attachments.exists())
        self.assertIn("not downloaded: larger than", msg.body_text)

    def test_a_file_telegram_will_not_give_is_noted_and_the_message_kept(self):
        self.post(update(64, text="here", document=document("gone", "old.pdf", 100)))
        msg = Message.objects.get(channel="telegram")
        self.assertIn("[old.pdf not downloaded: 400 Bad Request: invalid file_id]", msg.body_text)

    def test_a_failed_download_quarantines_the_update_and_a_retry_brings_the_file(self):
        self.fake.add_file("doc-2", PDF)
        self.fake.file_failures.append(502)
        self.assertEqual(
            self.post(update(65, document=document("doc-2", "r.pdf", len(PDF)))).status_code, 200
        )
        raw = InboundRaw.objects.get(channel="telegram")
        self.assertEqual(raw.state, RawState.QUARANTINED)
        self.assertIn("retried automatically", raw.error)
        self.assertIn("HTTP 502", raw.error)
        # Telegram's redelivery changes nothing; the periodic retry does.
        self.post(update(65, document=document("doc-2", "r.pdf", len(PDF))))
        self.assertEqual(InboundRaw.objects.filter(channel="telegram").count(), 1)
        self.assertEqual(retry_downloads_task.call(), 1)
        raw.refresh_from_db()
        self.assertEqual(raw.state, RawState.PROCESSED)
        self.assertEqual(raw.message.attachments.get().size, len(PDF))
        self.assertEqual(Contact.objects.get().customer, raw.message.customer)

    def test_flood_control_on_getfile_is_a_passing_failure_too(self):
        self.fake.add_file("doc-3", PDF)
        self.fake.fail("getFile", 429, "Too Many Requests: retry after 3", retry_after=3)
        self.post(update(66, document=document("doc-3", "x.pdf", len(PDF))))
        raw = InboundRaw.objects.get(channel="telegram")
        self.assertEqual(raw.state, RawState.QUARANTINED)
        self.assertIn("429 Too Many Requests", raw.error)

    def test_stickers_locations_and_contacts_are_shown_as_notes(self):
        self.post(
            update(
                67,
                sticker={
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "emoji": "😡",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            )
        )
        self.post(update(68, message_id=2, location={"latitude": 55.75, "longitude": 37.62}))
        bodies = list(
            Message.objects.filter(channel="telegram").values_list("body_text", flat=True)
        )
        self.assertEqual(bodies, ["[Sticker 😡]", "[Location: 55.75, 37.62]"])
