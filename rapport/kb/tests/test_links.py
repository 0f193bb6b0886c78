"""The help centre is linked from acknowledgements and the chat widget (KN1)."""

from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from rapport.kb.links import article_url, help_centre_url
from rapport.kb.models import Visibility
from rapport.mail.models import Mailbox
from rapport.test import BaseTestCase

from .helpers import make_article


@override_settings(SITE_URL="https://desk.example.com/")
class LinksTest(SimpleTestCase):
    def test_links_are_absolute_and_in_the_customers_language(self):
        self.assertEqual(help_centre_url("ru-RU"), "https://desk.example.com/help/ru/")
        self.assertEqual(help_centre_url("zh"), "https://desk.example.com/help/zh-hans/")
        self.assertEqual(help_centre_url("de"), "https://desk.example.com/help/en/")
        self.assertEqual(article_url(7, "ru"), "https://desk.example.com/help/ru/a/7/")

    def test_the_chat_widget_links_the_help_centre_in_its_language(self):
        widget = (Path(settings.BASE_DIR) / "static" / "webchat" / "widget.js").read_text()
        self.assertIn('ORIGIN + "/help/" + { en: "en", ru: "ru", zh: "zh-hans" }[LANG]', widget)


@override_settings(SITE_URL="https://desk.example.com/")
class AcknowledgementLinkTest(BaseTestCase):
    def test_an_acknowledgement_template_may_link_the_help_centre(self):
        make_article(self.alice, self.sam)
        mailbox = Mailbox(
            name="Shop",
            ack_templates={"ru": "Обращение {ticket}. Ответы на частые вопросы: {help}"},
        )
        text = mailbox.ack_text("ru", "#12")
        self.assertEqual(
            text, "Обращение #12. Ответы на частые вопросы: https://desk.example.com/help/ru/"
        )

    def test_the_default_acknowledgement_links_the_help_centre_once_it_has_articles(self):
        mailbox = Mailbox(name="Shop", signature="Lumen")
        for language, words in (
            ("ru", "справочном центре"),
            ("zh", "帮助中心"),
            ("en", "help centre"),
        ):
            empty = mailbox.ack_text(language, "#12")
            assert words not in empty and "{help}" not in empty, empty  # nothing to read yet
            assert empty.endswith("Lumen")
        make_article(self.alice, self.sam, visibility=Visibility.INTERNAL)
        assert "help centre" not in mailbox.ack_text("en", "#12")  # internal: not public
        make_article(self.alice, self.sam)
        for language, code in (("ru", "ru"), ("zh", "zh-hans"), ("en", "en")):
            text = mailbox.ack_text(language, "#12")
            assert f"https://desk.example.com/help/{code}/" in text, text
