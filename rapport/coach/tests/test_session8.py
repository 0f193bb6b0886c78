"""Session 8 of issue 4 (packs/<lang>/families4.toml and the code beside it), from blind batch
7's gaps generalised to families: physical threats as a construction — the writer's own future,
a verb of harm and a victim (ES4/ES5); annoyance at the customer and mockery of their eyes or
experience in replies (CQ18); indirect supervisor requests and a polite or business request that
is not hostile; near deadlines in words and digits; abuse words about a product (no insult);
English mood; a negator in a Chinese condition; a question after a lead-in; outcome questions
(CQ20); an investigation as an offer to find out (CQ19); "understand that … is frustrating" (CQ3);
"X's problem, not ours" (CQ8); explained terms (CQ4); next steps a day ahead (RS4).

Every case is new — none is a sentence of the corpus or of a held-out batch — and each family
has a hard negative next to it."""

import pytest

from rapport.coach import analyze_message, check_reply


def signals(text: str) -> list[str]:
    return analyze_message(text).signals


# -- ES4/ES5: physical threats — own future + harm verb + a victim ------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Block my gate again and I will slash your driver's tyres.",
        "I'm gonna smash his windscreen if he parks there once more.",
        "One more no-show and I'll come down there and sort you out.",
        "Keep ignoring me and someone's going to get badly hurt.",
        "I'll chuck this broken kettle at your manager.",
        "I know where your depot is and I'll burn it to the ground.",
        "Ещё раз так сделаете — я вашему курьеру все колёса порежу.",
        "Витрину вам расколочу, так и знайте.",
        "Кто-нибудь у вас точно пострадает, если так продолжится.",
        "再堵我家门口，我就把他车门砸烂。",
        "你们的人我见一个揍一个。",
        "明天我带一帮人去你们公司。",
    ],
)
def test_a_threat_of_harm_is_a_physical_threat(text):
    a = analyze_message(text)
    assert "physical_threat" in a.signals
    assert a.mood == "angry"


@pytest.mark.parametrize(
    "text",
    [
        # the verbs of harm about the writer's own things, idioms, product hazards
        "I'm going to smash it at the tournament, thanks for the quick delivery!",
        "I'll punch in the new card number tonight.",
        "I will break my contract if the price goes up.",
        "I'm going to trash your company in my review.",
        "Someone is going to get hurt on these loose stairs, please fix them.",
        "Please replace the cable before somebody gets hurt.",
        "Я разобью оплату на две части, так можно?",
        "Голову сломаю, пока найду эту настройку.",
        "Приеду и разберусь с документами на месте.",
        "Кто-нибудь пострадает от этого обогревателя, отзовите партию.",
        "快递把我的车门划了，怎么赔？",
        "我把包装拆了，发现屏幕是碎的。",
    ],
)
def test_harm_words_without_a_victim_are_no_threat(text):
    assert "physical_threat" not in signals(text)


def test_wo_qu_with_a_place_is_no_expletive():
    # "我去" is an expletive alone; followed by a place it is "I go"
    assert analyze_message("我去你们门店取一下货。").mood == "neutral"
    assert analyze_message("我去，又涨价了。").mood != "neutral"


# -- CQ18: annoyance at the customer for writing, mocking their eyes or experience ---------
@pytest.mark.parametrize(
    "reply",
    [
        "哦，又来催了，我们这儿事还少吗。",
        "下单的时候眼睛长在哪儿了？",
        "您是第一天网购吗？",
        "催了有用吗？该到就到了。",
        "怎么又是您，怎么老有问题。",
        "Ну вот, ещё одна претензия. Будто нам своих проблем мало.",
        "Опять вы со своей посылкой.",
        "Вам больше заняться нечем?",
        "Где у вас глаза? Всё написано на сайте.",
        "Ugh, another complaint.",
        "Not you again. It's in the email.",
        "Pestering us won't make it arrive sooner.",
        "Do you have eyes? The date is on the page.",
    ],
)
def test_annoyance_at_the_customer_is_rude(reply):
    assert "rudeness" in check_reply("Где мой заказ? 我的订单呢？ Where is it?", reply).violations


@pytest.mark.parametrize(
    "reply",
    [
        "您好，好消息：又来了一批货，今天就给您发出。",
        "您好，如果是第一次使用，请先在App里绑定手机号。",
        "Здравствуйте! Мы получили ещё одну жалобу на этого курьера и уже разбираемся.",
        "Здравствуйте! Если вы впервые пользуетесь приложением, начните с раздела «Заказы».",
        "Здравствуйте! Ваши звонки помогут нам найти ошибку, спасибо!",
        "Hi, we had another complaint about this courier and have escalated it.",
        "Hi! If it's your first time using the app, start from the Orders tab.",
    ],
)
def test_the_same_words_without_the_sneer_are_not_rude(reply):
    assert "rudeness" not in check_reply("Где мой заказ?", reply).violations


def test_damage_said_as_a_state_is_a_complaint():
    assert analyze_message("打开一看，杯子全是碎的。").mood == "negative"
    assert analyze_message("Можно разбить оплату на две части?").mood == "neutral"


# -- supervisor requests said indirectly ----------------------------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Please transfer me to the person who oversees your billing team.", True),
        ("I want this sent to someone above you.", True),
        ("Could your head of partnerships call me about a reseller deal?", True),
        ("Соедините меня с тем, кто у вас подписывает договоры.", True),
        ("Мы хотим согласовать условия поставки с директором магазина.", True),
        ("请把这个问题交给高层处理。", True),
        ("我想跟你们店长当面谈一下。", True),
        # reports, the writer's own boss or title, praise passed on
        ("The head of billing told me the fee would be waived.", False),
        ("I'm the owner of a small cafe and want a quote.", False),
        ("Please pass my thanks to his team leader, he was great.", False),
        ("Руководитель отдела продаж пообещала мне скидку, она действует?", False),
        ("Мой директор попросил прислать счёт ещё раз.", False),
        ("我们老板让我问一下合同什么时候寄出。", False),
        ("上周我已经跟你们经理沟通过了。", False),
    ],
)
def test_indirect_supervisor_requests(text, want):
    assert ("supervisor_request" in signals(text)) is want


def test_a_polite_or_business_supervisor_request_is_not_hostile():
    # polite request + complaint: unhappy, not angry; a business purpose: a plain request
    assert analyze_message(
        "Could I speak to a supervisor, please? Two agents told me two different prices."
    ).mood in ("negative", "neutral")
    business = "I need to speak to your manager about a corporate order of 50 laptops."
    assert analyze_message(business).mood == "neutral"
    assert analyze_message("请转给你们主管处理，谢谢，客服一直解决不了。").mood == "negative"
    # a bare demand stays angry
    assert analyze_message("Get me your supervisor.").mood == "angry"
    assert analyze_message("Позовите начальника.").mood == "angry"
    # blaming the staff's competence is hostile; not knowing how yourself is not
    assert analyze_message("You people have no clue, honestly.").mood == "angry"
    assert analyze_message("I have no clue how to pair the headphones.").mood != "angry"


# -- urgency: a near deadline in every form --------------------------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("The pharmacy closes in twenty minutes, please confirm the prescription.", True),
        ("Need the invoice before 4 today or the payment bounces.", True),
        ("Can the locksmith come by noon? I'm locked out.", True),
        ("Собеседование через полтора часа, а справки всё нет.", True),
        ("Если в течение пары часов не приедете, рыба испортится.", True),
        ("Нужно получить документ до шести вечера.", True),
        ("还剩半个小时就截单了，帮我看看付款。", True),
        ("一个小时后我就得出门，快递能先送到吗？", True),
        # durations, the past, the service's speed, opening hours
        ("The repair was done in 30 minutes, great job!", False),
        ("I waited two hours on the phone yesterday.", False),
        ("Do you deliver within 2 hours in Leeds?", False),
        ("Курьер приехал через два часа после звонка, всё хорошо.", False),
        ("Вы принимаете до семи вечера?", False),
        ("三个小时前我下了单，能改地址吗？", False),
        ("耳机能用五个小时，正常吗？", False),
    ],
)
def test_near_deadlines(text, want):
    assert ("urgent" in signals(text)) is want


# -- ES4: abuse words about a product are a complaint, not an insult -------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The new checkout is so dumb, I can't find the pay button.",
        "Your chatbot is idiotic, it keeps repeating itself.",
        "Сайт тормозит уже третий день, ничего не грузится.",
        "Это обновление — идиотизм, всё переставили.",
        "这个小程序设计得太蠢了，找不到退款入口。",
    ],
)
def test_abuse_words_about_a_product_are_no_insult(text):
    a = analyze_message(text)
    assert "insult" not in a.signals
    assert a.mood == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Your support people are idiots, and the app is idiotic too.",
        "Ты тормоз, что ли? Третий раз спрашиваю.",
        "你们客服真蠢，跟机器人一样。",
    ],
)
def test_abuse_aimed_at_people_stays_an_insult(text):
    assert "insult" in signals(text)


# -- English mood: typos, dead on arrival, stuck statuses, a fixed problem, "kind of" --------
@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("The blender was dead on arrival, pretty dissapointed.", "negative"),
        ("Tracking still shows 'label created' after a week.", "negative"),
        ("Sort of annoyed that nobody called back.", "negative"),
        ("Kind of frustated with the wait, to be honest.", "negative"),
        # a problem that was fixed, thanks
        ("Your agent sorted my problem in minutes. Thanks a lot!", "positive"),
        ("You've been very kind, thank you!", "positive"),
    ],
)
def test_english_mood_families(text, mood):
    assert analyze_message(text).mood == mood


# -- a negator in the condition does not negate the consequence ("不…就报警") ----------------
def test_a_conditional_threat_is_not_negated():
    assert "legal_threat" in signals("再不给我处理，我就去12315投诉。")
    assert "legal_threat" in signals("不退钱我就报警。")
    # a negated threat stays negated
    assert "legal_threat" not in signals("我不想报警，只想要回我的钱。")


# -- a question after a short lead-in, without a question mark ------------------------------
def test_a_question_after_a_lead_in():
    assert len(analyze_message("Hi, quick one - is the charger included").questions) == 1
    assert len(analyze_message("Ok, do it.").questions) == 0
    assert len(analyze_message("Sure, do it now.").questions) == 0


# -- CQ20: the outcome of the fix asked as a question ---------------------------------------
@pytest.mark.parametrize(
    ("customer", "reply", "want"),
    [
        ("The app crashes.", "Hi! Please reinstall the app. Did the reinstall fix it?", True),
        ("No sound.", "Hi! Please switch Bluetooth off and on. Is the sound back?", True),
        ("Нет звука.", "Здравствуйте! Выключите и включите Bluetooth. Звук появился?", True),
        ("Ошибка при входе.", "Здравствуйте! Очистите кэш. Помогло?", True),
        ("登录报错。", "您好！请清除缓存后重试。报错还会出现吗？", True),
        ("卡顿。", "您好！请重启路由器。现在还卡吗？", True),
        # a question about a fact is no satisfaction check
        ("The app crashes.", "Hi! Did you install it from the store or from a link?", False),
        ("Нет звука.", "Здравствуйте! Кто вам помог настроить наушники?", False),
        ("卡顿。", "您好！您昨天重启过路由器吗？", False),
    ],
)
def test_outcome_questions_are_satisfaction_checks(customer, reply, want):
    assert ("satisfaction_check" in check_reply(customer, reply).present) is want


# -- CQ19: an investigation opened is an offer to find out ----------------------------------
@pytest.mark.parametrize(
    ("customer", "reply", "want"),
    [
        ("Where is it?", "Hi, I don't know yet, but I've raised a trace with the courier.", False),
        ("Где посылка?", "Не знаю пока, но я завела розыск и сообщу вам результат.", False),
        ("包裹在哪？", "您好，我暂时不知道，已经发起调查，第一时间通知您。", False),
        ("Where is it?", "Hi, I don't know where it is.", True),
        ("Где посылка?", "Понятия не имею, где она.", True),
    ],
)
def test_an_investigation_is_an_offer_to_find_out(customer, reply, want):
    assert ("dont_know" in check_reply(customer, reply).violations) is want


# -- CQ3, CQ8, CQ4 -----------------------------------------------------------------------
def test_empathy_deflection_and_explained_terms():
    fee = "I understand that the new fee is frustrating."
    assert "empathy" in check_reply("Prices!", fee).present
    assert "empathy" not in check_reply("Prices!", "I understand why prices change.").present
    assert "empathy" in check_reply("Цены!", "Понимаю, что такое повышение расстраивает.").present
    assert "empathy" not in check_reply("Цены!", "Понимаю ваш вопрос: цены выросли.").present
    assert "deflection" in check_reply("Где?", "Это вопрос курьерской службы, а не наш.").violations
    assert "deflection" in check_reply("在哪？", "这是物流公司的责任，不是我们的。").violations
    ours = "您好，这不是您的问题，是我们的失误，马上补发。"
    assert "deflection" not in check_reply("在哪？", ours).violations
    explained = "您好！需要做3DS认证，也就是输入短信验证码。"
    assert "jargon" not in check_reply("支付失败", explained).violations
    assert "jargon" in check_reply("支付失败", "您好！需要做3DS认证，请重新支付。").violations


# -- RS4: a day and an action ahead; an arrangement made for a day ahead --------------------
@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("您好！明天我们给您补发一台新的。", True),
        ("您好！审核员周四前处理您的申请。", True),
        ("Hi! I've scheduled the engineer for Thursday morning.", True),
        ("Здравствуйте! Я забронировала вам столик на пятницу, 19:00.", True),
        # the past is no next step
        ("您好，周一发的货已经签收了。", False),
        ("Hi, I scheduled it last week as you asked.", False),
        ("Здравствуйте, вас записали на прошлой неделе.", False),
    ],
)
def test_a_day_ahead_is_a_next_step(reply, want):
    assert ("next_steps" in check_reply("?", reply).present) is want


# -- more of the same families: progressive future, regret, hospital, authority, an event ---
@pytest.mark.parametrize(
    ("text", "label", "want"),
    [
        ("See that van here again and I'm slashing its tyres.", "physical_threat", True),
        ("Your courier will end up in hospital, I promise.", "physical_threat", True),
        ("Я этому водителю руки повырываю.", "physical_threat", True),
        ("My dad ended up in hospital, so please redeliver on Monday.", "physical_threat", False),
        ("I'm breaking the payment into two parts, fine?", "physical_threat", False),
        ("Put me through to somebody with real authority.", "supervisor_request", True),
        ("The person with authority over refunds is away, right?", "supervisor_request", False),
        ("发布会半小时后开始，物料还没到！", "urgent", True),
        ("半年后开始涨价吗？", "urgent", False),
    ],
)
def test_more_of_the_families(text, label, want):
    assert (label in signals(text)) is want
