"""Families of wordings (packs/<lang>/families.toml, session 4 of issue 4): sarcasm and
condescension (CQ18), deflection (CQ8), denial by blaming the customer (CQ7), vague time
(CQ2), mood families, and Russian abuse spelled with masks or look-alike letters (ES4).

Every case is a new member of a family — none is a sentence of the corpus or of a held-out
batch — and each family is checked with a hard negative next to it."""

import pytest

from rapport.coach import analyze_message, check_reply
from rapport.coach.morph import deobfuscate


def _customer_for(reply: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in reply):
        return "我的订单呢？"
    if any("\u0400" <= ch <= "\u04ff" for ch in reply):
        return "Где мой заказ?"
    return "Where is my order?"


@pytest.mark.parametrize(
    "reply",
    [
        "Это же не высшая математика — просто нажмите «Далее».",
        "Я вам уже пятый раз объясняю одно и то же.",
        "Ну-ну, конечно, все посылки должны лететь самолётом.",
        "Какие мы обидчивые. Ждите.",
        "Хватит мне названивать каждые пять минут.",
        "这种问题也要问？说明书上写得明明白白。",
        "我已经解释了好几遍了。",
        "这有那么难吗？",
        "Is it really that hard to click a link?",
        "For the umpteenth time: it ships on Monday.",
        "Congrats, you found the one button that doesn't work.",
        "Calling every hour won't make the parcel move faster.",
    ],
)
def test_condescension_is_rudeness(reply):
    r = check_reply(_customer_for(reply), reply)
    assert "rudeness" in r.violations, reply
    finding = next(f for f in r.findings if f.check == "rudeness")
    assert finding.principle == "CQ18" and finding.span


@pytest.mark.parametrize(
    "reply",
    [
        "Поздравляю с покупкой! Заказ приедет завтра до 12:00.",
        "Понимаю, как сложно разобраться с настройками; давайте я помогу по шагам.",
        "Я уже передала ваш запрос на склад, ответ будет сегодня.",
        "恭喜您获得优惠券！订单明天送达。",
        "这种问题一般重启路由器就能解决，请您试一下。",
        "Congratulations on your new plan! It starts tomorrow.",
        "I'm sure you'll love the new version; it ships Monday.",
    ],
)
def test_sincere_wordings_are_not_rude(reply):
    r = check_reply(_customer_for(reply), reply)
    assert "rudeness" not in r.violations, reply


@pytest.mark.parametrize(
    "reply",
    [
        "Мы только посредник, с претензиями — к поставщику.",
        "Скидки устанавливает головной офис, моё дело — принимать заказы.",
        "我只是个接线的，这事我做不了主。",
        "你找错部门了。",
        "We're just the middleman here; the warehouse's responsibility is shipping.",
        "Not my table, I'm afraid.",
    ],
)
def test_deflection_families(reply):
    assert "deflection" in check_reply(_customer_for(reply), reply).violations, reply


@pytest.mark.parametrize(
    "reply",
    [
        "Доставкой занимается служба доставки, но я уже написала им и проконтролирую ответ.",
        "这归物流负责，不过我已经联系了他们，明天回复您。",
        "Shipping is the carrier's responsibility, but I've contacted them on your behalf.",
    ],
)
def test_followed_up_hand_off_is_no_deflection(reply):
    assert "deflection" not in check_reply(_customer_for(reply), reply).violations, reply


@pytest.mark.parametrize(
    "reply, denial",
    [
        ("Вы сами выбрали этот тариф при подключении.", True),
        ("Вы сами можете выбрать удобный тариф в приложении.", False),
        ("套餐是您自己选的。", True),
        ("套餐可以由您自己决定。", False),
        ("You picked the express option yourself.", True),
        ("You can pick the express option yourself in the app.", False),
        ("With respect, I can't agree with that view of the contract; clause 3 differs.", False),
    ],
)
def test_denial_blames_the_person_not_the_view(reply, denial):
    assert ("denial" in check_reply(_customer_for(reply), reply).violations) is denial, reply


@pytest.mark.parametrize(
    "text, vague",
    [
        ("Переведите деньги поскорее, пожалуйста.", True),
        ("Оператор уверял, что всё решат быстро, а прошла неделя.", False),
        ("Можно ли будет потом поменять тариф?", False),
        ("麻烦抓紧处理一下。", True),
        ("以后还可以改地址吗？", False),
        ("Could you sort this out promptly?", True),
        ("Could I change the plan later?", False),
        ("Thanks for fixing it so swiftly!", False),
    ],
)
def test_vague_time_family(text, vague):
    assert ("vague_time" in analyze_message(text).signals) is vague, text


@pytest.mark.parametrize(
    "text, mood",
    [
        ("Четвёртый раз пишу вам!!! Где возврат?", "angry"),
        ("Я дура, оплатила заказ два раза. Как вернуть лишнее?", "negative"),
        ("麻烦帮我查一下物流。", "neutral"),
        ("本以为你们的质量会好一点。", "negative"),
        ("This is the fifth time I'm writing about the same refund!", "angry"),
        ("I expected better from you, honestly.", "negative"),
    ],
)
def test_mood_families(text, mood):
    assert analyze_message(text).mood == mood, text


class TestMaskedAbuse:
    """ES4: abuse typed with stars or Latin/digit look-alikes is still abuse; ordinary mixed
    tokens ("iPhone-чехол", "3к", "5кг") are left alone."""

    @pytest.mark.parametrize(
        "text",
        ["Вы там все м*даки, что ли?", "Операторы — ид1оты.", "Ну вы и уpоды (латинская p)."],
    )
    def test_masked_insults(self, text):
        assert "insult" in analyze_message(text).signals, text

    def test_ordinary_tokens_untouched(self):
        assert deobfuscate("iphone-чехол") is None
        assert deobfuscate("3к") is None
        assert deobfuscate("5кг") is None
        assert deobfuscate("заказ") is None
        assert deobfuscate("п**дец")[0] == "пиздец"

    def test_self_deprecation_is_no_insult(self):
        r = analyze_message("Я сам идиот, перепутал подъезд. Можно перенести доставку?")
        assert "insult" not in r.signals


@pytest.mark.parametrize(
    "reply, steps",
    [
        ("Calm down, it'll be delivered when it's delivered.", False),
        ("No idea when the technician will be free.", False),
        ("Понятия не имею, когда мастер освободится.", False),
        ("Не знаю точно, но я выясню и напишу вам до 17:00.", True),
        ("Сообщите, пожалуйста, номер заказа.", False),
        ("Справка будет готова в пятницу после 14:00.", True),
        ("Я вам уже объяснял: курьер привезёт заказ завтра.", True),
        ("We only charged you once.", False),
    ],
)
def test_next_steps_families(reply, steps):
    """RS4: a put-down's clause, what the agent does not know, a request for information and a
    count word are no next step; a future result with a time is one."""
    assert ("next_steps" in check_reply(_customer_for(reply), reply).present) is steps, reply


def test_regex_guards_never_hide_a_match():
    """The literal guard of a pack regex (langpack._GUARDS) only skips texts the regex cannot
    match: checked on every text of the development corpus."""
    import json
    from pathlib import Path

    from rapport.coach.langpack import _GUARDS, load_pack
    from rapport.coach.text import normalise

    corpus = Path(__file__).resolve().parents[3] / "tests" / "coach" / "corpus"
    checked = 0
    for lang in ("ru", "zh", "en"):
        pack = load_pack(lang)
        texts = []
        for path in corpus.glob(f"{lang}_*.jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                texts += [normalise(item[k]) for k in ("text", "customer", "reply") if k in item]
        for rxs in pack.regex.values():
            for rx in rxs:
                if rx not in _GUARDS:
                    continue
                literals, fold = _GUARDS[rx]
                for t in texts:
                    hay = t.lower() if fold else t
                    if not any(g in hay for g in literals):
                        checked += 1
                        assert rx.search(t) is None, (rx.pattern, t)
    assert checked > 1000


@pytest.mark.parametrize(
    "reply",
    [
        "It's hardly brain surgery, is it?",
        "Это не высшая математика.",
        "Congratulations, you broke it.",
    ],
)
def test_negated_put_down_is_still_rude(reply):
    """CQ18: the negation belongs to the sneer ("not exactly rocket science")."""
    assert "rudeness" in check_reply(_customer_for(reply), reply).violations, reply


@pytest.mark.parametrize(
    "text, signal, present",
    [
        ("这个软件真垃圾，老是卡。", "insult", False),
        ("你们这群垃圾！", "insult", True),
        ("С вами бесполезно спорить, позовите старшего.", "insult", False),
        ("Мастер всё починил, передайте его начальнику спасибо.", "supervisor_request", False),
        ("请替我向你们经理表扬一下小李。", "supervisor_request", False),
        ("Позовите начальника смены.", "supervisor_request", True),
    ],
)
def test_signal_hard_negatives(text, signal, present):
    assert (signal in analyze_message(text).signals) is present, text


def test_many_question_marks_are_exasperation():
    assert analyze_message("ВЫ ТАМ ВООБЩЕ РАБОТАЕТЕ???").mood == "angry"


@pytest.mark.parametrize(
    "text, count",
    [
        ("Какой же у вас бардак на складе!", 0),
        ("Какой же у вас адрес склада?", 1),
        ("什么鬼服务，气死我了！", 0),
        ("What a joke! When do I get my refund?", 1),
        ("How dare you charge me twice!", 0),
    ],
)
def test_exclamations_with_question_words(text, count):
    """CQ9: a question word that exclaims ("Какой же бардак!") asks nothing without a '?'."""
    assert len(analyze_message(text).questions) == count, text


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("Оформите, пожалуйста, замену как можно скорее.", True),
        ("Как можно скорее верните деньги, иначе мне нечем платить за аренду.", True),
        ("Не срочно, но оформите замену как можно скорее.", False),
        ("请尽早发货。", True),
        ("请尽快退款，不然我交不了学费。", True),
        ("不急，请尽早发货。", False),
        ("Please fix the app as soon as possible.", True),
        ("Refund me as soon as possible, I can't pay my bills.", True),
        ("No rush, but please fix the app as soon as possible.", False),
        ("Need this ASAP.", True),
    ],
)
def test_as_soon_as_possible_is_vague_and_urgent(text, urgent):
    """CQ2 and urgent: "как можно скорее"/"尽快"/"as soon as possible" is a vague time (the
    agent asks for a concrete time) and, since session 9's label decision, urgent as well —
    unless the writer says there is no hurry ("не срочно", "不急", "no rush")."""
    r = analyze_message(text)
    assert "vague_time" in r.signals or "asap" in text.lower(), text
    assert ("urgent" in r.signals) is urgent, text


@pytest.mark.parametrize(
    "text, count",
    [
        ("Как можно быстрее пришлите курьера.", 0),
        ("Как можно оплатить заказ", 1),
        ("Когда будет время, гляньте мой заказ.", 0),
        ("Whenever you can, send me the invoice.", 0),
    ],
)
def test_question_words_as_conjunctions(text, count):
    """CQ9: "как можно быстрее", "когда будет время", "whenever" ask nothing."""
    assert len(analyze_message(text).questions) == count, text


@pytest.mark.parametrize(
    "text, mood",
    [
        ("Мастер обещал прийти утром, а прошло уже шесть часов.", "negative"),
        ("包裹已经五天了还没动。", "negative"),
        ("The technician said he'd come by noon and that was five hours ago.", "negative"),
        ("This router is a piece of junk!", "angry"),
        ("It's been a week and I love the new sofa, thank you!", "positive"),
    ],
)
def test_waiting_time_and_contempt_moods(text, mood):
    assert analyze_message(text).mood == mood, text
