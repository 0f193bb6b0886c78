"""Session 6 of issue 4 (packs/<lang>/families2.toml and the code beside it): single quotes
mark someone else's words; a supervisor request asked as a yes/no question is no demand;
satisfaction checks that ask about the outcome (CQ20); refusing a role as a put-down (CQ18);
"not my concern" (CQ8); Russian obscenities with prefixes.

Every case is new — none is a sentence of the corpus or of a held-out batch — and each family
has a hard negative next to it."""

import pytest

from rapport.coach import analyze_message, check_reply
from rapport.coach.text import quoted_spans


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("My cousin says you're 'crooks', I just want my refund.", ["'crooks'"]),
        ("同事说你们是'骗子'，我觉得不是。", ["'骗子'"]),
        ("В чате вас обозвали 'бездарями', а мне вы помогли.", ["'бездарями'"]),
        ("‘Lazy’ is not how I'd describe them, it's just my parents' view.", ["‘Lazy’"]),
        # apostrophes open nothing
        ("I don't think it's the customers' fault, isn't it?", []),
    ],
)
def test_single_quotes_are_quotes(text, quoted):
    assert [text[a:b] for a, b in quoted_spans(text)] == quoted


@pytest.mark.parametrize(
    "text",
    [
        "My cousin says you're 'crooks', I just want my refund.",
        "同事说你们是'骗子'，我觉得不是。",
    ],
)
def test_a_quoted_insult_is_not_the_writers(text):
    assert "insult" not in analyze_message(text).signals


def test_an_unquoted_insult_still_counts():
    assert "insult" in analyze_message("You're crooks, give me my refund.").signals


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("Позвольте поговорить с кем-то из руководства.", "neutral"),
        ("能找个管事的来吗？", "neutral"),
        ("Can I talk to your manager?", "neutral"),
        # a demand, or a question word: still hostile
        ("Позовите руководителя.", "angry"),
        ("Кто у вас главный? Дайте мне поговорить с руководителем.", "angry"),
        ("Who's your boss? I want to speak to them.", "angry"),
    ],
)
def test_a_supervisor_request_asked_is_no_demand(text, mood):
    a = analyze_message(text)
    assert "supervisor_request" in a.signals
    assert a.mood == mood


@pytest.mark.parametrize(
    "reply",
    [
        "Обновите приложение до версии 5.2. Проблема ушла?",
        "Обновите приложение до версии 5.2. Удачно?",
        "Please reinstall it from the store. Any luck?",
        "Please reinstall it from the store. Did that do the trick?",
        "Please reinstall it from the store. Could you let me know if that fixed it?",
        "Please reinstall it from the store. Has the issue cleared up?",
        "请您重新安装一下应用。现在可以打开了吗？",
        "请您重新安装一下应用。这个方案您接受吗？",
    ],
)
def test_asking_about_the_outcome_is_a_satisfaction_check(reply):
    customer = "应用打不开。" if "请" in reply else "The app won't open."
    assert "satisfaction_check" in check_reply(customer, reply).present


@pytest.mark.parametrize(
    "reply",
    [
        "Please reinstall it from the store. Have you placed more than one order?",
        "请您重新安装一下应用。请问您下单了吗？",
        "Обновите приложение. Какой у вас телефон?",
    ],
)
def test_a_clarifying_question_is_no_satisfaction_check(reply):
    assert "satisfaction_check" not in check_reply("The app won't open.", reply).present


@pytest.mark.parametrize(
    ("reply", "label"),
    [
        ("Мы вам не няньки, следите за заказом сами.", "rudeness"),
        ("Не нравится — идите к конкурентам.", "rudeness"),
        ("We're not your babysitters, track it yourself.", "rudeness"),
        ("Don't like it? Go to a competitor.", "rudeness"),
        ("我又不是你保姆，自己查物流。", "rudeness"),
        ("Ваши проблемы меня не касаются.", "deflection"),
        ("That's not my concern, sorry.", "deflection"),
        ("你的问题跟我有什么关系。", "deflection"),
    ],
)
def test_role_refusals_and_not_my_concern(reply, label):
    assert label in check_reply("Где мой заказ?", reply).violations


@pytest.mark.parametrize(
    "reply",
    [
        "Я вам не звонил, но сейчас позвоню курьеру и всё уточню.",
        "I'm not your account manager, but I'll pass this to her and she'll call you today.",
    ],
)
def test_kind_replies_with_not_your_are_fine(reply):
    r = check_reply("Где мой заказ?", reply)
    assert "rudeness" not in r.violations
    assert "deflection" not in r.violations


@pytest.mark.parametrize("text", ["Да мне нихуя не объяснили.", "Опять всё проебали."])
def test_prefixed_obscenities_are_profanity(text):
    a = analyze_message(text)
    assert any(e["label"] == "profanity" for e in a.evidence)
    assert a.mood in ("negative", "angry")


@pytest.mark.parametrize(
    "reply",
    [
        "Досадно, согласна. Мы уже ищем посылку и напишем завтра.",
        "Вас можно понять. Мы уже ищем посылку и напишем завтра.",
        "What a frustrating situation. We're searching and will write tomorrow.",
        "I'd be upset too in your place. We're searching and will write tomorrow.",
        "换成是谁都会着急。我们正在查找，明天回复您。",
        "遇到这种事确实很闹心。我们正在查找，明天回复您。",
    ],
)
def test_appraising_the_situation_is_empathy(reply):
    assert "empathy" in check_reply("Посылка потерялась!", reply).present


def test_a_frequent_question_is_no_empathy():
    r = check_reply("How do I log in?", "I get that question a lot: tap Sign in at the top.")
    assert "empathy" not in r.present


@pytest.mark.parametrize(
    ("reply", "label"),
    [
        ("Кто ж его знает.", "dont_know"),
        ("Не имею ни малейшего представления.", "dont_know"),
        ("Вы что-то напутали.", "denial"),
        ("Ничего подобного, всё списано верно.", "denial"),
        ("That's simply not true.", "denial"),
        ("您记错了，我们只扣了一次。", "denial"),
    ],
)
def test_dont_know_and_flat_contradiction(reply, label):
    assert label in check_reply("Вы списали лишнее!", reply).violations


@pytest.mark.parametrize(
    "reply",
    [
        "I suspect the graph is nonsense — what do you think of that option?",
        "Если это не так, напишите, и я всё перепроверю.",
    ],
)
def test_disagreeing_with_a_thing_is_no_denial(reply):
    assert "denial" not in check_reply("You overcharged me!", reply).violations


@pytest.mark.parametrize(
    "text",
    [
        "Nightmarish customer service.",
        "The site keeps timing out.",
        "My package is not here.",
        "Приложение постоянно выкидывает.",
        "Тариф подняли без предупреждения.",
        "客服电话一直没人接，投诉也石沉大海。",
    ],
)
def test_service_failures_are_unhappy(text):
    assert analyze_message(text).mood in ("negative", "angry")


@pytest.mark.parametrize(
    "text",
    [
        "Calm down, I'll wait — the price is down to $20 now, great!",
        "Ужасно рада, что всё пришло!",
    ],
)
def test_their_hard_negatives_stay_positive(text):
    assert analyze_message(text).mood == "positive"


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("Сколько стоит срочная доставка?", False),
        ("加急服务多少钱？", False),
        ("How much does urgent delivery cost?", False),
        ("Срочно нужна доставка до вечера, сколько это будет стоить?", True),
        ("I need it urgently by 5pm — how much would that cost?", True),
    ],
)
def test_an_express_service_named_in_a_price_question_is_no_urgency(text, urgent):
    assert ("urgent" in analyze_message(text).signals) is urgent


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Your manager promised a callback yesterday.", False),
        ("你们经理昨天说会回电话，到现在也没有。", False),
        ("Я уже говорила с руководителем, он сказал ждать.", False),
        ("I already spoke to a supervisor and she said to wait.", False),
        # a demand beside a past contact stays a demand
        ("Я уже говорила с оператором, дайте руководителя.", True),
        ("叫你们主管出来，我昨天就说过了！", True),
        ("Get me a supervisor, I already spoke to two agents.", True),
        ("I want to talk to your manager, the agent said no.", True),
    ],
)
def test_a_past_contact_with_a_manager_is_no_request(text, asks):
    assert ("supervisor_request" in analyze_message(text).signals) is asks


def test_a_complaint_to_management_is_no_legal_threat():
    a = analyze_message("I'd like to file a complaint with management about the agent.")
    assert "legal_threat" not in a.signals
    assert "legal_threat" in analyze_message("I will file a complaint with the FTC.").signals


def test_well_known_carriers_are_no_jargon_but_internal_terms_are():
    assert (
        "jargon"
        not in check_reply("Где посылка?", "Посылка у СДЭК, трек-номер в письме.").violations
    )
    r = check_reply(
        "Почему отказали?", "Отказ из-за скоринга: ПДН выше порога, а в БКИ есть просрочка."
    )
    assert "jargon" in r.violations


def test_much_appreciated_is_politeness():
    r = check_reply("Where's my order?", "Much appreciated, it's on its way and arrives tomorrow.")
    assert "politeness" in r.present


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("Мне бы узнать про тариф для пенсионеров.", 1),
        ("Not sure if this is the right place, but how do I reset my password?", 1),
        ("Not sure whether I should wait or reorder?", 1),
    ],
)
def test_implicit_questions_and_hedges(text, n):
    assert len(analyze_message(text).questions) == n


@pytest.mark.parametrize(
    ("text", "insult"),
    [
        ("Вы там все с головой не дружите?", True),
        ("Поддержка у вас — сборище дилетантов.", True),
        ("Работают одни неумехи.", True),
        ("You lot are a bunch of amateurs.", True),
        # self-criticism and a product's design are no insult
        ("I'm such an idiot, I typed the wrong address.", False),
        ("我真是个笨蛋，地址写错了。", False),
        ("这个设计真蠢。", False),
        ("I'm talking to an idiot, clearly.", True),
        ("你们客服真是个笨蛋。", True),
    ],
)
def test_insult_families_and_self_criticism(text, insult):
    assert ("insult" in analyze_message(text).signals) is insult
