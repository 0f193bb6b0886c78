"""Session 7 of issue 4 (packs/<lang>/families3.toml and the code beside it): a vague time that
dates the customer's own plans (CQ2); a time of receipt is no deadline; a threat to someone's
face is no insult (ES4); a request for a more experienced specialist; implicit questions with
"whether" and two questions about one thing; outcome and convenience questions (CQ20); "don't
like it, don't buy it" and "everyone else waits" (CQ18); "ask accounting" (CQ8); "you must have
misunderstood" (CQ7); "you must be disappointed" (CQ3) and a question about what let the
customer down (no empathy); "I don't know yet, but I'll ask" (CQ19); abbreviations are no
shouting; common technical abbreviations are no jargon (CQ4).

Every case is new — none is a sentence of the corpus or of a held-out batch — and each family
has a hard negative next to it."""

import pytest

from rapport.coach import analyze_message, check_reply


# -- CQ2: own plans ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "We're relocating soon, how can I change the billing address?",
        "I'm starting a new job soon. Can I move my delivery day to Saturday?",
        "У меня скоро командировка, можно ли приостановить подписку?",
        "Мы скоро переезжаем — как перенести договор на новый адрес?",
        "我过两天要出差，订阅可以先暂停吗？",
        "过段时间我要换手机号，怎么改绑定？",
    ],
)
def test_soon_about_own_plans_is_no_vague_time(text):
    assert "vague_time" not in analyze_message(text).signals


@pytest.mark.parametrize(
    "text",
    [
        # the request is tied to that time: the agent must ask when
        "We're flying out soon, will it arrive before then?",
        "Я скоро уезжаю в отпуск, успеете починить до отъезда?",
        "过几天我就搬家了，能在那之前送到吗？",
        # a vague time for the company's own action is still one
        "Please sort my refund out soon.",
        "Верните деньги поскорее, пожалуйста.",
        "麻烦早点给我退款。",
    ],
)
def test_a_vague_time_tied_to_the_request_stays(text):
    assert "vague_time" in analyze_message(text).signals


# -- urgency: a time of receipt is no deadline --------------------------------------------
def test_a_time_of_receipt_is_no_deadline():
    assert (
        "urgent" not in analyze_message("Received the new charger this morning, all good.").signals
    )
    assert "urgent" in analyze_message("It has to be here by noon today, please.").signals
    assert "urgent" in analyze_message("If the router isn't fixed today I lose a client.").signals


# -- ES4: a threat to someone's face is a threat, not an insult ------------------------------
def test_a_face_threat_is_no_insult():
    a = analyze_message("Ещё одно смс от вас — и вашему курьеру я рожу начищу.")
    assert "physical_threat" in a.signals or "insult" not in a.signals
    assert "insult" not in a.signals
    assert "insult" in analyze_message("Ваш оператор — морда наглая.").signals


# -- supervisor: someone more experienced ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Could you put me through to someone more knowledgeable? This is going nowhere.", True),
        ("Is there an experienced technician I could talk to?", True),
        ("Переключите на более опытного специалиста, пожалуйста.", True),
        ("能不能换个有经验的工程师来处理？", True),
        # praise of an experienced person is no request
        ("Your technician was very experienced and fixed it in minutes.", False),
        ("Ваш специалист очень опытный, спасибо ему.", False),
    ],
)
def test_a_more_experienced_specialist_is_someone_senior(text, want):
    assert ("supervisor_request" in analyze_message(text).signals) is want


def test_a_relative_who_does_not_make_a_request_a_demand():
    a = analyze_message("Is there a senior engineer who could take a look, please?")
    assert "supervisor_request" in a.signals
    assert a.mood != "angry"


# -- questions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("I'd like to check whether the warranty covers the battery.", 1),
        ("Just confirming if you got my documents.", 1),
        ("I wonder if the store on Main Street has it in stock.", 1),
        # two questions about one thing, with different question words
        ("会员怎么续费？续费会自动扣款吗？", 2),
        ("我想换套餐，怎么办理？费用能退吗？", 2),
        ("How do I reset the router, and will I lose my settings?", 2),
        # one question said twice is still one
        ("Где мой заказ? Где мой заказ 5521?", 1),
        # consulting a lawyer is no question; an exclamation with "不懂" neither
        ("我已经咨询过律师了，你们自己掂量。", 0),
        ("讲了好几遍了还是不懂！", 0),
        ("I'd like to thank the courier.", 0),
    ],
)
def test_question_counts(text, n):
    assert len(analyze_message(text).questions) == n


# -- CQ20: outcome and convenience questions -------------------------------------------------
@pytest.mark.parametrize(
    ("customer", "reply", "want"),
    [
        (
            "Не могу войти.",
            "Сбросьте, пожалуйста, пароль по ссылке. Теперь получается войти?",
            True,
        ),
        ("Заказ не тот.", "Курьер заберёт его в пятницу. Такой день вам подходит?", True),
        ("无法支付。", "请更新到最新版本后再试。现在可以正常支付了吗？", True),
        (
            "I can't log in.",
            "Please reset your password with the link. Is Friday convenient for you?",
            True,
        ),
        ("Wrong item.", "The courier will pick it up on Friday. Would that work?", True),
        # a clarifying question is no satisfaction check
        ("Заказ не тот.", "Курьер заберёт его в пятницу. Какой адрес указать?", False),
        (
            "Wrong item.",
            "The courier will pick it up on Friday. Anything else I can help with?",
            False,
        ),
        ("无法支付。", "请更新到最新版本后再试。还有其他问题吗？", False),
    ],
)
def test_outcome_and_convenience_questions(customer, reply, want):
    assert ("satisfaction_check" in check_reply(customer, reply).present) is want


# -- CQ18 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "rude"),
    [
        ("Тарифы у нас фиксированные. Не нравится — не пользуйтесь.", True),
        ("Shipping costs what it costs. Don't like it, then don't order.", True),
        ("There are other people in line. Everybody else waits patiently.", True),
        ("Другие клиенты как-то спокойно ждут своей очереди.", True),
        ("别人都能等，就你事多。", True),
        # sincere wording about a queue or a price is not rude
        ("There are other people in line; you're third, about ten minutes.", False),
        ("Если тариф не подходит, могу подобрать другой — дешевле на 20%.", False),
        # abbreviations are jargon, not shouting
        ("Your card failed the CVV2 and AVS checks at the PSP, so the ACS declined it.", False),
        ("PLEASE READ the message before replying.", True),
    ],
)
def test_put_downs_and_shouting(reply, rude):
    assert ("rudeness" in check_reply("Why?", reply).violations) is rude


# -- CQ8 / CQ7 / CQ3 / CQ19 ----------------------------------------------------------------------
def test_ask_accounting_is_deflection():
    assert "deflection" in check_reply("Why two charges?", "Not sure. Ask billing.").violations
    assert "deflection" in check_reply("为什么扣两次？", "这个您去问财务。").violations
    # the agent asks them: a follow-up, not a hand-off
    assert (
        "deflection"
        not in check_reply("Why two charges?", "I'll ask billing and write back by 3pm.").violations
    )
    assert (
        "deflection"
        not in check_reply("为什么扣两次？", "我马上去问财务，下午三点前回复您。").violations
    )


@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("Вы, видимо, неправильно поняли условия.", True),
        ("您一定是误会我们的意思了。", True),
        ("You have misunderstood the terms.", True),
        # the agent owns the misunderstanding
        ("Простите, мы не так поняли вашу просьбу.", False),
        ("抱歉，是我们没说清楚，让您误会了。", False),
        ("If you misunderstood the terms, that's on us for wording them badly.", False),
    ],
)
def test_you_misunderstood_is_denial(reply, want):
    assert ("denial" in check_reply("Вы обманули.", reply).violations) is want


@pytest.mark.parametrize(
    ("customer", "reply", "want"),
    [
        (
            "The gift came late!",
            "You must feel really let down — and you must be upset. I'm sorry.",
            True,
        ),
        ("礼物晚到了！", "您肯定很着急，真的很抱歉。", True),
        ("Подарок опоздал!", "Вы наверняка очень огорчены, простите нас.", True),
        # asking what disappointed them acknowledges nothing
        ("The gift came late!", "Which part of the order disappointed you?", False),
        ("礼物晚到了！", "请问是哪方面让您不满意呢？", False),
        ("Подарок опоздал!", "Что именно вас не устроило?", False),
    ],
)
def test_naming_the_feeling_is_empathy(customer, reply, want):
    assert ("empathy" in check_reply(customer, reply).present) is want


@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("我暂时不知道原因，我这就去问技术部，两小时内给您答复。", False),
        ("Пока не знаю, в чём дело, но выясню у склада и напишу вам сегодня.", False),
        ("I don't know yet, but let me ask the warehouse and I'll let you know today.", False),
        # no offer to find out
        ("我也不知道，您去问快递吧。", True),
        ("Не знаю. Уточните у курьера.", True),
        ("I don't know, try the courier.", True),
    ],
)
def test_dont_know_with_an_offer_to_find_out(reply, want):
    assert ("dont_know" in check_reply("Where is it?", reply).violations) is want


@pytest.mark.parametrize(
    "reply",
    [
        "Please switch off the VPN and try again.",
        "Отключите VPN и подключитесь по Wi-Fi.",
        "请关闭VPN，再用Wi-Fi试一次。",
    ],
)
def test_common_technical_abbreviations_are_no_jargon(reply):
    assert "jargon" not in check_reply("Не работает.", reply).violations


# -- CQ2: a calendar event that is near is context too ----------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Скоро праздники — вы будете работать в выходные?",
        "快到春节了，你们还发货吗？",
        "My daughter's graduation is coming up soon; do you do gift wrapping?",
        "At some point we'd like to add a second line — what would it cost?",
    ],
)
def test_a_near_event_is_no_vague_time_or_urgency(text):
    a = analyze_message(text)
    assert "vague_time" not in a.signals
    assert "urgent" not in a.signals


# -- ES4: an insult reported from others, without quotes --------------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("На форуме пишут, что вы мошенники. Это так?", False),
        ("听说你们是骗子，真的假的？", False),
        ("I read online that you're scammers — should I be worried?", False),
        # the writer takes it up, or says it themselves
        ("Все говорят, что вы мошенники, и правильно говорят.", True),
        ("网上说你们是骗子，果然没错。", True),
        ("You're scammers, and everyone knows it.", True),
    ],
)
def test_a_reported_insult_is_not_the_writers(text, want):
    assert ("insult" in analyze_message(text).signals) is want


# -- CQ20: inviting a report if it did not work; outcome questions ------------------------------
@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("Я отправила ссылку ещё раз. Сообщите, пожалуйста, если опять не откроется.", True),
        ("Я отправила ссылку ещё раз. Дайте знать, получилось ли войти.", True),
        ("I've sent the link again. Let us know if it still doesn't open.", True),
        ("I've sent the link again. Did it come through?", True),
        ("链接已重新发送。问题解决了没有？", True),
        # asking for information is no satisfaction check
        ("Я отправила ссылку ещё раз. Напишите, пожалуйста, если не сложно, номер заказа.", False),
        ("I've sent the link again. Let me know your order number.", False),
        ("链接已重新发送。请问您的订单号是多少？", False),
    ],
)
def test_inviting_a_report_is_a_satisfaction_check(reply, want):
    assert ("satisfaction_check" in check_reply("Ссылка не работает.", reply).present) is want


def test_we_will_check_right_away_is_a_next_step():
    assert "next_steps" in check_reply("退款呢？", "您好，请发一下订单号，我这就去查。").present
    assert "next_steps" not in check_reply("退款呢？", "您好，请问您的订单号是多少？").present


# -- hard negatives of threats and supervisor requests --------------------------------------
@pytest.mark.parametrize(
    ("text", "label", "want"),
    [
        ("Моя сестра адвокат, она посмотрела договор — всё в порядке.", "legal_threat", False),
        ("我同学是律师，他看过合同了，没问题。", "legal_threat", False),
        ("Мой брат адвокат, и мы подадим на вас в суд.", "legal_threat", True),
        ("Эти задержки меня убивают, но подожду.", "physical_threat", False),
        ("Ещё раз позвоните — убью.", "physical_threat", True),
        (
            "Please let your supervisor know I was really impressed with Anna.",
            "supervisor_request",
            False,
        ),
        ("Send my compliments to the manager, the fitter was great.", "supervisor_request", False),
        ("Tell your manager to call me back today.", "supervisor_request", True),
    ],
)
def test_threat_and_supervisor_hard_negatives(text, label, want):
    assert (label in analyze_message(text).signals) is want


def test_owning_the_misunderstanding_is_no_denial():
    assert (
        "denial"
        not in check_reply(
            "Вы ошиблись.", "Извините, мы вас неправильно поняли — сейчас исправим."
        ).violations
    )
    assert "denial" in check_reply("Вы ошиблись.", "Вы неправильно поняли условия.").violations


# -- round 2: condescension (CQ18) and empathy by "I can see why" (CQ3) ------------------------
@pytest.mark.parametrize(
    ("reply", "rude"),
    [
        ("Ведёте себя как маленький, потерпите до завтра.", True),
        ("Patience clearly isn't your strong suit.", True),
        ("您这跟小孩似的，再等等吧。", True),
        # a child named sincerely
        ("Подарок для ребёнка привезём завтра до 12:00.", False),
        ("The child seat will arrive tomorrow.", False),
    ],
)
def test_condescension_is_rude(reply, rude):
    assert ("rudeness" in check_reply("Where is it?", reply).violations) is rude


@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("I can understand why that's so frustrating. It ships today.", True),
        ("Понимаю, почему вас это так расстраивает. Отправим сегодня.", True),
        ("能理解您为什么着急，今天就发货。", True),
        # "sounds good" is no feeling
        ("That sounds good to me, it ships today.", False),
    ],
)
def test_seeing_why_it_upsets_is_empathy(reply, want):
    assert ("empathy" in check_reply("It's late again!", reply).present) is want


@pytest.mark.parametrize(
    ("text", "n"),
    [
        # the two halves of an alternative question are one question
        ("Can I still cancel, or has it shipped already?", 1),
        ("Можно оплатить картой или только наличными?", 1),
        ("这个是退款还是换货？", 1),
        # "and" joins a second question
        ("Can I still cancel, and how long does the refund take?", 2),
    ],
)
def test_an_alternative_question_is_one(text, n):
    assert len(analyze_message(text).questions) == n
