"""Language identification: ru / zh / en / other, on the short texts support actually gets."""

import pytest

from rapport.coach import detect_language
from rapport.coach.language import detransliterate


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Я подам на вас в суд", "ru"),
        ("Ок", "ru"),
        ("退款", "zh"),
        ("我的iPhone 15坏了", "zh"),
        ("ok", "en"),
        ("Where is my order?", "en"),
        ("Thanks!", "en"),
        ("zdravstvuyte, gde moy zakaz?", "ru"),
        ("spasibo bolshoe", "ru"),
        ("Bonjour, je n'ai pas reçu ma commande", "other"),
        ("Hallo, ich habe meine Bestellung nicht bekommen", "other"),
        ("注文がまだ届いていません", "other"),
        ("Я не отримав замовлення, і гроші не повернули", "other"),
        ("👍👍", "other"),
        ("", "other"),
    ],
)
def test_it_detects_the_language(text, lang):
    assert detect_language(text) == lang


def test_it_turns_latin_russian_back_into_cyrillic():
    assert detransliterate("zdravstvuyte") == "здравствуйте"
    assert detransliterate("pozhaluysta") == "пожалуйста"
    assert detransliterate("eto") == "это"
