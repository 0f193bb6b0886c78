"""Splitting the new reply from quoted history and signatures (CH2), client by client, in
English, Russian and Chinese — and never emptying a message."""

from __future__ import annotations

import time

import pytest

from rapport.mail.quotes import split_reply

# (id, body, the reply, a snippet the quoted part must start with)
REPLIES = [
    (
        "gmail-en-one-line",
        "Thanks, that worked!\n\n"
        "On Mon, Jun 3, 2024 at 12:30 PM Rapport Support <support@rapport.test> wrote:\n\n"
        "> Hello John,\n> we have re-sent your order.\n",
        "Thanks, that worked!",
        "On Mon, Jun 3, 2024 at 12:30 PM",
    ),
    (
        "gmail-en-wrapped-attribution",
        "Thanks!\n\nOn Mon, 3 Jun 2024 at 12:30, Rapport Support <support@rapport.test>\n"
        "wrote:\n\n> Hello John,\n>\n> we have re-sent your order.\n",
        "Thanks!",
        "On Mon, 3 Jun 2024 at 12:30",
    ),
    (
        "gmail-en-signature",
        "Can I change the address?\n\n-- \nJohn Smith\nAcme Ltd.\n\n"
        "On Mon, 3 Jun 2024 at 12:30, Rapport Support <support@rapport.test> wrote:\n> Hi\n",
        "Can I change the address?",
        "-- \nJohn Smith",
    ),
    (
        "gmail-ru",
        "Спасибо, оплата прошла!\n\n"
        "пн, 3 июн. 2024 г. в 12:30, Rapport Support <support@rapport.test>:\n\n"
        "> Здравствуйте, Анна!\n> Мы исправили ошибку оплаты.\n",
        "Спасибо, оплата прошла!",
        "пн, 3 июн. 2024 г. в 12:30",
    ),
    (
        "gmail-zh",
        "收到，谢谢！\n\nRapport Support <support@rapport.test> 于2024年6月3日周一 12:30写道：\n\n"
        "> 您好，退款已处理。\n",
        "收到，谢谢！",
        "Rapport Support <support@rapport.test> 于2024年6月3日周一 12:30写道：",
    ),
    (
        "outlook-en-underscore-rule",
        "The VAT number should be GB123456789.\n\nBest regards,\nPeter\n\n"
        "________________________________\n"
        "From: Rapport Support <support@rapport.test>\nSent: Monday, June 3, 2024 12:30 PM\n"
        "To: Peter Brown <p.brown@contoso.com>\nSubject: Invoice 2024-118\n\nHello Peter,\n",
        "The VAT number should be GB123456789.\n\nBest regards,\nPeter",
        "________________________________\nFrom: Rapport Support",
    ),
    (
        "outlook-en-bold-headers",
        "Confirmed.\n\n*From:* Rapport Support <support@rapport.test>\n"
        "*Sent:* Monday, June 3, 2024 12:30 PM\n*To:* Peter Brown\n*Subject:* Invoice\n\nHello\n",
        "Confirmed.",
        "*From:* Rapport Support",
    ),
    (
        "outlook-mac-en",
        "See you then.\n\nFrom: Rapport Support <support@rapport.test>\n"
        "Date: Monday, 3 June 2024 at 12:30\nTo: Peter Brown <p.brown@contoso.com>\n"
        "Subject: Call\n\nTomorrow at 3?\n",
        "See you then.",
        "From: Rapport Support",
    ),
    (
        "outlook-en-original-message",
        "Please cancel.\n\n-----Original Message-----\nFrom: Rapport Support\n"
        "Sent: Monday, June 3, 2024 12:30 PM\nTo: Peter\nSubject: Order\n\nShall we ship?\n",
        "Please cancel.",
        "-----Original Message-----",
    ),
    (
        "outlook-ru",
        "Код так и не пришёл.\n\nС уважением,\nНаталья\n\n"
        "От: Rapport Support <support@rapport.test>\nОтправлено: 3 июня 2024 г. 10:00\n"
        "Кому: Наталья Орлова <n.orlova@outlook.com>\nТема: Не приходит SMS с кодом\n\n"
        "Здравствуйте!\n",
        "Код так и не пришёл.\n\nС уважением,\nНаталья",
        "От: Rapport Support",
    ),
    (
        "outlook-ru-original-message",
        "Да, всё верно.\n\n-------- Исходное сообщение --------\nОт: Rapport Support\n"
        "Дата: 03.06.2024 12:30\nТема: Заказ\n\nВерно?\n",
        "Да, всё верно.",
        "-------- Исходное сообщение --------",
    ),
    (
        "outlook-zh-cn",
        "已确认，谢谢。\n\n发件人: Rapport Support <support@rapport.test>\n"
        "发送时间: 2024年6月3日 12:30\n收件人: 刘玥 <liuyue@163.com>\n主题: 发票重开\n\n您好\n",
        "已确认，谢谢。",
        "发件人: Rapport Support",
    ),
    (
        "outlook-zh-tw",
        "已收到。\n\n寄件者: Rapport Support <support@rapport.test>\n"
        "寄件日期: 2024年6月3日 下午 12:30\n收件者: 林志明 <lin.zm@hinet.net>\n"
        "主旨: 訂單查詢\n\n您好\n",
        "已收到。",
        "寄件者: Rapport Support",
    ),
    (
        "yandex-ru",
        "Добрый день!\nДа, адрес верный.\n\n-- \nС уважением,\nИгорь\n\n"
        '03.06.2024, 12:30, "Rapport Support" <support@rapport.test>:\n'
        "> Уточните, пожалуйста, адрес доставки.\n",
        "Добрый день!\nДа, адрес верный.",
        "-- \nС уважением,\nИгорь",
    ),
    (
        "mailru-ru",
        "Спасибо, посылку получил.\n\n"
        "Понедельник, 3 июня 2024, 12:30 +03:00 от Rapport Support <support@rapport.test>:\n"
        " \n>Добрый день!\n>Посылка передана курьеру.\n",
        "Спасибо, посылку получил.",
        "Понедельник, 3 июня 2024, 12:30 +03:00 от Rapport Support",
    ),
    (
        "thunderbird-ru",
        "Деньги до сих пор не пришли.\n\n03.06.2024 12:30, Rapport Support пишет:\n"
        "> Возврат оформлен 3 июня.\n",
        "Деньги до сих пор не пришли.",
        "03.06.2024 12:30, Rapport Support пишет:",
    ),
    (
        "thunderbird-en",
        "Still broken.\n\nOn 03.06.2024 12:30, Rapport Support wrote:\n> Fixed now.\n",
        "Still broken.",
        "On 03.06.2024 12:30, Rapport Support wrote:",
    ),
    (
        "apple-mail-ru",
        "Хорошо.\n\n> 3 июня 2024 г., в 12:30, Rapport Support <support@rapport.test> "
        "написал(а):\n> \n> Мы перезвоним.\n",
        "Хорошо.",
        "> 3 июня 2024 г.",
    ),
    (
        "qq-zh",
        "好的，谢谢！已经收到退款了。\n\n\n------------------ 原始邮件 ------------------\n"
        '发件人: "Rapport Support"<support@rapport.test>;\n'
        '发送时间: 2024年6月3日(星期一) 中午12:30\n收件人: "王小明"<wangxm@qq.com>;\n'
        "主题: Re: 订单问题\n\n您好，退款已处理。\n",
        "好的，谢谢！已经收到退款了。",
        "------------------ 原始邮件 ------------------",
    ),
    (
        "netease-163-zh",
        "已经收到新发票，谢谢！\n\n"
        '在 2024-06-03 12:30:00，"Rapport Support" <support@rapport.test> 写道：\n'
        ">您好，新的发票已经开具，请查收。\n",
        "已经收到新发票，谢谢！",
        "在 2024-06-03 12:30:00",
    ),
    (
        "foxmail-zh",
        "好的\n\n"
        "发件人： Rapport Support\n发送时间： 2024-06-03 12:30\n收件人： 王小明\n"
        "主题： 订单\n\n请确认\n",
        "好的",
        "发件人： Rapport Support",
    ),
    (
        "iphone-en",
        "Yes please cancel it.\n\nSent from my iPhone\n\n"
        "> On Jun 3, 2024, at 12:30, Rapport Support <support@rapport.test> wrote:\n"
        "> \n> Would you like us to cancel the order?\n",
        "Yes please cancel it.",
        "Sent from my iPhone",
    ),
    (
        "iphone-ru",
        "Хорошо, жду звонка.\n\nОтправлено с iPhone\n\n"
        "> 3 июня 2024 г., в 12:30, Rapport Support написал(а):\n> \n> Перезвоним завтра.\n",
        "Хорошо, жду звонка.",
        "Отправлено с iPhone",
    ),
    (
        "iphone-zh",
        "好的，明天上午在家。\n\n发自我的iPhone\n\n"
        "------------------ 原始邮件 ------------------\n发件人: Rapport Support\n"
        "发送时间: 2024年6月3日 12:30\n收件人: 王小明\n主题: 上门安装\n\n方便吗？\n",
        "好的，明天上午在家。",
        "发自我的iPhone",
    ),
    (
        "android-outlook-en",
        "On my way.\n\nGet Outlook for Android\n",
        "On my way.",
        "Get Outlook for Android",
    ),
    (
        "yandex-mobile-ru",
        "Жду.\n\nОтправлено из мобильной Яндекс Почты\n",
        "Жду.",
        "Отправлено из мобильной Яндекс Почты",
    ),
    (
        "signature-only",
        "Please call me back.\n\n-- \nOlga Smirnova\nChief accountant\n+7 495 000-00-00\n",
        "Please call me back.",
        "-- \nOlga Smirnova",
    ),
    (
        "french-attribution",
        "Merci !\n\nLe lun. 3 juin 2024 à 12:30, Rapport Support <support@rapport.test> a écrit :\n"
        "> Bonjour\n",
        "Merci !",
        "Le lun. 3 juin 2024",
    ),
    (
        "german-attribution",
        "Danke!\n\nAm Mo., 3. Juni 2024 um 12:30 Uhr schrieb Rapport Support "
        "<support@rapport.test>:\n> Hallo\n",
        "Danke!",
        "Am Mo., 3. Juni 2024",
    ),
]


@pytest.mark.parametrize(
    ("body", "reply", "quoted_start"), [pytest.param(*row[1:], id=row[0]) for row in REPLIES]
)
def test_split_reply(body, reply, quoted_start):
    got_reply, quoted = split_reply(body)
    assert got_reply == reply
    assert quoted.startswith(quoted_start)


@pytest.mark.parametrize("body", [row[1] for row in REPLIES], ids=[row[0] for row in REPLIES])
def test_nothing_is_lost_between_reply_and_quote(body):
    reply, quoted = split_reply(body)
    assert "".join((reply + quoted).split()) == "".join(body.split())
    assert body.replace("\r\n", "\n").find(quoted) > body.find(reply) >= 0


def test_crlf_line_ends_are_handled_like_lf():
    body = "Thanks!\r\n\r\nOn Mon, 3 Jun 2024 at 12:30, Ann <ann@example.com> wrote:\r\n> hi\r\n"
    assert split_reply(body) == (
        "Thanks!",
        "On Mon, 3 Jun 2024 at 12:30, Ann <ann@example.com> wrote:\n> hi",
    )


# --- never empties a message ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "On Mon, 3 Jun 2024 at 12:30, Ann <ann@example.com> wrote:\n> only a quote\n",
            id="only-a-quote",
        ),
        pytest.param("> quoted\n> more quoted\n", id="only-quoted-lines"),
        pytest.param("-- \nJohn Smith\nAcme Ltd.\n", id="only-a-signature"),
        pytest.param("Sent from my iPhone\n", id="only-a-mobile-footer"),
        pytest.param("发自我的iPhone", id="only-a-chinese-footer"),
        pytest.param(
            "---------- Forwarded message ---------\nFrom: Shop <noreply@shop.example>\n"
            "Date: Sun, Jun 2, 2024\nSubject: Delivery failed\nTo: liam@example.org\n\n"
            "We could not deliver your parcel.\n",
            id="a-bare-forward",
        ),
        pytest.param(
            '-------- Пересылаемое сообщение --------\n03.06.2024, 12:30, "Магазин" '
            "<shop@example.ru>:\nВаш заказ отправлен.\n",
            id="a-bare-forward-ru",
        ),
        pytest.param(
            "------------------ 原始邮件 ------------------\n发件人: 商店\n"
            "发送时间: 2024年6月3日\n收件人: 我\n主题: 发货\n\n已发货\n",
            id="a-bare-quote-zh",
        ),
    ],
)
def test_it_never_empties_a_message(body):
    reply, quoted = split_reply(body)
    assert reply == body.strip()
    assert quoted == ""


def test_a_reply_written_below_the_quote_is_kept_whole():
    body = (
        "On Mon, 3 Jun 2024 at 12:30, Ann <ann@example.com> wrote:\n> Which size?\n\n"
        "Size L, please.\n"
    )
    reply, _quoted = split_reply(body)
    assert "Size L, please." in reply


def test_inline_answers_between_quoted_lines_are_kept():
    body = "> Which size?\nL\n> Which colour?\nBlue\n"
    assert split_reply(body) == (body.strip(), "")


@pytest.mark.parametrize("body", ["", None, "   \n\n  "])
def test_empty_input(body):
    assert split_reply(body) == ("", "")


# --- ordinary text is not cut ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Я написал вам вчера, но ответа нет. Заказ 7781 так и не пришёл.\n"
            "Пожалуйста, проверьте.",
            id="ru-napisal-mid-sentence",
        ),
        pytest.param(
            "Коллега написала, что курьер приедет 5 июня.\nЭто правда?",
            id="ru-napisala-mid-sentence",
        ),
        pytest.param(
            "Менеджер пишет: «заказ 5521 отменён», а деньги не вернули.\nЧто делать?",
            id="ru-pishet-with-quote",
        ),
        pytest.param(
            "My colleague wrote: the order is lost.\nCan you confirm?", id="en-wrote-mid-line"
        ),
        pytest.param(
            "On Monday I wrote to you about order 4521 and nobody answered.\nPlease help.",
            id="en-on-monday-i-wrote-to-you",
        ),
        pytest.param(
            "I wrote a review on 3 June, as my friend <ann@example.com> suggested.\nWhere is it?",
            id="en-digits-and-address",
        ),
        pytest.param(
            "我朋友写道这个产品很好，所以我买了两台。\n但是一台坏了。", id="zh-xiedao-mid-sentence"
        ),
        pytest.param("From: Moscow\nDelivery to Kazan takes how long?", id="en-from-line"),
        pytest.param(
            "От: склада до двери 3 дня, так написано на сайте.\nНо прошло 10.", id="ru-ot-line"
        ),
        pytest.param(
            "Line one\n-- \n" + "\n".join(f"log line {i}" for i in range(20)),
            id="dash-dash-far-from-the-end",
        ),
        pytest.param(
            "I have sent from my account two payments.\nOnly one arrived.",
            id="en-sent-from-my-mid-sentence",
        ),
        pytest.param(
            "Total: 5 > 3 items\n> is not a quote when more text follows\nthe end",
            id="gt-not-trailing",
        ),
    ],
)
def test_ordinary_text_is_not_cut(body):
    assert split_reply(body) == (body.strip(), "")


# --- defects found by this corpus, fixed ------------------------------------------------------


def test_qq_mobile_original_separator():
    body = (
        "好的\n\n------------------ Original ------------------\n"
        "From: Rapport Support <support@rapport.test>\nDate: Mon,Jun 3,2024 12:30 PM\n"
        "To: 王小明 <wangxm@qq.com>\nSubject: Re: 上门安装\n\n请问明天上午是否方便上门安装？\n"
    )
    assert split_reply(body)[0] == "好的"


def test_gmail_ru_wrapped_attribution():
    body = (
        "Спасибо!\n\nпн, 3 июн. 2024 г. в 12:30, Служба поддержки интернет-магазина <\n"
        "support@rapport.test>:\n\n> Здравствуйте!\n"
    )
    assert split_reply(body)[0] == "Спасибо!"


def test_a_long_quote_above_a_bottom_posted_reply_is_fast():
    body = "> quoted line of an old thread\n" * 6000 + "My answer is at the bottom.\n"
    started = time.perf_counter()
    reply, _quoted = split_reply(body)
    assert "My answer is at the bottom." in reply
    assert time.perf_counter() - started < 0.5


def test_a_long_hostile_line_is_fast():
    body = "1" * 250 + " <" + "a" * 1000 + "@b" * 1000 + "\n"
    started = time.perf_counter()
    split_reply(body)
    assert time.perf_counter() - started < 0.5
