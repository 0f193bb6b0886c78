"""The demo desk's knowledge base: a few published articles of the Lumen Home shop in English,
Russian and Chinese, and one internal article for agents (KN1). Called by the demo builder
(rapport/demo/builder.py) through the real actions."""

from __future__ import annotations

from .actions import do_create_article, do_publish, do_save_translation
from .models import Article, Category, Visibility

CATEGORIES = [
    (1, "Orders and delivery", "Заказы и доставка", "订单与配送"),
    (2, "Returns and refunds", "Возврат и деньги", "退货与退款"),
    (3, "Account and Lumen Care", "Аккаунт и Lumen Care", "账户与 Lumen Care"),
]

ARTICLES = [
    (
        2,
        Visibility.PUBLIC,
        {
            "en": (
                "How to return an item",
                "You can return any item within **14 days** of delivery, and a faulty item "
                "within the warranty period.\n\n"
                "1. Sign in and open **My orders**.\n"
                "2. Choose the order and press **Return an item**.\n"
                "3. Tell us why you are returning it: this helps us fix the cause.\n"
                "4. We text you a return code. Pack the item (the original box is not required) "
                "and drop it at any parcel shop with the code.\n\n"
                "The refund goes back to the card you paid with within 5 working days after the "
                "item reaches our warehouse. You will get an e-mail at each step.",
            ),
            "ru": (
                "Как вернуть товар",
                "Любой товар можно вернуть в течение **14 дней** после доставки, а неисправный — "
                "в течение гарантийного срока.\n\n"
                "1. Войдите в аккаунт и откройте **Мои заказы**.\n"
                "2. Выберите заказ и нажмите **Вернуть товар**.\n"
                "3. Укажите причину возврата — это помогает нам исправить проблему.\n"
                "4. Мы пришлём SMS с кодом возврата. Упакуйте товар (оригинальная коробка не "
                "обязательна) и сдайте его в любой пункт выдачи, назвав код.\n\n"
                "Деньги вернутся на карту, которой вы платили, в течение 5 рабочих дней после "
                "того, как товар поступит на наш склад. На каждом шаге мы пишем вам письмо.",
            ),
            "zh-hans": (
                "如何退货",
                "商品签收后 **14 天**内可以无理由退货；质量问题在保修期内均可退换。\n\n"
                "1. 登录后打开**我的订单**。\n"
                "2. 选择订单，点击**申请退货**。\n"
                "3. 选择退货原因，这能帮助我们改进。\n"
                "4. 我们会通过短信发送退货码。将商品包装好（不需要原包装盒），凭退货码交到任意"
                "快递网点即可。\n\n"
                "商品到达仓库后 5 个工作日内，退款将原路退回到您的付款卡。每一步我们都会发邮件"
                "通知您。",
            ),
        },
    ),
    (
        1,
        Visibility.PUBLIC,
        {
            "en": (
                "Where is my order?",
                "Most orders arrive in **2–4 working days**; orders placed before 14:00 leave "
                "our warehouse the same day.\n\n"
                "To follow your parcel, open **My orders** and press **Track**. The courier "
                "texts you on the day of delivery with a two-hour window.\n\n"
                "If the tracking has not changed for three days, or the parcel is marked "
                "delivered but you do not have it, write to us: we will find it or send a new "
                "one.",
            ),
            "ru": (
                "Где мой заказ?",
                "Большинство заказов приходят за **2–4 рабочих дня**; заказы, оформленные до "
                "14:00, уходят со склада в тот же день.\n\n"
                "Чтобы отследить посылку, откройте **Мои заказы** и нажмите **Отследить**. В день "
                "доставки курьер пришлёт SMS с двухчасовым интервалом.\n\n"
                "Если статус не меняется три дня или заказ отмечен как доставленный, а вы его не "
                "получили, напишите нам: мы найдём посылку или отправим новую.",
            ),
            "zh-hans": (
                "我的订单到哪里了？",
                "大部分订单 **2–4 个工作日**送达；14:00 前下单当天从仓库发货。\n\n"
                "打开**我的订单**，点击**查看物流**即可跟踪包裹。配送当天快递员会短信告知两小时"
                "内的送达时间。\n\n"
                "如果物流信息三天没有更新，或显示已签收但您没有收到，请联系我们：我们会找到包裹"
                "或为您补发。",
            ),
        },
    ),
    (
        3,
        Visibility.PUBLIC,
        {
            "en": (
                "How to cancel Lumen Care",
                "Lumen Care renews every month until you switch it off.\n\n"
                "1. Open **Account → Subscriptions**.\n"
                "2. Press **Cancel Lumen Care** and confirm.\n\n"
                "You keep the benefits until the end of the month you paid for. If you were "
                "charged after cancelling, write to us and we will refund the payment.",
            ),
            "ru": (
                "Как отключить подписку Lumen Care",
                "Подписка Lumen Care продлевается каждый месяц, пока вы её не отключите.\n\n"
                "1. Откройте **Аккаунт → Подписки**.\n"
                "2. Нажмите **Отключить Lumen Care** и подтвердите.\n\n"
                "Преимущества сохраняются до конца оплаченного месяца. Если деньги списались "
                "после отключения, напишите нам — мы вернём платёж.",
            ),
            "zh-hans": (
                "如何取消 Lumen Care 会员",
                "Lumen Care 会员每月自动续费，直到您手动取消。\n\n"
                "1. 打开**账户 → 我的订阅**。\n"
                "2. 点击**取消 Lumen Care** 并确认。\n\n"
                "已付费的当月权益可以继续使用到月底。如果取消后仍被扣费，请联系我们，我们会退还"
                "该笔费用。",
            ),
        },
    ),
    (
        2,
        Visibility.INTERNAL,
        {
            "en": (
                "Refunds without a return: when agents may decide",
                "Agents may refund without asking for the item back when:\n\n"
                "- the item costs under 3,000 ₽ / 150 ¥ / 40 €, or\n"
                "- the courier confirms the parcel was damaged, or\n"
                "- it is the customer's first claim this year.\n\n"
                "Note the reason on the ticket. Anything else goes to a supervisor (ES3).",
            ),
            "ru": (
                "Возврат денег без возврата товара: когда агент решает сам",
                "Агент может вернуть деньги, не требуя товар обратно, если:\n\n"
                "- товар дешевле 3 000 ₽, или\n"
                "- курьер подтвердил повреждение посылки, или\n"
                "- это первая претензия клиента за год.\n\n"
                "Запишите причину в заметке к обращению. Остальное — через супервизора (ES3).",
            ),
        },
    ),
]


def build_demo_articles(author, publisher) -> list[Article]:
    categories = {
        position: Category.objects.create(
            position=position, name_en=en, name_ru=ru, name_zh_hans=zh
        )
        for position, en, ru, zh in CATEGORIES
    }
    articles = []
    for position, visibility, texts in ARTICLES:
        items = list(texts.items())
        language, (title, body) = items[0]
        article = do_create_article(
            author,
            language=language,
            title=title,
            body=body,
            category=categories[position],
            visibility=visibility,
        )
        for language, (title, body) in items[1:]:
            do_save_translation(article, language, title, body, author)
        do_publish(article, publisher)
        articles.append(article)
    return articles
