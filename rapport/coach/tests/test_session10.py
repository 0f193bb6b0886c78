"""Session 10 of issue 4 (packs/<lang>/families6.toml and the code beside it), from blind batch
9's gaps generalised to constructions (docs/coach.md, "Figures … session 9, pass 10").

Every case is new — none is a sentence of the corpus or of a held-out batch — and each family
has a hard negative next to it."""

import pytest

from rapport.coach import analyze_message, check_reply


def signals(text: str) -> list[str]:
    return analyze_message(text).signals


def violations(customer: str, reply: str) -> list[str]:
    return check_reply(customer, reply).violations


# -- CQ18: put-downs by construction -----------------------------------------------------
@pytest.mark.parametrize(
    "customer, reply",
    [
        ("Опять опоздали.", "Не надо на меня кричать, я с первого раза всё поняла."),
        ("Где заказ?", "Забыла, что вы у нас единственный клиент."),
        ("Позовите руководителя.", "У руководителя есть дела поважнее, чем это читать."),
        ("Почему такая комиссия?", "Не нравится — не пользуйтесь."),
        ("Экран треснул сам.", "Не надо из нас дураков делать."),
        ("Why is it late?", "There's no need to yell at me. I heard you the first time."),
        ("Why is the site down?", "Sorry, I forgot you're the only person we serve."),
        ("Get me your manager.", "Our team lead has better things to do than read this all day."),
        ("Why did it break?", "Do I look like a mind reader?"),
        ("Why this fee?", "Don't like it? Then don't use it."),
        ("It arrived cracked.", "Nice story, but don't try to con us."),
        ("怎么还没到？", "哟，就您最急，后面还有人排队呢。"),
        ("为什么坏了？", "你问得也太奇怪了。"),
        ("这个功能太难用了。", "不爱用别用。"),
        ("屏幕怎么裂了？", "别想讹我们，监控都拍着呢。"),
        ("叫你们经理来。", "经理没空听这些。"),
    ],
)
def test_put_downs_by_construction_are_rudeness(customer, reply):
    assert "rudeness" in violations(customer, reply)


@pytest.mark.parametrize(
    "customer, reply",
    [
        ("Как сменить тариф?", "Кричать в трубку не нужно — просто нажмите 1, и вас соединят."),
        ("Перезвоните.", "У вас наверняка есть дела поважнее, поэтому мы перезвоним в 15:00."),
        ("Где старый дизайн?", "Если не нравится новый дизайн, старый можно вернуть в настройках."),
        (
            "Can someone call me?",
            "You've got better things to do than wait on hold, so we'll call you back at 3pm.",
        ),
        (
            "Where's the old layout?",
            "If you don't like the new layout, switch back to the old one in Settings.",
        ),
        ("Is this a scam?", "If anyone tries to scam you, report it to us."),
        ("能退吗？", "不喜欢的话可以七天无理由退货。"),
        ("这个问题问得对吗？", "您问得很好，我来解释一下。"),
        ("陌生电话要我转账。", "陌生人想骗您转账的话，请直接挂断。"),
        ("经理呢？", "经理今天没空，明天给您回电。"),
    ],
)
def test_sincere_twins_of_the_put_downs_are_not_rudeness(customer, reply):
    assert "rudeness" not in violations(customer, reply)


# -- CQ7: denial — telling the customer what they did or forgot ----------------------------
@pytest.mark.parametrize(
    "customer, reply",
    [
        ("Я не оформлял подписку!", "Вы просто не помните, заявка есть в системе."),
        ("Он сам сломался.", "Это вы его разбили, по сколам видно."),
        ("I never signed up!", "You did sign up, the confirmation is right here."),
        ("I never ordered it.", "You've simply forgotten, it's on your account."),
        ("It broke by itself.", "You broke it, the dents prove it."),
        ("我没订过这个。", "您自己忘了，记录里写着呢。"),
    ],
)
def test_telling_the_customer_what_they_did_is_denial(customer, reply):
    assert "denial" in violations(customer, reply)


@pytest.mark.parametrize(
    "customer, reply",
    [
        ("Не помню пароль.", "Если вы не помните пароль, нажмите «Восстановить»."),
        ("I forgot my password.", "If you've forgotten your password, tap Reset."),
        ("Is the damage covered?", "If you broke it, accidental damage cover applies."),
        ("Which email did I use?", "Did you sign up with your work email? I can check both."),
        ("忘记密码了。", "如果您忘了密码，请点击找回。"),
    ],
)
def test_conditions_and_questions_are_no_denial(customer, reply):
    assert "denial" not in violations(customer, reply)


# -- CQ8: deflection — the problem belongs to someone else -------------------------------
@pytest.mark.parametrize(
    "customer, reply",
    [
        ("Курьер нагрубил.", "Это их проблемы, а не наши."),
        ("Why won't you refund?", "That's the bank's problem, not ours."),
        ("Can you change my seat?", "Sorry, that's down to your airline."),
        ("Refund my ticket.", "We're only the marketplace. Not something we handle."),
        ("快递态度太差了。", "快递那是他们的事，我们管不着。"),
        ("空调坏了。", "维修归工程部管，跟我们前台没关系。"),
    ],
)
def test_disowning_the_problem_is_deflection(customer, reply):
    assert "deflection" in violations(customer, reply)


@pytest.mark.parametrize(
    "customer, reply",
    [
        (
            "Where was my parcel?",
            "The delay was down to the courier, so I've claimed compensation for you.",
        ),
        ("屏幕进水了。", "是您自己进水弄坏的，跟我们保修条款里写的一样，可以付费维修。"),
    ],
)
def test_a_cause_with_a_follow_up_is_no_deflection(customer, reply):
    assert "deflection" not in violations(customer, reply)


# -- ES: supervisor requests ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Мне нужен начальник смены.",
        "Позовите администратора зала, немедленно.",
        "Put me through to your shift manager right now!",
        "I demand the head of customer relations calls me today.",
        "你们店长在哪？赶紧给我叫过来！",
        "把你们主管叫出来！",
    ],
)
def test_demanding_a_person_in_charge_is_a_supervisor_request(text):
    assert "supervisor_request" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Я начальник отдела закупок, нужен счёт на оплату.",
        "Начальник смены сказал, что посылка придёт завтра, это так?",
        "Can you send my account manager's email?",
        "我的客户经理在哪个网点？",
        "那我等产品经理的回复吧。",
    ],
)
def test_own_titles_reports_and_account_managers_are_no_request(text):
    assert "supervisor_request" not in signals(text)


# -- ES4/ES5: physical threats — weapons, crowds, wrecking the premises, throwing ----------
@pytest.mark.parametrize(
    "text",
    [
        "Если ещё раз так сделаете, приеду и разгромлю ваш салон.",
        "Приду к вам с битой, так и знайте.",
        "Ещё раз позвоните — повыбиваю вам стёкла.",
        "Keep me waiting again and I'm bringing a hammer to your counter.",
        "I'll come down with the lads and we'll smash your shop to bits.",
        "Next time I'll throw your driver down the stairs.",
        "再不退钱我就把你们店砸了。",
    ],
)
def test_threats_to_people_and_premises_are_physical_threats(text):
    assert "physical_threat" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Грузчики спустили диван с лестницы и поцарапали его, как быть?",
        "Курьер разбил стекло в коробке, верните деньги.",
        "I'll come to the store with a friend to collect it.",
        "Please don't throw the parcel over the fence.",
        "抽奖活动砸金蛋砸到的券怎么用？",
    ],
)
def test_past_damage_errands_and_promotions_are_no_threat(text):
    assert "physical_threat" not in signals(text)


# -- ES: legal threats — a crime already reported, a person called Sue -------------------
@pytest.mark.parametrize(
    "text",
    [
        "У меня украли кошелёк, в полицию я уже обратился. Как заблокировать карту?",
        "我的手机被偷了，已经报过案了，怎么补卡？",
        "Hi, Sue here from the clinic, can you resend the invoice?",
    ],
)
def test_reported_thefts_and_names_are_no_legal_threat(text):
    assert "legal_threat" not in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Я обращусь в полицию, вы мошенники!",
        "我已经报警了，你们等着吧！",
        "I will sue you for this.",
    ],
)
def test_threats_of_police_and_court_stay_legal_threats(text):
    assert "legal_threat" in signals(text)


# -- CQ4: jargon — shouting, flight numbers, the software team's words --------------------
@pytest.mark.parametrize(
    "reply",
    [
        "Я ВАМ УЖЕ ТРИ РАЗА ОТВЕТИЛА. Читайте внимательнее.",
        "Я переоформила вас на рейс SU 1402 в 19:40, посадочный пришлю на почту.",
        "I've rebooked you on BA 117 tomorrow; your boarding pass is in your inbox.",
        "已为您改签到MU5101，登机口稍后短信通知。",
        "您的工单我会亲自跟进，明天上午给您回电。",
    ],
)
def test_shouting_flight_numbers_and_own_tickets_are_not_jargon(reply):
    assert "jargon" not in violations("", reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Проверьте статус в CRM 2 — там всё видно.",
        "Your case is with L2 now.",
        "请走工单流程。",
        "这个功能已经排期了，下个迭代上线。",
        "Фича в бэклоге, выйдет после спринта.",
        "It's in the backlog for the next sprint.",
    ],
)
def test_internal_codes_and_the_software_teams_words_stay_jargon(reply):
    assert "jargon" in violations("", reply)


@pytest.mark.parametrize(
    "reply, jargon",
    [
        ("请寄到广州市白云区XX路88号，收件人写“退货组”。", False),
        ("Отправьте на адрес: ул. ХХ, д. 5, получатель — склад возвратов.", False),
        ("请寄到我们的RDC，收件人写“退货组”。", True),
    ],
)
def test_an_address_placeholder_is_no_jargon(reply, jargon):
    assert ("jargon" in violations("", reply)) is jargon


# -- urgency and vague times --------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Нужна выписка для банка, собеседование завтра в 9. Успеете сегодня?",
        "我明天下午要去面试，需要在职证明，今天能开吗？",
        "THE HEATING IS OFF AGAIN. SEND SOMEONE TONIGHT!",
    ],
)
def test_an_appointment_tomorrow_or_capitals_with_today_are_urgent(text):
    assert "urgent" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Хочу оформить срочный депозит, какая ставка?",
        "Вопрос несрочный: как поменять тариф?",
        "Завтра у меня собеседование, перенесите доставку на пятницу.",
        "明天要去面试，能不能改到后天送货？",
        "Is there an urgent care clinic near your store?",
        "The parcel came today, thanks!",
    ],
)
def test_term_deposits_clinics_and_rescheduling_are_not_urgent(text):
    assert "urgent" not in signals(text)


@pytest.mark.parametrize(
    "text, vague",
    [
        ("Планирую купить в течение недели-двух, будет в наличии?", True),
        ("我们打算年底左右续费，现在有优惠吗？", True),
        ("Посылка пришла раньше, чем обещали, спасибо!", False),
    ],
)
def test_approximate_spans_are_vague_and_praise_of_the_past_is_not(text, vague):
    assert ("vague_time" in signals(text)) is vague


# -- CQ3 empathy and RS4 next steps --------------------------------------------------------
@pytest.mark.parametrize(
    "reply, empathy",
    [
        ("Понимаю, как утомительно ждать мастера весь день. Он приедет завтра к 10.", True),
        ("Понимаю, вы хотите вернуть пылесос. Создайте заявку в разделе «Заказы».", False),
        ("我理解排了这么久的队一定很心烦，师傅明天上午到。", True),
        ("我理解这个流程，稍后回复您。", False),
        ("That must have been so frustrating. I'll refund the fee today.", True),
        ("That dent must have been there before delivery.", False),
    ],
)
def test_understanding_with_a_feeling_is_empathy_and_of_a_request_is_not(reply, empathy):
    assert ("empathy" in check_reply("", reply).present) is empathy


@pytest.mark.parametrize(
    "reply, steps",
    [("您好，建议您先重启一下路由器。", True), ("您的建议我们收到了，谢谢。", False)],
)
def test_advice_to_act_is_a_next_step(reply, steps):
    assert ("next_steps" in check_reply("", reply).present) is steps


@pytest.mark.parametrize(
    "text, insult",
    [
        ("Incompetent, the lot of you!", True),
        ("Clueless, all of you.", True),
        ("Thanks, the lot of you were really helpful.", False),
        ("The app is useless for all of you who use Android? Just asking.", False),
    ],
)
def test_an_abuse_word_at_the_whole_company_is_an_insult(text, insult):
    assert ("insult" in signals(text)) is insult
