"""A small multilingual corpus (Russian, Chinese, English) for realistic benchmark text.

Messages are built from these sentences, so a seeded desk reads like one: customers write in
their own language, agents answer in it, names and e-mail addresses match.
"""

from __future__ import annotations

import random

LANGUAGES = ("ru", "zh", "en")
LANGUAGE_WEIGHTS = (35, 25, 40)

# (display name parts, romanised parts for e-mail addresses)
FIRST_NAMES = {
    "ru": [
        ("Анна", "anna"),
        ("Мария", "maria"),
        ("Елена", "elena"),
        ("Ольга", "olga"),
        ("Татьяна", "tatiana"),
        ("Наталья", "natalia"),
        ("Ирина", "irina"),
        ("Светлана", "svetlana"),
        ("Алексей", "alexey"),
        ("Дмитрий", "dmitry"),
        ("Сергей", "sergey"),
        ("Андрей", "andrey"),
        ("Иван", "ivan"),
        ("Михаил", "mikhail"),
        ("Николай", "nikolay"),
        ("Павел", "pavel"),
        ("Юлия", "yulia"),
        ("Артём", "artem"),
    ],
    "zh": [
        ("伟", "wei"),
        ("芳", "fang"),
        ("娜", "na"),
        ("敏", "min"),
        ("静", "jing"),
        ("丽", "li"),
        ("强", "qiang"),
        ("磊", "lei"),
        ("军", "jun"),
        ("洋", "yang"),
        ("勇", "yong"),
        ("艳", "yan"),
        ("杰", "jie"),
        ("涛", "tao"),
        ("明", "ming"),
        ("超", "chao"),
        ("秀英", "xiuying"),
        ("晓东", "xiaodong"),
    ],
    "en": [
        ("James", "james"),
        ("Mary", "mary"),
        ("John", "john"),
        ("Patricia", "patricia"),
        ("Robert", "robert"),
        ("Jennifer", "jennifer"),
        ("Michael", "michael"),
        ("Linda", "linda"),
        ("David", "david"),
        ("Elizabeth", "elizabeth"),
        ("William", "william"),
        ("Susan", "susan"),
        ("Richard", "richard"),
        ("Jessica", "jessica"),
        ("Thomas", "thomas"),
        ("Sarah", "sarah"),
        ("Emma", "emma"),
        ("Oliver", "oliver"),
    ],
}
LAST_NAMES = {
    "ru": [
        ("Иванова", "ivanova"),
        ("Смирнов", "smirnov"),
        ("Кузнецова", "kuznetsova"),
        ("Попов", "popov"),
        ("Васильева", "vasilieva"),
        ("Петров", "petrov"),
        ("Соколова", "sokolova"),
        ("Михайлов", "mikhailov"),
        ("Новикова", "novikova"),
        ("Фёдоров", "fedorov"),
        ("Морозова", "morozova"),
        ("Волков", "volkov"),
        ("Алексеева", "alekseeva"),
        ("Лебедев", "lebedev"),
        ("Семёнова", "semenova"),
    ],
    "zh": [
        ("王", "wang"),
        ("李", "li"),
        ("张", "zhang"),
        ("刘", "liu"),
        ("陈", "chen"),
        ("杨", "yang"),
        ("黄", "huang"),
        ("赵", "zhao"),
        ("吴", "wu"),
        ("周", "zhou"),
        ("徐", "xu"),
        ("孙", "sun"),
        ("马", "ma"),
        ("朱", "zhu"),
        ("胡", "hu"),
    ],
    "en": [
        ("Smith", "smith"),
        ("Johnson", "johnson"),
        ("Williams", "williams"),
        ("Brown", "brown"),
        ("Jones", "jones"),
        ("Garcia", "garcia"),
        ("Miller", "miller"),
        ("Davis", "davis"),
        ("Wilson", "wilson"),
        ("Taylor", "taylor"),
        ("Anderson", "anderson"),
        ("Thomas", "thomas"),
        ("Moore", "moore"),
        ("Martin", "martin"),
        ("Clark", "clark"),
    ],
}
EMAIL_DOMAINS = {
    "ru": ["mail.example.ru", "yandex.example.ru", "inbox.example.ru"],
    "zh": ["qq.example.cn", "163.example.cn", "sina.example.cn"],
    "en": ["example.com", "mail.example.org", "example.co.uk"],
}

SUBJECTS = {
    "ru": [
        "Где мой заказ?",
        "Не пришёл код подтверждения",
        "Возврат денег за заказ",
        "Неправильный товар в посылке",
        "Не могу войти в личный кабинет",
        "Двойное списание с карты",
        "Изменить адрес доставки",
        "Товар пришёл повреждённым",
        "Вопрос по счёту",
        "Отмена подписки",
        "Жалоба на курьера",
        "Когда будет в наличии?",
        "Не работает промокод",
        "Проблема с оплатой",
    ],
    "zh": [
        "我的订单在哪里？",
        "没有收到验证码",
        "申请退款",
        "收到的商品不对",
        "无法登录账户",
        "信用卡被重复扣款",
        "修改收货地址",
        "商品在运输中损坏",
        "关于发票的问题",
        "取消订阅",
        "投诉快递员",
        "什么时候有货？",
        "优惠码无法使用",
        "支付失败",
    ],
    "en": [
        "Where is my order?",
        "Verification code never arrived",
        "Refund request",
        "Wrong item in my parcel",
        "Cannot log in to my account",
        "Charged twice",
        "Change of delivery address",
        "Item arrived damaged",
        "Question about my invoice",
        "Cancel my subscription",
        "Complaint about the courier",
        "When is it back in stock?",
        "Promo code does not work",
        "Payment failed",
    ],
}

CUSTOMER_SENTENCES = {
    "ru": [
        "Здравствуйте!",
        "Добрый день.",
        "Я оформил заказ неделю назад, но он до сих пор не пришёл.",
        "В личном кабинете статус не меняется уже несколько дней.",
        "Деньги с карты списали дважды, прошу вернуть лишнюю сумму.",
        "В посылке оказался совсем другой товар, не тот, что я заказывала.",
        "Коробка была помята, а сам товар разбит.",
        "Курьер не позвонил и просто оставил уведомление.",
        "Код подтверждения по СМС так и не пришёл, хотя я запрашивал его три раза.",
        "Подскажите, пожалуйста, как изменить адрес доставки?",
        "Промокод из рассылки не принимается при оформлении.",
        "Мне нужен закрывающий документ для бухгалтерии.",
        "Спасибо за ответ, но проблема не решена.",
        "Я уже писала вам в чат, но ответа не получила.",
        "Номер заказа указан в теме письма.",
        "Если вопрос не решится, я буду вынужден обратиться в банк.",
        "Жду вашего ответа.",
        "С уважением.",
    ],
    "zh": [
        "您好！",
        "你好，",
        "我一周前下的订单，到现在还没有收到。",
        "订单状态好几天都没有更新了。",
        "我的信用卡被扣了两次款，请退还多扣的金额。",
        "包裹里的商品和我订购的完全不一样。",
        "外包装被压坏了，里面的东西也碎了。",
        "快递员没有打电话，直接留了一张通知单。",
        "我申请了三次验证码，但一直没有收到短信。",
        "请问怎么修改收货地址？",
        "邮件里的优惠码在结账时无法使用。",
        "我需要一张发票用于公司报销。",
        "谢谢你的回复，但问题还没有解决。",
        "我已经在在线客服留言了，但是没有人回复。",
        "订单号写在邮件标题里。",
        "如果问题得不到解决，我只能联系银行了。",
        "期待您的回复。",
        "谢谢。",
    ],
    "en": [
        "Hello,",
        "Hi there,",
        "I placed an order a week ago and it still has not arrived.",
        "The tracking status has not changed for several days.",
        "My card was charged twice, please refund the extra payment.",
        "The parcel contained a completely different item from the one I ordered.",
        "The box was crushed and the item inside is broken.",
        "The courier did not call and just left a note.",
        "I requested the verification code three times but never received a text.",
        "Could you tell me how to change the delivery address?",
        "The promo code from your newsletter is rejected at checkout.",
        "I need an invoice for my company's accounts.",
        "Thanks for the reply, but the problem is not solved.",
        "I already wrote in the chat but nobody answered.",
        "The order number is in the subject line.",
        "If this is not sorted out I will have to contact my bank.",
        "Looking forward to your reply.",
        "Kind regards.",
    ],
}

AGENT_SENTENCES = {
    "ru": [
        "Здравствуйте! Спасибо, что написали нам.",
        "Приносим извинения за доставленные неудобства.",
        "Я проверил ваш заказ: посылка передана в службу доставки и прибудет в течение двух дней.",
        "Мы оформили возврат, деньги поступят на карту в течение 3–5 рабочих дней.",
        "Отправили вам новый код подтверждения, проверьте, пожалуйста, папку «Спам».",
        "Адрес доставки изменён, курьер получит обновлённые данные.",
        "Передал ваш вопрос в бухгалтерию, документы пришлём на эту почту.",
        "Если остались вопросы, просто ответьте на это письмо.",
        "Хорошего дня!",
    ],
    "zh": [
        "您好！感谢您联系我们。",
        "给您带来不便，我们深表歉意。",
        "我查询了您的订单：包裹已交给快递公司，预计两天内送达。",
        "我们已为您办理退款，款项将在3到5个工作日内退回您的卡上。",
        "我们已重新发送验证码，请检查一下垃圾邮件文件夹。",
        "收货地址已修改，快递员会收到更新后的信息。",
        "我已将您的问题转给财务部门，发票会发送到这个邮箱。",
        "如果还有其他问题，请直接回复这封邮件。",
        "祝您生活愉快！",
    ],
    "en": [
        "Hello, and thank you for getting in touch.",
        "I am sorry for the trouble.",
        "I checked your order: the parcel is with the courier and will arrive within two days.",
        "We have issued a refund; it will reach your card within 3-5 working days.",
        "We sent you a new verification code, please check your spam folder too.",
        "The delivery address is updated and the courier has the new details.",
        "I passed your question to our accounts team; the invoice will come to this address.",
        "If anything else comes up, just reply to this e-mail.",
        "Have a good day!",
    ],
}

NOTES = {
    "ru": [
        "Клиент звонил повторно, ждёт ответа до конца дня.",
        "Проверить возврат в платёжной системе завтра.",
    ],
    "zh": ["客户再次来电，希望今天内得到答复。", "明天在支付系统中确认退款。"],
    "en": [
        "Customer called again, expects an answer today.",
        "Check the refund in the payment system tomorrow.",
    ],
}

SUMMARIES = {
    "ru": "Ждём подтверждения от службы доставки.",
    "zh": "等待快递公司确认。",
    "en": "Waiting for the courier to confirm.",
}

FLAG_REASONS = {
    "abusive": "Insults agents on the phone",
    "legal_threat": "Threatened to sue over a refund",
    "physical_threat": "Threatened a courier",
    "vip": "Key account, answer first",
    "other": "Has two accounts, check before refunding",
}

TEAM_NAMES = [
    "Support",
    "Billing",
    "Delivery",
    "Returns",
    "Technical",
    "Русский отдел",
    "中文客服",
    "Partners",
]
TEAM_WEIGHTS = [30, 20, 15, 10, 8, 7, 5, 5]
TAG_NAMES = [
    "refund",
    "delivery",
    "damaged",
    "login",
    "invoice",
    "vip",
    "promo",
    "courier",
    "duplicate-charge",
    "subscription",
]
ORG_WORDS = [
    "Acme",
    "Северсталь",
    "华为",
    "Globex",
    "Initech",
    "Ромашка",
    "阿里",
    "Umbrella",
    "Stark",
    "Вектор",
    "腾讯",
    "Hooli",
    "Wayne",
    "Альфа",
    "京东",
    "Vandelay",
]


def customer_body(rng: random.Random, lang: str) -> str:
    s = CUSTOMER_SENTENCES[lang]
    greeting = s[rng.randrange(2)]
    middle = rng.sample(s[2:-2], rng.randint(1, 4))
    closing = s[-2 + rng.randrange(2)]
    sep = "" if lang == "zh" else " "
    return greeting + "\n\n" + sep.join(middle) + "\n\n" + closing


def agent_body(rng: random.Random, lang: str, agent_name: str) -> str:
    s = AGENT_SENTENCES[lang]
    sep = "" if lang == "zh" else " "
    middle = sep.join(rng.sample(s[1:-2], rng.randint(1, 3)))
    return f"{s[0]}\n\n{middle}\n\n{s[-2]} {s[-1]}\n— {agent_name}"


def body_pools(seed: int, size: int = 600) -> tuple[dict, dict]:
    """Pools of ready-made customer bodies per language (and agent body templates)."""
    rng = random.Random(seed)
    customers = {lang: [customer_body(rng, lang) for _ in range(size)] for lang in LANGUAGES}
    agents = {
        lang: [agent_body(rng, lang, "{agent}") for _ in range(size // 4)] for lang in LANGUAGES
    }
    return customers, agents
