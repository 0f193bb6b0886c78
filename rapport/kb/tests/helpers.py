"""Articles for the tests, made through the real actions."""

from __future__ import annotations

from rapport.kb.actions import do_create_article, do_publish, do_save_translation
from rapport.kb.models import Article, Category, Visibility

RETURN_TEXTS = {
    "en": (
        "How to return an item",
        "You can return an item within 14 days of delivery.\n\n"
        "1. Open **My orders**.\n2. Choose the order and press *Return*.\n"
        "3. Pack the item and hand it to the courier.",
    ),
    "ru": (
        "Как вернуть товар",
        "Товар можно вернуть в течение 14 дней после доставки.\n\n"
        "1. Откройте раздел **Мои заказы**.\n2. Выберите заказ и нажмите *Вернуть*.\n"
        "3. Упакуйте товар и передайте курьеру.",
    ),
    "zh-hans": (
        "如何退货",
        "收到商品后十四天内可以申请退货。\n\n1. 打开**我的订单**。\n2. 选择订单并点击*退货*。\n"
        "3. 包装好商品交给快递员。",
    ),
}


def make_category(position=1) -> Category:
    return Category.objects.create(
        position=position, name_en="Orders", name_ru="Заказы", name_zh_hans="订单"
    )


def make_article(
    author,
    publisher=None,
    *,
    texts=None,
    category=None,
    visibility=Visibility.PUBLIC,
    team=None,
) -> Article:
    texts = texts or RETURN_TEXTS
    items = list(texts.items())
    language, (title, body) = items[0]
    article = do_create_article(
        author,
        language=language,
        title=title,
        body=body,
        category=category,
        visibility=visibility,
        team=team,
    )
    for language, (title, body) in items[1:]:
        do_save_translation(article, language, title, body, author)
    if publisher is not None:
        do_publish(article, publisher)
    return article
