"""Complaints without complaint words, insults by lemma, and the reply phrasings added for
issue 4's quality pass — each with its hard negatives (ES1, ES4, CQ7, CQ8, CQ18, RS4)."""

import pytest

from rapport.coach import analyze_message, check_reply


def mood(text):
    return analyze_message(text).mood


def signals(text):
    return analyze_message(text).signals


class TestMalfunctionVerbs:
    """A device or service verb with a negator right before it is a complaint (ES1)."""

    @pytest.mark.parametrize(
        "text",
        [
            "Телевизор не включается после обновления.",
            "На даче вообще не ловит связь.",
            "Смс от банка не поступают.",
            "手机充不进电了。",
            "电话一直打不通。",
            "电脑开不了机。",
            "It does not switch on.",
            "My kettle won't turn on.",
            "I can't log in since the update.",
            "The app won't load.",
        ],
    )
    def test_a_negated_device_verb_is_negative(self, text):
        assert mood(text) == "negative"

    @pytest.mark.parametrize(
        "text",
        [
            "Не могли бы вы открыть мне доступ к кабинету?",
            "I don't want to open a new account, can I reactivate the old one?",
            "Don't hesitate to call me if you need the serial number.",
            "Подскажите, как включить уведомления?",
            "How do I turn on notifications?",
            "请问怎么开机？",
        ],
    )
    def test_a_request_with_the_same_verbs_is_neutral(self, text):
        assert mood(text) == "neutral"

    @pytest.mark.parametrize(
        "text", ["Не проблема, подожду.", "没问题，我可以等。", "Not a problem, I can wait."]
    )
    def test_a_negated_problem_is_still_reassurance(self, text):
        assert mood(text) == "positive"


class TestDamageAndComplaints:
    @pytest.mark.parametrize(
        "text",
        [
            "Посылка пришла порванная.",
            "Коробка пришла помятая, упаковка вскрыта.",
            "Уже третий день без интернета.",
            "The parcel arrived torn.",
            "Still on hold after forty minutes.",
            "This is not acceptable.",
            "外卖两个多小时才送到。",
            "味道一般般，不会再点了。",
        ],
    )
    def test_unhappy_messages_are_not_neutral(self, text):
        assert mood(text) == "negative"

    def test_an_arrival_is_good_news_only_when_intact(self):
        assert mood("Посылка пришла, всё целое, спасибо!") == "positive"
        assert mood("Посылка пришла порванная.") == "negative"

    def test_what_follows_but_decides(self):
        assert mood("菜做得很好，可是送餐太慢了。") == "negative"

    def test_profanity_alone_is_not_neutral(self):
        assert mood("Сеть опять хрен пойми что, блин, хуже некуда. Хер знает") != "neutral"
        assert mood("Damn it.") == "negative"

    def test_a_one_word_question_asks_for_agreement(self):
        text = "У меня суд в пятницу, поэтому заберу заказ в понедельник. Хорошо?"
        assert mood(text) == "neutral"
        assert signals(text) == []  # a court date is not a legal threat


class TestPoliteCourtDates:
    @pytest.mark.parametrize(
        "text",
        [
            "У меня заседание суда в среду, можно ли перенести доставку на четверг?",
            "我下周三要去法院开庭，能不能把快递改到周四送？",
            "I have a court hearing on Thursday, so could you deliver on Friday instead?",
        ],
    )
    def test_no_legal_threat_and_no_bad_mood(self, text):
        a = analyze_message(text)
        assert "legal_threat" not in a.signals
        assert a.mood == "neutral"


class TestRussianInsults:
    @pytest.mark.parametrize(
        "text",
        [
            "Ваши сотрудники — подонки и хамло.",
            "Ну вы и дятлы, опять перепутали адрес!",
            "Ваш оператор — тормоз.",
            "Он долбоеб.",
        ],
    )
    def test_abuse_at_people_is_an_insult(self, text):
        assert "insult" in signals(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Дятел стучит по дереву у нас во дворе.",
            "Заказ тормозит уже неделю.",
            "Мне звонили мошенники от вашего имени.",
            "Купила роспись под хохлому, пришла с трещиной.",
        ],
    )
    def test_the_same_words_not_at_people_are_not(self, text):
        assert "insult" not in signals(text)


def report(customer, reply):
    return check_reply(customer, reply)


class TestReplyPhrasings:
    @pytest.mark.parametrize(
        ("customer", "reply", "label"),
        [
            ("Почему не приходят смс?", "Это не по моей части, пишите в банк.", "deflection"),
            ("为什么退款还没到？", "那是银行的问题，跟我说也没用。", "deflection"),
            ("Why hasn't my refund arrived?", "That's the bank's problem.", "deflection"),
            ("Вы списали лишнее!", "Вы что-то путаете, всё списано верно.", "denial"),
            ("你们扣错钱了！", "是您自己操作错了。", "denial"),
            ("You charged me twice!", "You're simply wrong, we charged you once.", "denial"),
            ("Где заказ?", "Я вам уже объяснял: заказ в пути.", "rudeness"),
            ("订单在哪里？", "我都说了，已经发货了，别激动。", "rudeness"),
            ("Where is my order?", "As I already told you, it's shipped. Calm down.", "rudeness"),
        ],
    )
    def test_the_violation_is_found(self, customer, reply, label):
        assert label in report(customer, reply).violations

    @pytest.mark.parametrize(
        ("customer", "reply"),
        [
            (
                "Сколько ждать мастера?",
                "Здравствуйте! Мастер приедет завтра с 10 до 12. Если что-то непонятно, "
                "напишите, пожалуйста.",
            ),
            ("怎么修改地址？", "您好！请在“我的订单”里修改地址。如有不懂的地方，请随时联系我们。"),
            (
                "How do I change my address?",
                "Hi! Open Settings → Address. Let me know if you don't understand any step.",
            ),
        ],
    )
    def test_an_offer_to_explain_is_no_denial(self, customer, reply):
        r = report(customer, reply)
        assert not {"denial", "rudeness", "deflection"} & set(r.violations)

    def test_a_sarcastic_order_is_not_a_next_step(self):
        r = report("Где мой заказ?", "Я вам уже объяснял. Читайте внимательнее.")
        assert "rudeness" in r.violations
        assert "next_steps" not in r.present

    def test_would_that_help_checks_satisfaction(self):
        r = report("Why did my bill go up?", "I can move you to a cheaper plan. Would that help?")
        assert "satisfaction_check" in r.present


class TestMildProfanityAndDemands:
    @pytest.mark.parametrize(
        "text", ["Damn, the charger stopped working again.", "Блин, опять смс не приходят."]
    )
    def test_venting_is_unhappy_not_angry(self, text):
        assert mood(text) == "negative"

    def test_strong_profanity_is_still_angry(self):
        assert mood("What the fuck, the charger stopped working again.") == "angry"

    @pytest.mark.parametrize(
        "text", ["Позовите начальника смены.", "Get me your manager.", "我要找你们经理。"]
    )
    def test_a_bare_demand_for_a_manager_is_angry(self, text):
        a = analyze_message(text)
        assert a.signals == ["supervisor_request"]
        assert a.mood == "angry"

    @pytest.mark.parametrize(
        "text",
        [
            "Можно ли поговорить с руководителем отдела?",
            "Соедините меня, пожалуйста, со старшим специалистом.",
            "Can I speak to a supervisor about my bill?",
            "I'd like to speak to a supervisor, please.",
            "可以帮我转接一下经理吗？",
            "麻烦您帮我转接一下经理。",
        ],
    )
    def test_a_polite_request_for_a_manager_is_neutral(self, text):
        a = analyze_message(text)
        assert "supervisor_request" in a.signals
        assert a.mood == "neutral"

    @pytest.mark.parametrize("text", ["Вы когда-нибудь мне ответите?", "Will you ever answer?"])
    def test_will_you_ever_is_a_reproach_not_a_vague_time(self, text):
        a = analyze_message(text)
        assert a.mood == "angry"
        assert "vague_time" not in a.signals


class TestChineseReviewWords:
    @pytest.mark.parametrize("text", ["汤都洒完了，餐具也没给。", "分量越来越少了。", "打不通。"])
    def test_delivery_complaints(self, text):
        assert mood(text) == "negative"

    def test_praise(self):
        assert mood("味道棒棒哒，送得也很快！") == "positive"

    def test_asking_about_a_refund_is_no_complaint(self):
        assert mood("想咨询一下怎么申请退款。") == "neutral"

    def test_mafan_as_a_request_formula_is_no_trouble(self):
        assert mood("麻烦您帮我查一下订单。") == "neutral"
        assert mood("真麻烦，又要重新填。") == "negative"
