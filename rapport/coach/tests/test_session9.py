"""Session 9 of issue 4 (packs/<lang>/families5.toml and the code beside it), from blind batch
8's gaps generalised to families (docs/coach.md, "Figures … session 9").

Every case is new — none is a sentence of the corpus or of a held-out batch — and each family
has a hard negative next to it."""

import pytest

from rapport.coach import analyze_message


def signals(text: str) -> list[str]:
    return analyze_message(text).signals


# -- ES4/ES5: physical threats — a body part, the victim carried off, lying in wait --------
@pytest.mark.parametrize(
    "text",
    [
        "Пусть только сунется ещё раз — нос ему сломаю.",
        "Вашего доставщика отсюда вынесут на носилках, обещаю.",
        "Ещё одна такая выходка — и мало вам не покажется.",
        "Подстерегу вашего курьера возле склада.",
        "Show up late again and you'll be leaving in a wheelchair.",
        "Your technician won't know what hit him next time.",
        "I'll get him alone in the parking lot, you'll see.",
        "那个司机再敢来，我让他横着出去。",
        "你们客服我见一次骂一次？不，我见你一次揍你一次。",
        "再骗我就给你们点颜色看看。",
    ],
)
def test_harm_in_other_words_is_a_physical_threat(text):
    assert "physical_threat" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Я сломал руку, поэтому за заказом придёт жена.",
        "Бабушку увезли на скорой, доставку принять было некому.",
        "Комиссия там такая, что мало не покажется, объясните, за что она.",
        "Сверните к шлагбауму, курьер ждёт там?",
        "My husband was taken to hospital in an ambulance, so please hold the parcel.",
        "I'll catch the early bus and collect it from the depot.",
        "I'll be waiting outside the building for the driver.",
        "我奶奶住院了，麻烦把地址改成医院。",
        "这条裙子颜色好看，能便宜点吗？",
        "这个报表整死我了，怎么导出？",
    ],
)
def test_own_injuries_idioms_and_errands_are_no_threat(text):
    assert "physical_threat" not in signals(text)
