"""Constructions rather than memorised sentences (issue 4, this session): the reply's tone
(CQ7 denial, CQ8 deflection, CQ18 rudeness — tone.toml), customer signals (ES5 legal threats,
CQ2 vague time — signals.toml) and the zh offensive-language model (model.py, ES4).

Each case below is a new wording of a construction, not a sentence of the corpus."""

import pytest

from rapport.coach import analyze_message, check_reply
from rapport.coach import model as ngram_model
from rapport.coach.customer import group_regex


class TestDismissiveIsRude:
    """CQ18: a put-down is rudeness even without a swear word or a capital letter."""

    @pytest.mark.parametrize(
        "reply",
        [
            "Ожидайте, как и все остальные.",
            "Раз вы такой грамотный, настройте роутер сами.",
            "Сделаем, когда сделаем.",
            "Dramatic much? It's one day late.",
            "If you're so smart, fix it yourself.",
            "You're not our only customer, you know.",
            "吵什么吵，等着吧。",
            "您这么懂，要不您自己来修？",
        ],
    )
    def test_put_downs(self, reply):
        if "\u4e00" <= reply[0] <= "\u9fff":
            customer = "我的订单呢？"
        elif "\u0400" <= reply[0] <= "\u04ff":
            customer = "Где мой заказ?"
        else:
            customer = "Where is my order?"
        r = check_reply(customer, reply)
        assert "rudeness" in r.violations
        finding = next(f for f in r.findings if f.check == "rudeness")
        assert finding.principle == "CQ18"
        assert finding.span and finding.suggestion

    @pytest.mark.parametrize(
        "customer, reply",
        [
            ("Где мой заказ?", "Вы не одни столкнулись с задержкой: я уже ускорила отправку."),
            ("Where is my order?", "You're not the only one affected; I've escalated it."),
            ("我的订单呢？", "不止您一个人遇到这个问题，我们已经在加急处理。"),
            ("Where is my order?", "How much would express shipping cost? I'll check."),
        ],
    )
    def test_kind_wordings_are_not(self, customer, reply):
        assert "rudeness" not in check_reply(customer, reply).violations


class TestDenialConstruction:
    """CQ7: 'you … got it wrong' in any words is a denial; our own mistake or a condition
    is not."""

    @pytest.mark.parametrize(
        "customer, reply",
        [
            ("Мне пришёл не тот размер!", "Вы сами неправильно выбрали размер при заказе."),
            ("Мне пришёл не тот размер!", "Проблема на вашей стороне, у нас всё верно."),
            ("I got the wrong size!", "You picked the wrong size when you ordered."),
            ("I got the wrong size!", "The issue is on your end, not ours."),
            ("尺码发错了！", "是您自己选错了尺码。"),
            ("尺码发错了！", "问题在您那边，我们这边没问题。"),
        ],
    )
    def test_blaming_the_customer(self, customer, reply):
        assert "denial" in check_reply(customer, reply).violations

    @pytest.mark.parametrize(
        "customer, reply",
        [
            ("Мне пришёл не тот размер!", "Извините, мы перепутали размер, отправим замену."),
            ("Мне пришёл не тот размер!", "Если вы ошиблись с размером, обменяем его бесплатно."),
            ("I got the wrong size!", "Sorry, we sent you the wrong size; the right one ships."),
            ("I got the wrong size!", "If you ordered the wrong size, we'll swap it for free."),
            ("尺码发错了！", "非常抱歉，给您发错了，我们明天补发。"),
        ],
    )
    def test_our_mistake_or_a_condition_is_not(self, customer, reply):
        assert "denial" not in check_reply(customer, reply).violations


class TestDeflectionConstruction:
    @pytest.mark.parametrize(
        "customer, reply",
        [
            ("Где возврат?", "Возвратами занимается другой отдел."),
            ("Where is my refund?", "Refunds are dealt with by the billing team."),
            ("退款呢？", "退款是财务部门负责的。"),
        ],
    )
    def test_handing_off_without_taking_it_on(self, customer, reply):
        assert "deflection" in check_reply(customer, reply).violations

    @pytest.mark.parametrize(
        "customer, reply",
        [
            ("Где возврат?", "Возвратами занимается другой отдел, я передала им ваш запрос."),
            ("Where is my refund?", "Refunds are handled by billing; I've forwarded your request."),
            ("退款呢？", "退款是财务负责的，我已经帮您催了。"),
        ],
    )
    def test_handing_off_and_following_up_is_fine(self, customer, reply):
        assert "deflection" not in check_reply(customer, reply).violations


class TestCustomerSignals:
    @pytest.mark.parametrize(
        "text",
        [
            "Я уже посоветовался с адвокатом по этому поводу.",
            "My attorney is preparing the paperwork.",
            "我已经咨询过律师了。",
        ],
    )
    def test_a_lawyer_consulted_is_a_legal_threat(self, text):
        assert "legal_threat" in analyze_message(text).signals  # ES5

    @pytest.mark.parametrize(
        "text",
        ["Я сам работаю юристом, подскажите по договору.", "I'm a lawyer, but keep it simple."],
    )
    def test_a_lawyer_by_trade_is_not(self, text):
        assert "legal_threat" not in analyze_message(text).signals

    @pytest.mark.parametrize(
        "text",
        [
            "Мне говорили, что перезвонят скоро, но никто не позвонил.",
            "You promised a quick fix and nothing happened.",
            "上次客服说过两天就好，结果还是不行。",
        ],
    )
    def test_a_reported_promise_is_not_a_vague_request(self, text):
        assert "vague_time" not in analyze_message(text).signals  # CQ2

    @pytest.mark.parametrize(
        "text",
        ["Перезвоните попозже, пожалуйста.", "Please get back to me soon.", "麻烦早点回复我。"],
    )
    def test_the_customers_own_vague_time_still_is(self, text):
        assert "vague_time" in analyze_message(text).signals


class TestZhOffensiveModel:
    """ES4: the shipped model finds offence against a group the lexicon misses, explains it
    by the n-grams that weighed most, and stays silent on ordinary complaints."""

    def test_it_ships_as_a_small_data_file(self):
        m = ngram_model.load("zh_offensive")
        assert m is not None and 0 < m.threshold < 1
        assert (ngram_model.MODEL_DIR / "zh_offensive.json.gz").stat().st_size < 500_000

    def test_offence_against_a_group_is_an_insult_with_model_evidence(self):
        a = analyze_message("黑人都是猴子，别让他们进来。")
        assert "insult" in a.signals
        ev = [e for e in a.evidence if e.get("source") == "model"]
        if ev:  # the lexicon may already have caught it; then the rules explain it
            assert all(e["text"] == a.doc.text[e["span"][0] : e["span"][1]] for e in ev)

    @pytest.mark.parametrize(
        "text",
        [
            "你们这个软件做得太烂了，天天闪退。",
            "好的，明白了，谢谢。",
            "北京的仓库什么时候发货？",
            "我老婆的订单还没到，麻烦查一下。",
        ],
    )
    def test_ordinary_messages_are_not(self, text):
        assert "insult" not in analyze_message(text).signals

    def test_the_gate_is_the_packs_group_words(self):
        gate = group_regex("zh")
        assert gate.search("河南人") and not gate.search("我的订单")
