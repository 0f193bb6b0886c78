"""Versions (every save kept, diff, restore), sanitised bodies (XSS), attachment limits (CQ13)."""

from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.kb import actions
from rapport.kb.models import ArticleAttachment
from rapport.kb.search import search_articles
from rapport.test import BaseTestCase

from .helpers import make_article

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "b"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")
            if tag == "img" and name == "src" and "evil" in (value or ""):
                self.found.append(f"img {value}")


def dangerous_markup(page: str) -> list[str]:
    """Elements and attributes that would run script or load outside images, as parsed."""
    parser = _Markup()
    parser.feed(page)
    return parser.found


class VersionsTest(BaseTestCase):
    def test_every_save_is_a_version_with_a_diff_and_an_old_one_can_be_restored(self):
        article = make_article(self.alice, texts={"en": ("Returns", "Within 14 days.")})
        self.login(self.bob)
        url = f"/kb/{article.pk}/en/edit/"
        self.client.post(url, {"title": "Returns", "body": "Within 30 days."})
        self.client.post(url, {"title": "Returns", "body": "Within 30 days."})  # no change
        translation = article.translations.get()
        versions = list(translation.versions.order_by("number"))
        self.assertEqual([(v.number, v.author) for v in versions], [(1, self.alice), (2, self.bob)])

        page = self.client.get(f"/kb/{article.pk}/en/versions/?v=2")
        self.assertContains(page, '<span class="d del">-Within 14 days.</span>', html=False)
        self.assertContains(page, '<span class="d add">+Within 30 days.</span>', html=False)

        self.client.post(f"/kb/versions/{versions[0].pk}/restore/")
        translation.refresh_from_db()
        self.assertEqual(translation.body, "Within 14 days.")
        newest = translation.versions.order_by("-number").first()
        self.assertEqual(
            (newest.number, newest.author, newest.body), (3, self.bob, "Within 14 days.")
        )
        self.assertIn("1", newest.note)

    def test_an_agents_change_to_a_published_article_waits_for_a_supervisor(self):
        article = make_article(self.alice, self.sam, texts={"en": ("Returns", "Within 14 days.")})
        translation = article.translations.get()
        self.login(self.bob)
        url = f"/kb/{article.pk}/en/edit/"
        self.assertContains(self.client.get(url), "proposal")
        response = self.client.post(url, {"title": "Returns", "body": "Within a month."})
        self.assertRedirects(response, f"/kb/{article.pk}/en/versions/")
        translation.refresh_from_db()
        self.assertEqual(translation.body, "Within 14 days.")  # the public text stays
        self.assertContains(self.client.get(f"/help/en/a/{article.pk}/"), "Within 14 days.")
        self.assertFalse(search_articles("month", "en"))
        proposal = translation.versions.get(proposed=True)
        self.assertIn("Bob", self.sam.notifications.get().text)
        # Nor can Bob apply it, restore an old text or add a translation directly.
        self.assertEqual(
            self.client.post(f"/kb/versions/{proposal.pk}/resolve/", {"apply": "1"}).status_code,
            403,
        )
        self.client.post(f"/kb/{article.pk}/ru/edit/", {"title": "Возврат", "body": "14 дней"})
        self.assertFalse(article.translations.filter(language="ru").exists())

        self.login(self.sam)
        page = self.client.get(f"/kb/{article.pk}/en/versions/?v={proposal.number}")
        self.assertContains(page, '<span class="d add">+Within a month.</span>', html=False)
        self.client.post(f"/kb/versions/{proposal.pk}/resolve/", {"apply": "1"})
        translation.refresh_from_db()
        self.assertEqual((translation.body, translation.updated_by), ("Within a month.", self.sam))
        self.assertTrue(search_articles("month", "en"))
        self.assertFalse(search_articles("14", "en"))

        self.login(self.bob)
        self.client.post(url, {"title": "Returns", "body": "Never."})
        declined = translation.versions.get(proposed=True, resolved_at=None)
        self.login(self.sam)
        self.client.post(f"/kb/versions/{declined.pk}/resolve/", {"apply": "0"})
        translation.refresh_from_db()
        self.assertEqual(translation.body, "Within a month.")
        self.assertFalse(translation.versions.filter(proposed=True, resolved_at=None).exists())


class SanitisingTest(BaseTestCase):
    def test_an_xss_payload_in_a_body_does_not_survive(self):
        body = (
            "Hello <script>alert('x')</script>\n\n"
            '<img src=x onerror="alert(1)">\n\n'
            "[click](javascript:alert(1)) [ok](https://example.com)\n\n"
            "![outside](https://evil.example/pixel.png)\n\n"
            '<a href="#" onclick="alert(1)">raw</a> <iframe src="https://evil.example"></iframe>'
        )
        article = make_article(self.alice, self.sam, texts={"en": ("Safe <b>title</b>", body)})
        for url in (f"/help/en/a/{article.pk}/", "/help/en/search/?q=hello"):
            self.assertEqual(dangerous_markup(self.client.get(url).content.decode()), [], url)
        page = self.client.get(f"/help/en/a/{article.pk}/").content.decode()
        self.assertIn('href="https://example.com" rel="noopener noreferrer nofollow"', page)
        self.assertIn("&lt;script&gt;", page)  # shown as text, harmless
        self.login(self.alice)
        page = self.client.get(f"/kb/{article.pk}/").content.decode()
        self.assertEqual(dangerous_markup(page.split("<main>")[1]), [])
        self.assertIn("&lt;img src=x onerror", page)  # text, not an element


class AttachmentTest(BaseTestCase):
    def upload(self, article, name, content):
        return self.client.post(
            f"/kb/{article.pk}/attachments/", {"file": SimpleUploadedFile(name, content)}
        )

    def test_a_screenshot_is_shown_inline_and_limits_are_kept(self):
        article = make_article(
            self.alice, texts={"en": ("Where is the button", "See below.")}, team=self.support
        )
        self.login(self.alice)
        self.upload(article, "button.png", PNG)
        shot = ArticleAttachment.objects.get()
        self.assertEqual((shot.content_type, shot.size), ("image/png", len(PNG)))
        self.assertTrue(shot.file.name.startswith("kb/"))

        for name, content in (
            ("setup.exe", b"MZ\x90\x00"),
            ("fake.png", b"<html><script>alert(1)</script>"),
            ("big.png", PNG + b"\0" * actions.MAX_ATTACHMENT_BYTES),
        ):
            response = self.upload(article, name, content)
            self.assertRedirects(response, f"/kb/{article.pk}/", fetch_redirect_response=False)
        self.assertEqual(ArticleAttachment.objects.count(), 1)

        actions.do_save_translation(
            article,
            "en",
            "Where is the button",
            f"See below.\n\n![The button](attachment:{shot.pk})",
            self.alice,
        )
        # While a draft, the file is the agents' only.
        self.assertEqual(self.client.get(f"/kb/files/{shot.pk}/button.png").status_code, 200)
        self.client.logout()
        self.assertEqual(self.client.get(f"/help/files/{shot.pk}/button.png").status_code, 404)
        actions.do_publish(article, self.sam)
        page = self.client.get(f"/help/en/a/{article.pk}/")
        self.assertContains(page, f'<img src="/help/files/{shot.pk}/button.png" alt="The button">')
        response = self.client.get(f"/help/files/{shot.pk}/button.png")
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(b"".join(response.streaming_content), PNG)
        # A file the published text does not refer to is not public; nor can an agent remove
        # one from a published article.
        self.login(self.alice)
        self.upload(article, "notes.txt", b"internal notes")
        notes = ArticleAttachment.objects.get(filename="notes.txt")
        self.assertEqual(self.client.get(f"/kb/files/{notes.pk}/notes.txt").status_code, 200)
        self.assertEqual(self.client.post(f"/kb/attachments/{shot.pk}/remove/").status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(f"/help/files/{notes.pk}/notes.txt").status_code, 404)
        # Another article's attachment id is not this article's image.
        other = make_article(
            self.alice, self.sam, texts={"en": ("Other", f"![x](attachment:{shot.pk})")}
        )
        self.assertNotContains(self.client.get(f"/help/en/a/{other.pk}/"), "/help/files/")
        # Charlie (Billing) may read Support's public article, not change its files.
        self.login(self.charlie)
        self.assertEqual(self.upload(article, "more.png", PNG).status_code, 404)
        self.assertEqual(self.client.post(f"/kb/attachments/{shot.pk}/remove/").status_code, 404)
        self.assertEqual(ArticleAttachment.objects.count(), 2)


class TranslationRemovalTest(BaseTestCase):
    def test_a_translation_can_go_but_not_the_last_and_not_by_an_agent_once_published(self):
        article = make_article(self.alice, self.sam)
        self.login(self.bob)
        self.assertEqual(self.client.post(f"/kb/{article.pk}/ru/delete/").status_code, 403)
        self.login(self.sam)
        self.client.post(f"/kb/{article.pk}/ru/delete/")
        self.client.post(f"/kb/{article.pk}/zh-hans/delete/")
        self.client.post(f"/kb/{article.pk}/en/delete/")  # the last one stays
        self.assertEqual(list(article.translations.values_list("language", flat=True)), ["en"])
        self.assertEqual(search_articles("вернуть товар", "ru"), [])
        self.assertEqual(self.client.get(f"/help/ru/a/{article.pk}/").status_code, 302)
