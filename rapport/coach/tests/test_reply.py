"""Reply checks: labels, findings (principle, severity, message, span, suggestion) and the
score, in all three languages."""

from rapport.coach import RuleBook, check_reply


def report(customer, reply, **kw):
    return check_reply(customer, reply, **kw)


def checks(r):
    return {f.check for f in r.findings}


class TestGoodReplies:
    def test_a_good_russian_reply_scores_high(self):
        r = report(
            "Заказ 48213 так и не пришёл, хотя обещали во вторник. Где он?",
            "Здравствуйте! Понимаю, как неприятно ждать. Заказ 48213 задержался на складе, "
            "курьер привезёт его завтра до 18:00. Такой вариант вам подходит?",
        )
        assert set(r.present) >= {"greeting", "empathy", "next_steps", "satisfaction_check"}
        assert r.violations == []
        assert r.score >= 80

    def test_a_good_chinese_reply_scores_high(self):
        r = report(
            "我的订单怎么还没发货？",
            "您好，非常理解您的着急。您的订单今天下午会发出，预计明天送达。请问这样可以吗？",
        )
        assert set(r.present) >= {
            "greeting",
            "empathy",
            "next_steps",
            "satisfaction_check",
            "politeness",
        }
        assert r.score >= 80

    def test_a_good_english_reply_scores_high(self):
        r = report(
            "My package still hasn't arrived. Where is it?",
            "Hi Sam, I'm sorry to hear that. Your package is at the local depot and will be "
            "delivered tomorrow by noon. Does that work for you?",
        )
        assert set(r.present) >= {
            "greeting",
            "empathy",
            "next_steps",
            "satisfaction_check",
            "politeness",
        }
        assert r.score >= 80


class TestViolations:
    def test_deflection_denial_and_dont_know(self):
        r = report("Где мой заказ?", "Не знаю, это не моя работа. Вы ошибаетесь.")
        assert {"dont_know", "deflection", "denial"} <= set(r.violations)
        assert r.score <= 60

    def test_dont_know_with_an_offer_to_find_out_is_fine(self):
        r = report(
            "When will it ship?", "I don't know yet, but let me check and get back to you by 5pm."
        )
        assert "dont_know" not in r.violations
        r = report("什么时候发货？", "这个我不太清楚，我帮您问一下仓库，半小时内回复您。")
        assert "dont_know" not in r.violations

    def test_disagreeing_with_a_view_is_not_denial(self):
        r = report(
            "Your prices went up!",
            "I disagree with this view: the March contract shows the same price.",
        )
        assert "denial" not in r.violations
        r = report("Why is it so expensive?", "You're wrong about that.")
        assert "denial" in r.violations
        r = report("为什么收费？", "是您搞错了。")
        assert "denial" in r.violations

    def test_rudeness_includes_sarcasm_and_shouting(self):
        assert "rudeness" in report("Где заказ?", "Как я уже писал, ждите.").violations
        assert "rudeness" in report("Where is it?", "YOUR ORDER IS ON ITS WAY. WAIT.").violations
        assert "rudeness" in report("怎么还没到？", "说了多少遍了，要等审核。").violations

    def test_jargon_unless_explained_or_common(self):
        r = report("Why two charges?", "The second charge is an auth hold; it drops off in 3 days.")
        assert "jargon" in r.violations
        assert "jargon" not in report("Code?", "We sent you an SMS with the PIN.").violations
        r = report("?", "Your bank asks for 3-D Secure (3DS) confirmation.")
        assert "jargon" not in r.violations
        r = report("?", "API返回ERR_CODE_403，请走工单流程。")
        assert "jargon" in r.violations

    def test_the_customers_own_abbreviation_is_not_jargon(self):
        r = report("Как подключить 2FA?", "Здравствуйте! Откройте «Настройки» и включите 2FA.")
        assert "jargon" not in r.violations


class TestFindings:
    def test_every_finding_names_principle_severity_message_span_and_suggestion(self):
        r = report("Вы идиоты! Где заказ?", "Заказ в пути.", ui_language="ru")
        assert r.findings
        for f in r.findings:
            assert f.principle and f.severity in ("low", "medium", "high")
            assert f.message and f.suggestion
        by_check = {f.check: f for f in r.findings}
        assert by_check["greeting"].suggestion.startswith("Здравствуйте")
        assert by_check["insult_response"].principle == "ES4"
        assert by_check["empathy"].principle == "CQ3"
        assert "приветствия" in by_check["greeting"].message  # UI language ru

    def test_the_message_follows_the_ui_language_and_the_suggestion_the_reply(self):
        r = report("我的订单呢？", "在路上。", ui_language="en")
        f = next(f for f in r.findings if f.check == "greeting")
        assert f.message == "The reply does not open with a greeting."
        assert f.suggestion == "您好！"

    def test_every_question_answered_in_order(self):
        customer = "Когда придёт заказ? И можно ли поменять адрес доставки?"
        r = report(customer, "Здравствуйте! Заказ придёт завтра.")
        missing = [f for f in r.findings if f.check == "questions"]
        assert len(missing) == 1 and "2" in missing[0].message
        r = report(
            customer, "Здравствуйте! Заказ придёт завтра. Адрес поменять можно в приложении."
        )
        assert not [f for f in r.findings if f.check == "questions"]

    def test_wrong_language(self):
        r = report("Где мой заказ?", "Your order is on its way.")
        assert "wrong_language" in r.violations
        assert any(f.principle == "CQ5" for f in r.findings)
        assert r.score <= 30

    def test_calm_before_solution_for_an_angry_customer(self):
        r = report(
            "Вы издеваетесь?! Третий раз пишу!!!", "Заказ отправим завтра. Понимаю ваше возмущение."
        )
        assert "calm_first" in checks(r)

    def test_customer_name_once(self):
        r = report("Где заказ?\nС уважением, Анна", "Здравствуйте! Заказ придёт завтра.")
        assert "name" in checks(r)
        r = report("Где заказ?\nС уважением, Анна", "Анна, здравствуйте! Заказ придёт завтра.")
        assert "name" not in checks(r)

    def test_absolute_promises(self):
        r = report("Опять сломалось!", "Извините! Гарантирую, такого больше никогда не повторится.")
        assert "absolute_promise" in checks(r)

    def test_apology_and_remedy_when_at_fault(self):
        r = report("Списали дважды.", "Это наша ошибка.")
        assert "apology_remedy" in checks(r)
        r = report("Списали дважды.", "Извините, это наша ошибка. Вернём деньги завтра.")
        assert "apology_remedy" not in checks(r)

    def test_score_has_a_breakdown_per_principle(self):
        r = report("Где заказ?", "Здравствуйте! Заказ придёт завтра.")
        assert 0 <= r.score <= 100
        assert "CQ6" in r.breakdown and "RS4" in r.breakdown
        assert r.breakdown["RS4"]["score"] == 100


class TestRuleBook:
    def test_a_check_can_be_switched_off(self):
        rules = RuleBook.from_dict({"checks": {"greeting": {"enabled": False}}})
        r = check_reply("Где заказ?", "Заказ придёт завтра.", rules)
        assert "greeting" not in checks(r)

    def test_weights_change_the_score(self):
        base = check_reply("Где заказ?", "Заказ придёт завтра.").score
        rules = RuleBook.from_dict({"checks": {"greeting": {"weight": 20}}})
        assert check_reply("Где заказ?", "Заказ придёт завтра.", rules).score < base

    def test_org_jargon_and_forbidden_and_required_phrases(self):
        rules = RuleBook.from_dict(
            {
                "jargon": ["бэклог"],
                "forbidden_phrases": [{"phrase": "ничем не могу помочь", "lang": "ru"}],
                "required_phrases": [{"phrase": "спасибо, что выбрали нас", "where": "end"}],
            }
        )
        r = check_reply(
            "Где заказ?", "Здравствуйте! Ваш заказ в бэклоге, ничем не могу помочь.", rules
        )
        assert "jargon" in r.violations
        assert {"forbidden_phrases", "required_phrases"} <= checks(r)

    def test_extra_phrases_extend_a_language_pack(self):
        rules = RuleBook.from_dict(
            {"extra_phrases": {"ru": {"empathy": ["войдите в моё положение"]}}}
        )
        r = check_reply("Ужас!", "Войдите в моё положение, склад закрыт.", rules)
        assert "empathy" in r.present

    def test_templates_sent_unchanged_are_flagged(self):
        tpl = "Здравствуйте! Ваше обращение принято, мы ответим в ближайшее время."
        rules = RuleBook.from_dict({"templates": [tpl]})
        assert "template" in checks(check_reply("Где заказ 123?", tpl, rules))

    def test_a_bad_rule_book_is_refused_with_a_reason(self):
        import pytest

        with pytest.raises(ValueError, match="unknown check"):
            RuleBook.from_dict({"checks": {"nope": {}}})
        with pytest.raises(ValueError, match="weight"):
            RuleBook.from_dict({"checks": {"greeting": {"weight": -1}}})

    def test_round_trip(self):
        rules = RuleBook.from_dict({"jargon": ["L2"], "checks": {"closing": {"enabled": False}}})
        assert RuleBook.from_dict(rules.to_dict()).to_dict() == rules.to_dict()
