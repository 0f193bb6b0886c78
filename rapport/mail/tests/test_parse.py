"""The e-mail parser on a corpus of real-world-shaped messages (CH2): charsets, RFC 2047/2231,
client reply styles, attachments, signatures, auto-replies, bounces. See docs/email.md.

Every file in fixtures/ has one row in EXPECTED; a fixture without a row fails the suite.
"""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rapport.mail.parse import MailParseError, ParsedMail, decode_bytes, parse_message
from rapport.mail.quotes import split_reply
from rapport.mail.transport import external_id_of, normalise_subject

FIXTURES = Path(__file__).parent / "fixtures"
SUPPORT = ("Rapport Support", "support@rapport.test")
LIMIT = 10_000  # max_attachment_bytes for oversized_attachment.eml


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Expect:
    subject: str
    from_addr: str
    from_name: str = ""
    text: tuple[str, ...] = ()  # snippets that must appear in mail.text, exactly
    not_in_text: tuple[str, ...] = ()
    reply: str | None = None  # split_reply(mail.text)[0], when the row checks it
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    to: list[tuple[str, str]] | None = None
    cc: list[tuple[str, str]] = field(default_factory=list)
    # (filename, content type, size, inline)
    attachments: list[tuple[str, str, int, bool]] = field(default_factory=list)
    auto: str = ""
    ticket_token: int | None = None
    signed: bool = False
    bounced: list[str] = field(default_factory=list)
    bounce_reason: str = ""
    notes: list[str] = field(default_factory=list)
    has_html: bool = False


EXPECTED: dict[str, Expect] = {
    # --- plain text in the three languages ----------------------------------------------------
    "plain_utf8_en.eml": Expect(
        subject="Order #4521 has not arrived",
        from_addr="john.smith@example.com",
        from_name="John Smith",
        message_id="<CAJ4x1plain-en@mail.example.com>",
        to=[SUPPORT],
        text=('The tracking page says "label created".', "Thanks,\r\nJohn"),
        reply="Hello,\n\nI ordered a blue kettle on May 28 (order #4521) and it still has not "
        'arrived.\nThe tracking page says "label created". Could you check what is going '
        "on?\n\nThanks,\nJohn",
    ),
    "plain_utf8_ru.eml": Expect(
        subject="Не работает оплата картой",
        from_addr="anna.ivanova@yandex.ru",
        from_name="Анна Иванова",
        message_id="<1717410011.123456@yandex.ru>",
        text=(
            "При оплате заказа картой «Мир» страница зависает на шаге подтверждения.",
            "С уважением,\r\nАнна",
        ),
    ),
    "plain_utf8_zh.eml": Expect(
        subject="发票开错了",
        from_addr="wangxm@qq.com",
        from_name="王小明",
        message_id="<tencent_3F1A2B@qq.com>",
        text=(
            "我上周购买的打印机发票抬头开错了，应该是“上海云帆科技有限公司”。",
            "请帮忙重新开具，谢谢！",
        ),
    ),
    # --- national charsets -----------------------------------------------------------------
    "koi8r.eml": Expect(
        subject="Возврат денег за заказ 7781",
        from_addr="kuznetsov@mail.ru",
        from_name="Сергей Кузнецов",
        message_id="<20240604090000.A1B2@mail.ru>",
        text=("Прошу вернуть деньги за заказ 7781, товар пришёл с браком: треснул корпус.",),
    ),
    "cp1251_qp.eml": Expect(
        subject="Счёт на оплату для ООО «Ромашка»",
        from_addr="o.smirnova@romashka.ru",
        from_name="Ольга Смирнова",
        message_id="<000001dab5$1a2b3c40$4e5f6a70@romashka.ru>",
        text=(
            "счёт на оплату годовой подписки для ООО «Ромашка», ИНН 7701234567.",
            "Ольга Смирнова\r\nбухгалтер",
        ),
    ),
    "gb2312_with_gbk_chars.eml": Expect(  # declared GB2312, written in GBK (喆, 镕)
        subject="关于订单88213的收件人（张喆）",
        from_addr="zhangzhe@163.com",
        from_name="张喆",
        message_id="<3c1d2e4f.5a6b.18fe1234567.Coremail.zhangzhe@163.com>",
        text=("我是张喆，订单号 88213。收件人写的是朱镕，但快递显示地址不对，请帮忙核实。",),
        not_in_text=("\ufffd",),
    ),
    "gbk_8bit.eml": Expect(
        subject="退货申请：商品有划痕",
        from_addr="likun@sina.com",
        from_name="李堃",
        message_id="<20240605140000.likun@sina.com>",
        text=("收到的笔记本电脑屏幕有明显划痕，申请退货。照片稍后补发。", "李堃"),
    ),
    "gb18030.eml": Expect(  # four-byte GB18030 sequences (𠮷, outside GBK)
        subject="𠮷野家优惠券无法使用",
        from_addr="chen@126.com",
        from_name="陈先生",
        message_id="<gb18030-test-1@126.com>",
        text=("你好，𠮷野家的优惠券（价值 10 €）在结账时提示无效。",),
    ),
    "big5.eml": Expect(
        subject="訂單查詢：尚未出貨",
        from_addr="lin.zm@hinet.net",
        from_name="林志明",
        message_id="<big5-lin-20240606@hinet.net>",
        text=("我在六月一日訂購的耳機到現在還沒有出貨，請問什麼時候可以寄出？", "林志明 敬上"),
    ),
    # --- charset declarations that lie, or are missing ---------------------------------------
    "declared_ascii_really_utf8.eml": Expect(
        subject="App crash",
        from_addr="dmitry@example.ru",
        from_name="Dmitry",
        message_id="<ascii-lie-1@example.ru>",
        to=[("", "support@rapport.test")],
        text=("Добрый вечер! Приложение вылетает при открытии корзины.",),
    ),
    "declared_latin1_really_utf8.eml": Expect(
        subject="Promo code",
        from_addr="pavel@example.ru",
        from_name="Pavel",
        message_id="<latin1-lie-utf8@example.ru>",
        text=("Здравствуйте, промокод LETO2024 не применяется к заказу.",),
    ),
    "declared_latin1_really_cp1251.eml": Expect(
        subject="Delivery",
        from_addr="irina@example.ru",
        from_name="Irina",
        message_id="<latin1-lie-cp1251@example.ru>",
        text=("Здравствуйте, курьер так и не приехал, хотя я ждала весь день дома.",),
    ),
    "latin1_german.eml": Expect(  # an honest Latin-1 message must stay Latin-1
        subject="Lieferung beschädigt",
        from_addr="jmueller@example.de",
        from_name="Jürgen Müller",
        message_id="<latin1-honest@example.de>",
        text=("Grüße aus München, die Lieferung ist leider beschädigt angekommen.",),
    ),
    "no_charset_8bit_utf8.eml": Expect(
        subject="Login problem",
        from_addr="zhou@example.cn",
        from_name="Zhou",
        message_id="<nocharset-utf8@example.cn>",
        text=("我无法登录账户，系统提示密码错误，但我确定密码是对的。",),
    ),
    "no_mime_cp1251.eml": Expect(  # no MIME headers at all, 8-bit Windows-1251
        subject="Warranty",
        from_addr="nikolay@example.ru",
        from_name="Nikolay",
        message_id="<nomime-cp1251@example.ru>",
        text=("Подскажите, пожалуйста, как оформить гарантийный ремонт пылесоса.",),
    ),
    # --- RFC 2047 headers --------------------------------------------------------------------
    "rfc2047_split_words.eml": Expect(  # words split mid-character, folded over lines
        subject="Не могу войти в личный кабинет после смены пароля",
        from_addr="e.volkova@gmail.com",
        from_name="Екатерина Волкова",
        message_id="<CAF=split-words@mail.gmail.com>",
        text=("Пишет, что пароль неверный, хотя я только что его сменила.",),
    ),
    "rfc2047_q_koi8r.eml": Expect(
        subject="Доставка в Казань: сроки",
        from_addr="b.orlov@rambler.ru",
        from_name="Борис Орлов",
        message_id="<koi8-q@rambler.ru>",
        text=("Сколько дней идёт доставка в Казань?",),
    ),
    "rfc2047_gb2312_from.eml": Expect(  # 玥 is GBK-only, in a word labelled gb2312
        subject="账户被锁定",
        from_addr="liuyue@163.com",
        from_name="刘玥",
        message_id="<gb2312-from@163.com>",
        text=("我的账户被锁定了，无法下单。",),
    ),
    "rfc2047_broken.eml": Expect(  # unpadded base64, unknown charset, word in quotes, no ?=
        subject="Проблема с заказом номер 42",
        from_addr="oleg@example.ru",
        from_name="Олег",
        message_id="<broken-ew@example.ru>",
        cc=[("=?UTF-8?Q?=D0=9E=D0=BB=D0=B5=D0=B3", "oleg.work@example.ru")],
        text=("Заказ 42 не пришёл.",),
    ),
    "raw_8bit_headers.eml": Expect(
        subject="Вопрос по гарантии 保修问题",
        from_addr="m.sokolova@mail.ru",
        from_name="Мария Соколова",
        message_id="<raw8bit@mail.ru>",
        to=[("Поддержка", "support@rapport.test")],
        text=("Гарантия на чайник — один год или два?",),
    ),
    "mixed_raw_and_encoded_subject.eml": Expect(
        subject="Re: Заказ номер 42",
        from_addr="ivan@example.ru",
        from_name="Ivan",
        message_id="<mixed-subject@example.ru>",
        text=("Где заказ?",),
    ),
    "encoded_name_with_comma.eml": Expect(  # Outlook's "Last, First" as one encoded word
        subject="Доступ к порталу",
        from_addr="i.petrov@corp.example.ru",
        from_name="Петров, Иван",
        message_id="<comma-name-1@corp.example.ru>",
        text=("Не могу войти на портал поставщиков.",),
    ),
    # --- HTML and multipart ------------------------------------------------------------------
    "html_only_outlook.eml": Expect(
        subject="Счёт на картриджи",
        from_addr="v.andreev@stroymarket.ru",
        from_name="Виктор Андреев",
        message_id="<AM0PR03MB1234567E89ABC@AM0PR03MB1234.eurprd03.prod.outlook.com>",
        text=(
            "Добрый день!",
            "Прошу выставить счёт по следующим позициям:",
            "Картридж HP 123",
            "10 шт.",
            "Бумага A4",
            "5 пачек",
            "Виктор Андреев",
        ),
        not_in_text=("MsoNormal", "font-family", "Calibri", "<", "shapedefaults", "&nbsp;"),
        has_html=True,
    ),
    "multipart_alternative.eml": Expect(
        subject="Обмен размера",
        from_addr="elena.k@gmail.com",
        from_name="Елена",
        message_id="<CAMalt000@mail.gmail.com>",
        text=("Подскажите, можно ли поменять размер куртки на L?",),
        not_in_text=("<b>", "<div"),
        has_html=True,
    ),
    # --- attachments -------------------------------------------------------------------------
    "attachment_pdf.eml": Expect(
        subject="Invoice 2024-118 is wrong",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<pdf-attach-1@contoso.com>",
        text=("The VAT number on the attached invoice is wrong.",),
        attachments=[("invoice-2024-118.pdf", "application/pdf", 335, False)],
    ),
    "attachment_image.eml": Expect(
        subject="Damaged box",
        from_addr="liam@example.org",
        from_name="Liam",
        message_id="<img-attach-1@example.org>",
        text=("Photo of the damaged box attached.",),
        attachments=[("IMG_2041.jpg", "image/jpeg", 790, False)],
    ),
    "attachment_rfc2231_cyrillic.eml": Expect(  # filename*0*= / filename*1*= continuations
        subject="Договор",
        from_addr="belov@example.ru",
        from_name="Андрей Белов",
        message_id="<rfc2231-cyr@example.ru>",
        text=("Договор во вложении, подпишите, пожалуйста.",),
        attachments=[
            (
                "Договор поставки №15.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                2008,
                False,
            )
        ],
    ),
    "attachment_rfc2231_chinese.eml": Expect(  # RFC 2231 UTF-8, and RFC 2047 in a parameter
        subject="产品资料",
        from_addr="zhaomin@foxmail.com",
        from_name="赵敏",
        message_id="<rfc2231-zh@foxmail.com>",
        text=("附件是产品说明书和报价单。",),
        attachments=[
            ("产品说明书.pdf", "application/pdf", 335, False),
            ("报价单.xlsx", "application/octet-stream", 1208, False),
        ],
    ),
    "attachment_rfc2231_gb2312_gbk.eml": Expect(
        subject="发票",
        from_addr="zhangzhe@163.com",
        from_name="张喆",
        message_id="<rfc2231-gbk@163.com>",
        text=("请查收发票。",),
        attachments=[("张喆的发票.pdf", "application/pdf", 335, False)],
    ),
    "raw_8bit_filename.eml": Expect(
        subject="Чек",
        from_addr="m.sokolova@mail.ru",
        from_name="Мария Соколова",
        message_id="<raw8bit-filename@mail.ru>",
        text=("Чек во вложении.",),
        attachments=[("Чек.pdf", "application/pdf", 335, False)],
    ),
    "inline_image_related.eml": Expect(
        subject="Error on checkout page",
        from_addr="sophie@example.fr",
        from_name="Sophie Martin",
        message_id="<related-1@example.fr>",
        text=("The checkout page shows this error:",),
        has_html=True,
        attachments=[("image001.png", "image/png", 69, True)],
    ),
    "forward_rfc822.eml": Expect(  # the forwarded message stays whole, its parts do not leak
        subject="Fwd: Ваш заказ отправлен",
        from_addr="anna.ivanova@yandex.ru",
        from_name="Анна Иванова",
        message_id="<fwd-rfc822@yandex.ru>",
        text=("Пересылаю письмо от магазина: трек-номер не работает.",),
        not_in_text=("RA123456789RU",),
        attachments=[("attachment-1.eml", "message/rfc822", 708, False)],
    ),
    "calendar_invite.eml": Expect(
        subject="Call about the contract",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<calendar-1@contoso.com>",
        text=("Let us discuss the contract renewal on Tuesday.",),
        has_html=True,
        attachments=[
            ("attachment-1.ics", "text/calendar", 538, False),
            ("invite.ics", "application/ics", 538, False),
        ],
    ),
    "tnef_winmail.eml": Expect(
        subject="Updated price list",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<tnef-1@contoso.com>",
        text=("Please see the updated price list.",),
        attachments=[("winmail.dat", "application/ms-tnef", 711, False)],
    ),
    "oversized_attachment.eml": Expect(  # parsed with max_attachment_bytes=LIMIT
        subject="Logs from the failed payment",
        from_addr="devops@example.io",
        from_name="Dev Ops",
        message_id="<oversized-1@example.io>",
        text=("Full logs attached, the short excerpt too.",),
        attachments=[("excerpt.txt", "text/plain", 51, False)],
        notes=[
            "Attachment 'logs.zip' (40960 bytes) is over the limit of 10000 bytes; it is "
            "kept in the original message only."
        ],
    ),
    # --- signed replies ----------------------------------------------------------------------
    "pgp_signed.eml": Expect(
        subject="Re: [Ticket#310] API key rotation",
        from_addr="mikhail@riseup.net",
        from_name="Mikhail",
        message_id="<pgp-signed-1@riseup.net>",
        in_reply_to=["<rapport-msg-310-2@rapport.test>"],
        references=["<pgp-orig@riseup.net>", "<rapport-msg-310-2@rapport.test>"],
        text=("Ключ заменил, всё работает. Спасибо!",),
        ticket_token=310,
        signed=True,
    ),
    "smime_signed.eml": Expect(
        subject="RE: Договор №15",
        from_addr="t.kuzmina@bank.example.ru",
        from_name="Кузьмина Татьяна",
        message_id="<smime-signed-1@bank.example.ru>",
        in_reply_to=["<rapport-msg-15-1@rapport.test>"],
        references=["<rapport-msg-15-1@rapport.test>"],
        text=("Договор подписан, оригинал отправили курьером.",),
        signed=True,
        has_html=True,
    ),
    # --- replies, client by client -----------------------------------------------------------
    "outlook_ticket_token.eml": Expect(  # no In-Reply-To/References: only the subject token
        subject="RE: [Ticket#123] Не приходит SMS с кодом",
        from_addr="n.orlova@outlook.com",
        from_name="Наталья Орлова",
        message_id="<DB9PR02MB7345ABCD1234@DB9PR02MB7345.eurprd02.prod.outlook.com>",
        text=("Код так и не пришёл, пробовала три раза.", "Отправлено: 3 июня 2024 г. 10:00"),
        reply="Код так и не пришёл, пробовала три раза.\n\nС уважением,\nНаталья",
        ticket_token=123,
    ),
    "gmail_reply_en.eml": Expect(
        subject="Re: [Ticket#45] Order #4521 has not arrived",
        from_addr="john.smith@example.com",
        from_name="John Smith",
        message_id="<CAJ4x1reply-en@mail.gmail.com>",
        in_reply_to=["<rapport-msg-45-2@rapport.test>"],
        references=["<CAJ4x1plain-en@mail.example.com>", "<rapport-msg-45-2@rapport.test>"],
        text=("Thanks, that worked!", "> we have re-sent your order."),
        reply="Thanks, that worked!\n\nOne more question: can I change the delivery address for "
        "order #4521?",
        ticket_token=45,
        has_html=True,
    ),
    "gmail_reply_ru.eml": Expect(
        subject="Re: Не работает оплата картой",
        from_addr="anna.ivanova@gmail.com",
        from_name="Анна Иванова",
        message_id="<CAGmRu-reply@mail.gmail.com>",
        in_reply_to=["<rapport-msg-50-2@rapport.test>"],
        references=["<rapport-msg-50-2@rapport.test>"],
        text=("Спасибо, оплата прошла!", "> Мы исправили ошибку оплаты."),
        reply="Спасибо, оплата прошла!",
    ),
    "outlook_reply_en.eml": Expect(
        subject="RE: [Ticket#118] Invoice 2024-118 is wrong",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<AM6PR04MB5678@AM6PR04MB5678.eurprd04.prod.outlook.com>",
        in_reply_to=["<rapport-msg-118-2@rapport.test>"],
        references=["<rapport-msg-118-2@rapport.test>"],
        text=("The VAT number should be GB123456789.",),
        reply="Hi,\n\nThe VAT number should be GB123456789.\n\nBest regards,\nPeter",
        ticket_token=118,
        has_html=True,
    ),
    "yandex_reply_ru.eml": Expect(
        subject="Re: Адрес доставки",
        from_addr="igor.lebedev@yandex.ru",
        from_name="Игорь Лебедев",
        message_id="<123451717488000@mail.yandex.ru>",
        in_reply_to=["<rapport-msg-60-2@rapport.test>"],
        references=["<rapport-msg-60-2@rapport.test>"],
        text=("Да, адрес верный: Казань, ул. Баумана, 12, кв. 5.",),
        reply="Добрый день!\nДа, адрес верный: Казань, ул. Баумана, 12, кв. 5.",
    ),
    "mailru_reply_ru.eml": Expect(
        subject="Re[2]: Доставка в Казань: сроки",
        from_addr="b.orlov@mail.ru",
        from_name="Борис Орлов",
        message_id="<1717491600.987654321@f501.i.mail.ru>",
        in_reply_to=["<rapport-msg-61-3@rapport.test>"],
        references=[
            "<koi8-q@rambler.ru>",
            "<rapport-msg-61-2@rapport.test>",
            "<rapport-msg-61-3@rapport.test>",
        ],
        text=("Спасибо, посылку получил.", ">Посылка передана курьеру."),
        reply="Спасибо, посылку получил.",
    ),
    "thunderbird_reply_ru.eml": Expect(
        subject="Ответ: Re: Возврат денег за заказ 7781",
        from_addr="kuznetsov@mail.ru",
        from_name="Сергей Кузнецов",
        message_id="<a1b2c3d4-tb@mail.ru>",
        in_reply_to=["<rapport-msg-90-2@rapport.test>"],
        references=["<20240604090000.A1B2@mail.ru>", "<rapport-msg-90-2@rapport.test>"],
        text=("Деньги до сих пор не пришли.",),
        reply="Деньги до сих пор не пришли.",
    ),
    "qq_reply_zh.eml": Expect(
        subject="回复：订单问题",
        from_addr="wangxm@qq.com",
        from_name="王小明",
        to=[SUPPORT],
        message_id="<tencent_A1B2C3D4E5F6A7B8@qq.com>",
        in_reply_to=["<rapport-msg-70-2@rapport.test>"],
        references=["<rapport-msg-70-2@rapport.test>"],
        text=("好的，谢谢！已经收到退款了。", "------------------ 原始邮件 ------------------"),
        reply="好的，谢谢！已经收到退款了。",
        has_html=True,
    ),
    "netease163_reply_zh.eml": Expect(
        subject="回复:关于订单88213的收件人（张喆）",
        from_addr="zhangzhe@163.com",
        from_name="张喆",
        message_id="<6a7b8c9d.1234.18fe9876543.Coremail.zhangzhe@163.com>",
        in_reply_to=["<rapport-msg-71-2@rapport.test>"],
        references=[
            "<3c1d2e4f.5a6b.18fe1234567.Coremail.zhangzhe@163.com>",
            "<rapport-msg-71-2@rapport.test>",
        ],
        text=("已经收到新发票，谢谢！", "写道："),
        reply="已经收到新发票，谢谢！",
    ),
    "outlook_reply_zh.eml": Expect(
        subject="答复: 发票重开",
        from_addr="liuyue@163.com",
        from_name="刘玥",
        message_id="<HK0PR01MB2345@HK0PR01MB2345.apcprd01.prod.exchangelabs.com>",
        in_reply_to=["<rapport-msg-72-2@rapport.test>"],
        text=("已确认，谢谢。", "发送时间: 2024年6月3日 12:30"),
        reply="已确认，谢谢。",
    ),
    "iphone_reply_en.eml": Expect(
        subject="Re: Cancel order",
        from_addr="emma.jones@icloud.com",
        from_name="Emma Jones",
        message_id="<8E1F2A3B-4C5D-6E7F-8091-A2B3C4D5E6F7@icloud.com>",
        in_reply_to=["<rapport-msg-80-2@rapport.test>"],
        references=["<rapport-msg-80-2@rapport.test>"],
        text=("Sent from my iPhone",),
        reply="Yes please cancel it.",
    ),
    "iphone_reply_ru.eml": Expect(
        subject="Re: Звонок",
        from_addr="i.kotova@icloud.com",
        from_name="Ирина Котова",
        message_id="<9F2A3B4C-5D6E-7F80-91A2-B3C4D5E6F708@icloud.com>",
        in_reply_to=["<rapport-msg-81-2@rapport.test>"],
        text=("Отправлено с iPhone",),
        reply="Хорошо, жду звонка.",
    ),
    "iphone_reply_zh.eml": Expect(
        subject="回复：上门安装",
        from_addr="wangxm@qq.com",
        from_name="王小明",
        message_id="<tencent_iphone_1@qq.com>",
        in_reply_to=["<rapport-msg-82-2@rapport.test>"],
        text=("发自我的iPhone",),
        reply="好的，明天上午在家。",
    ),
    "gmail_inline_forward.eml": Expect(  # nothing above the forward: the text is kept whole
        subject="Fwd: Delivery failed",
        from_addr="liam@example.org",
        from_name="Liam",
        message_id="<CAfwd-inline@mail.gmail.com>",
        reply="---------- Forwarded message ---------\nFrom: Shop <noreply@shop.example>\n"
        "Date: Sun, Jun 2, 2024 at 9:00 AM\nSubject: Delivery failed\n"
        "To: <liam@example.org>\n\nWe could not deliver your parcel 5521.",
    ),
    "x_rapport_ticket_header.eml": Expect(
        subject="Re: Order #4521 has not arrived",
        from_addr="john.smith@example.com",
        from_name="John Smith",
        message_id="<x-rapport-header@example.com>",
        text=("Any news?",),
        ticket_token=4521,
    ),
    # --- automatic mail ----------------------------------------------------------------------
    "auto_reply_en.eml": Expect(
        subject="Automatic reply: [Ticket#118] Invoice 2024-118 is wrong",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<ooo-en-1@contoso.com>",
        in_reply_to=["<rapport-msg-118-3@rapport.test>"],
        text=("I am out of the office until June 10",),
        auto="auto-reply",
        ticket_token=118,
    ),
    "auto_reply_ru.eml": Expect(  # Yandex: X-Autoreply
        subject="Автоматический ответ: Возврат денег за заказ 7781",
        from_addr="kuznetsov@yandex.ru",
        from_name="Сергей Кузнецов",
        message_id="<ooo-ru-1@yandex.ru>",
        text=("Я в отпуске до 15 июня.",),
        auto="auto-reply",
    ),
    "auto_reply_zh.eml": Expect(  # recognised by its subject alone
        subject="自动回复: 订单问题",
        from_addr="wangxm@qq.com",
        from_name="王小明",
        message_id="<ooo-zh-1@qq.com>",
        text=("您好，我正在休假，6月10日回来后回复您。",),
        auto="auto-reply",
    ),
    "mailing_list.eml": Expect(
        subject="This week's deals: 20% off kettles",
        from_addr="deals@news.shop.example",
        from_name="Weekly Deals",
        message_id="<newsletter-2024-23@news.shop.example>",
        text=("This week only: 20% off all kettles.",),
        auto="list",
    ),
    "dsn_bounce_headers.eml": Expect(  # Postfix: message/delivery-status + text/rfc822-headers
        subject="Undelivered Mail Returned to Sender",
        from_addr="mailer-daemon@mx.example.com",
        from_name="Mail Delivery System",
        message_id="<20240605120005.1A2B3C4D5E@mx.example.com>",
        text=("This is the mail system at host mx.example.com.",),
        attachments=[("attachment-1.bin", "text/rfc822-headers", 189, False)],
        auto="bounce",
        bounced=["<rapport-out-77@rapport.test>"],
        bounce_reason="nobody@example.com 5.1.1 smtp; 550 5.1.1 <nobody@example.com>: "
        "Recipient address rejected: User unknown",
    ),
    "dsn_bounce_rfc822.eml": Expect(  # the whole original returned as message/rfc822
        subject="Недоставленное сообщение: Ваш возврат",
        from_addr="postmaster@example.ru",
        message_id="<dsn-rfc822-1@example.ru>",
        text=("Не удалось доставить сообщение: ящик переполнен.",),
        attachments=[("attachment-1.eml", "message/rfc822", 413, False)],
        auto="bounce",
        bounced=["<rapport-out-78@rapport.test>"],
        bounce_reason="ivan@example.ru 5.2.2 smtp;552 5.2.2 Mailbox full",
    ),
    "bounce_plain_mailer_daemon.eml": Expect(  # no report, only MAILER-DAEMON as the sender
        subject="Returned mail: see transcript for details",
        from_addr="mailer-daemon@relay.example.net",
        from_name="Mail Delivery Subsystem",
        message_id="<plain-bounce-1@relay.example.net>",
        text=("The following addresses had permanent fatal errors",),
        auto="bounce",
        bounce_reason="Returned mail: see transcript for details",
    ),
    # --- missing and odd headers -------------------------------------------------------------
    "no_message_id.eml": Expect(
        subject="Scan from office printer",
        from_addr="scanner@office.example",
        from_name="Old Printer",
        message_id="",
        text=("Scanned document attached is missing, please resend.",),
    ),
    "no_from.eml": Expect(
        subject="No sender here",
        from_addr="",
        from_name="",
        message_id="<no-from-1@example.com>",
        text=("Who sent this?",),
    ),
    "long_subject.eml": Expect(
        subject=("Очень длинная тема письма про заказ номер 99 " * 40)[:998],
        from_addr="long@example.org",
        from_name="Long Talker",
        message_id="<long-subject-1@example.org>",
        text=("The subject says it all.",),
    ),
    "cc_recipients.eml": Expect(
        subject="Contract renewal",
        from_addr="p.brown@contoso.com",
        from_name="Peter Brown",
        message_id="<cc-1@contoso.com>",
        to=[SUPPORT, ("Accounts", "accounts@contoso.com")],
        cc=[
            ("Ольга", "olga@example.ru"),
            ("Bob Lee", "bob.lee@example.com"),
            ("", "plain@example.net"),
        ],
        text=("Adding Olga and Bob, who handle the renewal on our side.",),
    ),
    "nul_bare_lf.eml": Expect(  # bare LF line ends and a NUL byte
        subject="Export failed",
        from_addr="app@legacy.example",
        from_name="Legacy App",
        message_id="<nul-lf-1@legacy.example>",
        text=("Export failed at row 17:", "unexpected value\nLine two of the report"),
    ),
}


def _params() -> list:
    params = []
    for name, expect in EXPECTED.items():
        params.append(pytest.param(name, expect, id=name.removesuffix(".eml")))
    return params


def parse_fixture(name: str) -> ParsedMail:
    limit = LIMIT if name == "oversized_attachment.eml" else 25 * 1024 * 1024
    return parse_message(load(name), max_attachment_bytes=limit)


# --- the corpus itself ------------------------------------------------------------------------


def test_the_corpus_has_an_expectation_for_every_fixture_and_enough_fixtures():
    on_disk = {p.name for p in FIXTURES.glob("*.eml")}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixtures_have_crlf_line_ends_as_real_mail_does(name):
    raw = load(name)
    if name == "nul_bare_lf.eml":
        assert b"\r" not in raw and b"\x00" in raw
        return
    assert raw.count(b"\n") == raw.count(b"\r\n") > 5


# --- every fixture, field by field ---------------------------------------------------------


@pytest.mark.parametrize(("name", "expect"), _params())
def test_fixture(name, expect: Expect):
    mail = parse_fixture(name)
    assert mail.subject == expect.subject
    assert (mail.from_addr, mail.from_name) == (expect.from_addr, expect.from_name)
    assert mail.message_id == expect.message_id
    assert mail.in_reply_to == expect.in_reply_to
    assert mail.references == expect.references
    if expect.to is not None:
        assert mail.to == expect.to
    assert mail.cc == expect.cc
    for snippet in expect.text:
        assert snippet in mail.text
    for snippet in expect.not_in_text:
        assert snippet not in mail.text
    if expect.reply is not None:
        assert split_reply(mail.text)[0] == expect.reply
    got = [(a.filename, a.content_type, len(a.content), a.inline) for a in mail.attachments]
    assert got == expect.attachments
    assert mail.auto == expect.auto
    assert mail.ticket_token == expect.ticket_token
    assert mail.signed is expect.signed
    assert mail.bounced_message_ids == expect.bounced
    assert mail.bounce_reason == expect.bounce_reason
    assert mail.notes == expect.notes
    assert bool(mail.html) is expect.has_html
    assert mail.text.strip(), "every fixture has some text"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_has_a_date_with_a_time_zone(name):
    mail = parse_fixture(name)
    assert mail.date is not None and mail.date.utcoffset() is not None


# --- details the table does not show ---------------------------------------------------------


def test_attachment_bytes_are_decoded_exactly():
    pdf = parse_fixture("attachment_pdf.eml").attachments[0].content
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    png = parse_fixture("inline_image_related.eml").attachments[0]
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.content_id == "image001.png@01DAB5C1.2F3E4D50"
    tnef = parse_fixture("tnef_winmail.eml").attachments[0].content
    assert tnef[:4] == b"\x78\x9f\x3e\x22"  # the TNEF signature
    ics = parse_fixture("calendar_invite.eml").attachments
    assert ics[0].content == ics[1].content
    assert b"SUMMARY;LANGUAGE=en-US:Call about the contract" in ics[0].content


def test_the_html_of_a_multipart_alternative_is_kept_with_its_text():
    mail = parse_fixture("multipart_alternative.eml")
    assert "Подскажите, можно ли поменять размер куртки на <b>L</b>?" in mail.html
    assert mail.text.startswith("Здравствуйте!")


def test_an_html_only_message_gets_a_readable_text():
    mail = parse_fixture("html_only_outlook.eml")
    assert mail.text.splitlines()[0] == "Добрый день!"
    assert "<table" in mail.html


def test_a_forwarded_message_is_one_attachment_that_parses_on_its_own():
    mail = parse_fixture("forward_rfc822.eml")
    (attached,) = mail.attachments
    inner = parse_message(attached.content)
    assert inner.message_id == "<order-shipped-5521@shop.example>"
    assert inner.subject == "Ваш заказ отправлен"
    assert "Трек-номер RA123456789RU." in inner.text
    assert mail.html == ""  # the forwarded HTML is not taken for the outer body


def test_a_bounce_keeps_the_returned_original_as_an_attachment():
    mail = parse_fixture("dsn_bounce_rfc822.eml")
    returned = parse_message(mail.attachments[0].content)
    assert returned.message_id == "<rapport-out-78@rapport.test>"
    assert returned.text == "Здравствуйте! Деньги вернутся в течение трёх дней."


def test_the_signatures_of_signed_mail_are_not_attachments():
    for name in ("pgp_signed.eml", "smime_signed.eml"):
        mail = parse_fixture(name)
        assert mail.signed and mail.attachments == []


def test_an_oversized_attachment_is_kept_under_the_default_limit():
    mail = parse_message(load("oversized_attachment.eml"))
    assert [(a.filename, len(a.content)) for a in mail.attachments] == [
        ("excerpt.txt", 51),
        ("logs.zip", 40960),
    ]
    assert mail.notes == []


def test_every_attachment_of_a_message_at_the_limit_is_a_note():
    mail = parse_message(load("attachment_rfc2231_chinese.eml"), max_attachment_bytes=100)
    assert mail.attachments == []
    assert [n.split(" (")[0] for n in mail.notes] == [
        "Attachment '产品说明书.pdf'",
        "Attachment '报价单.xlsx'",
    ]


def test_a_long_subject_is_cut_at_the_rfc_5322_line_limit():
    assert len(parse_fixture("long_subject.eml").subject) == 998


def test_reply_to_and_recipient_addresses_are_lower_cased():
    mail = parse_fixture("cc_recipients.eml")
    assert mail.reply_to == "billing@contoso.com"
    assert all(addr == addr.lower() for _name, addr in [*mail.to, *mail.cc])


def test_thread_refs_are_nearest_first_without_repeats():
    mail = parse_fixture("mailru_reply_ru.eml")
    assert mail.thread_refs() == [
        "<rapport-msg-61-3@rapport.test>",
        "<rapport-msg-61-2@rapport.test>",
        "<koi8-q@rambler.ru>",
    ]


def test_a_ticket_token_in_the_subject_wins_over_the_header():
    raw = (
        b"From: a@example.com\r\nSubject: Re: [Rapport#12] x\r\nX-Rapport-Ticket: 99\r\n"
        b"\r\nbody\r\n"
    )
    assert parse_message(raw).ticket_token == 12


@pytest.mark.parametrize(
    ("subject", "token"),
    [
        ("Re: [Ticket#123] x", 123),
        ("RE: [ticket#7]", 7),
        ("[RAPPORT#42] Вопрос", 42),
        ("Order #123", None),
        ("[Ticket#] x", None),
        ("[Ticket#1234567890123] x", None),
        ("Fwd: [Ticket#5][Ticket#6]", 5),
    ],
)
def test_ticket_tokens(subject, token):
    raw = f"From: a@example.com\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    assert parse_message(raw).ticket_token == token


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n  ", b"\r\n"])
def test_nothing_at_all_is_not_a_message(raw):
    with pytest.raises(MailParseError):
        parse_message(raw)


def test_a_nul_byte_and_bare_lf_line_ends_parse():
    text = parse_fixture("nul_bare_lf.eml").text
    assert text.replace("\x00", "") == (
        "Export failed at row 17: unexpected value\nLine two of the report\n"
    )


def test_parsed_text_carries_no_nul_characters():
    mail = parse_fixture("nul_bare_lf.eml")
    assert "\x00" not in mail.text
    raw = b"From: a@example.com\r\nSubject: a\x00b\r\n\r\nbody\r\n"
    assert parse_message(raw).subject == "ab"


# --- decoding helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Привет".encode("koi8-r"), "koi8-r", "Привет"),
        ("张喆".encode("gbk"), "gb2312", "张喆"),  # GB2312 that is really GBK
        ("𠮷".encode("gb18030"), "GBK", "𠮷"),
        ("裏".encode("big5hkscs"), "big5", "裏"),
        ("Привет".encode(), "us-ascii", "Привет"),
        ("Привет".encode(), "x-no-such-charset", "Привет"),
        ("Привет".encode(), None, "Привет"),
        (b"", "utf-8", ""),
    ],
)
def test_decode_bytes(data, charset, text):
    assert decode_bytes(data, charset) == text


# --- transport helpers: subjects and external ids -------------------------------------------


@pytest.mark.parametrize(
    ("subject", "normal"),
    [
        ("Re: Ответ: 回复: Order [Ticket#12]", "order"),
        ("RE: RE: Invoice 2024-118", "invoice 2024-118"),
        ("Re[2]: Доставка в Казань: сроки", "доставка в казань: сроки"),
        ("Ответ: Re: Возврат денег", "возврат денег"),
        ("ОТВЕТ: Возврат", "возврат"),
        ("Отв: вопрос", "вопрос"),
        ("Пересл: Счёт", "счёт"),
        ("回复：订单问题", "订单问题"),
        ("回复: 订单问题", "订单问题"),
        ("答复: 发票重开", "发票重开"),
        ("回覆：訂單查詢", "訂單查詢"),
        ("转发: 发票", "发票"),
        ("Fwd: FW: Delivery failed", "delivery failed"),
        ("AW: WG: Bestellung", "bestellung"),
        ("SV: VS: Tilaus", "tilaus"),
        ("Re:Re:Re:x", "x"),
        ("  Re :   Order    #1  ", "order #1"),
        ("[Ticket#45] Re: Order", "order"),
        ("[Rapport#7] Вопрос", "вопрос"),
        ("Re: [Ticket#45] Order #4521 has not arrived", "order #4521 has not arrived"),
        ("Regarding: the order", "regarding: the order"),
        ("Revenue report", "revenue report"),
        ("Fwd the order", "fwd the order"),
        ("Ответственный менеджер", "ответственный менеджер"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_subject(subject, normal):
    assert normalise_subject(subject) == normal


def test_normalise_subject_makes_a_reply_match_its_ticket():
    assert normalise_subject(
        parse_fixture("thunderbird_reply_ru.eml").subject
    ) == normalise_subject(parse_fixture("koi8r.eml").subject)
    assert normalise_subject(parse_fixture("mailru_reply_ru.eml").subject) == normalise_subject(
        parse_fixture("rfc2047_q_koi8r.eml").subject
    )
    assert normalise_subject(parse_fixture("netease163_reply_zh.eml").subject) == normalise_subject(
        parse_fixture("gb2312_with_gbk_chars.eml").subject
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_external_id_is_the_parsed_message_id_or_a_hash(name):
    raw = load(name)
    if EXPECTED[name].message_id:
        assert external_id_of(raw) == EXPECTED[name].message_id
    else:
        assert external_id_of(raw) == "sha256:" + hashlib.sha256(raw).hexdigest()


def test_external_id_reads_only_the_header_block():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nMessage-ID: <in-body@example.com>\r\n"
    assert external_id_of(raw).startswith("sha256:")
    raw = b"From: a@example.com\nmessage-id:   <lower@example.com>\n\nbody\n"
    assert external_id_of(raw) == "<lower@example.com>"
    raw = b"Resent-Message-ID: <resent@example.com>\r\nMessage-Id: <real@example.com>\r\n\r\nx"
    assert external_id_of(raw) == "<real@example.com>"


def test_the_same_bytes_give_the_same_id_and_other_bytes_another():
    raw = load("no_message_id.eml")
    assert external_id_of(raw) == external_id_of(bytes(raw))
    assert external_id_of(raw) != external_id_of(raw + b"\r\n")


def test_external_id_follows_a_folded_message_id_header():
    raw = (
        b"From: a@example.com\r\nMessage-ID:\r\n"
        b" <CAF+a-very-long-id-0123456789@mail.example.com>\r\nSubject: x\r\n\r\nbody\r\n"
    )
    assert parse_message(raw).message_id == "<CAF+a-very-long-id-0123456789@mail.example.com>"
    assert external_id_of(raw) == parse_message(raw).message_id


def test_message_ids_carry_no_control_characters():
    raw = (
        b"From: a@example.com\r\nMessage-ID: <nul\x00id@x.test>\r\n"
        b"In-Reply-To: <r\x00@x.test> <ok@x.test>\r\n\r\nbody\r\n"
    )
    assert "\x00" not in external_id_of(raw)
    mail = parse_message(raw)
    assert mail.message_id == ""
    assert mail.in_reply_to == ["<ok@x.test>"]


def test_the_stdlib_agrees_with_the_corpus_message_ids():
    """A cross-check that the fixtures are well-formed where they mean to be."""
    for name, expect in EXPECTED.items():
        if expect.message_id and name != "nul_bare_lf.eml":
            msg = email.message_from_bytes(load(name))
            assert msg["Message-ID"].strip() == expect.message_id, name


@pytest.mark.parametrize(
    "subject",
    ["Vacation booking refund", "Отпуск: можно ли заморозить подписку?", "休假期间的订单"],
)
def test_a_customer_writing_about_a_vacation_is_not_an_auto_reply(subject):
    from email.header import Header

    raw = (
        f"From: c@example.com\r\nSubject: {Header(subject, 'utf-8').encode()}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
    ).encode()
    assert parse_message(raw).auto == ""


@pytest.mark.parametrize("charset", ["unicode_escape", "raw_unicode_escape"])
def test_pythons_escape_codecs_are_not_mail_charsets(charset):
    from rapport.mail.parse import decode_bytes

    assert decode_bytes(b"C:\\Reports\\new", charset) == "C:\\Reports\\new"
