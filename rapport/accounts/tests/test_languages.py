"""The UI ships in English, Russian and Simplified Chinese, and speaks each agent's language.

A fresh clone has only the .po files (.mo files are built, not committed), so the class compiles
any missing or stale catalogue first and drops Django's cached translations before it looks.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import polib
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from rapport.lib import catalogues
from rapport.test import BaseTestCase

# Every language but the source one needs a catalogue, with this many plural forms.
PLURAL_FORMS = {"ru": 3, "zh_Hans": 1}
INBOX = {"en": "Inbox", "ru": "Входящие", "zh-hans": "收件箱"}

# printf-style (%(name)s, %s, %d, %%) and template-style ({{ name }}) placeholders.
PLACEHOLDER = re.compile(
    r"%(?:\([^)]+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\{\s*[\w.]+\s*\}\}"
)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@contextmanager
def _compile_lock():
    """pytest-xdist workers may all start here on a fresh clone: let one write the .mo files."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no parallel workers to guard against
        yield
        return
    with open(Path(tempfile.gettempdir()) / "rapport-catalogues.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def reload_translations() -> None:
    """Forget every loaded catalogue so the next gettext reads the .mo files afresh."""
    active = getattr(trans_real._active, "value", None)
    trans_real._translations.clear()
    trans_real._default = None
    if active is not None:
        translation.activate(active.language())


class CatalogueTest(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        with _compile_lock():
            catalogues.compile_all()
        reload_translations()
        cls.catalogues = {}
        for path in sorted(catalogues.LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
            cls.catalogues[path.parent.parent.name] = polib.pofile(str(path))

    def setUp(self) -> None:
        # The preferences middleware activates the agent's language on this thread; put the
        # language back afterwards so later tests are not answered in Russian.
        self.addCleanup(translation.activate, translation.get_language())

    def test_every_configured_language_has_a_catalogue(self):
        expected = {
            translation.to_locale(code)
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
        }
        self.assertEqual(set(self.catalogues), expected)
        self.assertEqual(set(PLURAL_FORMS), expected)
        for locale in expected:
            self.assertTrue((catalogues.LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo").exists())

    def test_every_message_is_translated_and_none_is_fuzzy(self):
        for locale, po in self.catalogues.items():
            with self.subTest(locale=locale):
                entries = [e for e in po if not e.obsolete]
                self.assertGreater(len(entries), 100)
                self.assertFalse(po.metadata_is_fuzzy, "the header is marked fuzzy")
                self.assertEqual([e.msgid for e in po.fuzzy_entries()], [])
                self.assertEqual([e.msgid for e in po.untranslated_entries()], [])
                for entry in entries:
                    forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
                    self.assertTrue(all(f.strip() for f in forms), entry.msgid)
                self.assertEqual(po.percent_translated(), 100)

    def test_plural_forms_match_the_language(self):
        for locale, po in self.catalogues.items():
            with self.subTest(locale=locale):
                nplurals = PLURAL_FORMS[locale]
                self.assertIn(f"nplurals={nplurals};", po.metadata["Plural-Forms"])
                for entry in po:
                    if entry.msgid_plural and not entry.obsolete:
                        self.assertEqual(
                            sorted(entry.msgstr_plural), list(range(nplurals)), entry.msgid
                        )

    def test_placeholders_survive_translation(self):
        for locale, po in self.catalogues.items():
            for entry in po:
                if entry.obsolete:
                    continue
                with self.subTest(locale=locale, msgid=entry.msgid):
                    if entry.msgid_plural:
                        expected = set(placeholders(entry.msgid_plural))
                        self.assertEqual(set(placeholders(entry.msgid)), expected)
                        for form in entry.msgstr_plural.values():
                            self.assertEqual(set(placeholders(form)), expected)
                    else:
                        self.assertEqual(placeholders(entry.msgstr), placeholders(entry.msgid))

    def test_django_loads_the_compiled_catalogues(self):
        for code in ("ru", "zh-hans"):
            with translation.override(code):
                self.assertEqual(translation.gettext("Inbox"), INBOX[code])
        with translation.override("ru"):
            self.assertEqual(
                [
                    translation.ngettext("%(counter)s ticket", "%(counter)s tickets", n)
                    % {"counter": n}
                    for n in (1, 3, 5, 21)
                ],
                ["1 обращение", "3 обращения", "5 обращений", "21 обращение"],
            )

    def test_the_inbox_speaks_the_agents_language(self):
        for code in ("ru", "zh-hans", "en"):
            with self.subTest(language=code):
                self.alice.language = code
                self.alice.save(update_fields=["language"])
                self.login(self.alice)
                response = self.client.get(reverse("inbox"))
                self.assertContains(response, f'<html lang="{code}">')
                self.assertContains(response, f"<title>{INBOX[code]} · Rapport</title>", html=False)
                self.assertContains(response, f">{INBOX[code]}</a>")
