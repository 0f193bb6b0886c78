"""Customer-message analysis: mood, signals and questions in Russian, Chinese and English,
including the hard negatives the label definitions of issue 4 call out."""

import pytest

from rapport.coach import analyze_message


def signals(text):
    return analyze_message(text).signals


def mood(text):
    return analyze_message(text).mood


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Вы идиоты! Сколько можно ждать?!", "angry"),
        ("Не проблема, подожду. Спасибо!", "positive"),
        ("Подскажите, пожалуйста, когда придёт заказ?", "neutral"),
        ("Товар пришёл с трещиной, очень расстроена.", "negative"),
        ("到底怎么回事？三天了还没发货！", "angry"),
        ("没问题，我等一下，谢谢！", "positive"),
        ("请问怎么修改收货地址？", "neutral"),
        ("收到的衣服有个破洞，太失望了。", "negative"),
        ("This is ridiculous, third time I'm writing and NOBODY answers!", "angry"),
        ("Not a problem, I can wait until Friday.", "positive"),
        ("How do I turn off auto-renewal?", "neutral"),
        ("I'm disappointed, the item arrived broken.", "negative"),
    ],
)
def test_it_reads_the_mood(text, expected):
    assert mood(text) == expected


def test_negation_turns_praise_into_a_complaint():
    assert mood("Я совсем не доволен обслуживанием.") == "negative"
    assert mood("一点都不满意。") == "negative"
    assert mood("I'm not happy with the service.") == "negative"


def test_emoji_and_emoticons_carry_mood():
    assert mood("Спасибо 🙂") == "positive"
    assert mood("Опять не работает 😡😡") == "angry"


def test_shouting_in_capitals_is_angry():
    assert mood("WHERE IS MY ORDER??? I PAID TWO WEEKS AGO!!!") == "angry"


class TestInsult:
    def test_abuse_aimed_at_people_is_an_insult(self):
        assert "insult" in signals("Вы жулики!")
        assert "insult" in signals("Дебилы, вы опять перепутали адрес!")
        assert "insult" in signals("你们这群骗子！")
        assert "insult" in signals("You people are morons.")
        assert "insult" in signals("You're useless!")

    def test_criticism_of_a_product_is_not_an_insult(self):
        assert "insult" not in signals("This app is useless.")
        assert "insult" not in signals("Приложение бесполезное, ничего не работает.")
        assert "insult" not in signals("这个产品质量太差了。")

    def test_fraudsters_who_called_the_customer_are_not_an_insult(self):
        assert "insult" not in signals("Мне звонили мошенники от вашего имени, что делать?")
        assert "insult" not in signals("I got a call from scammers pretending to be your bank.")

    def test_quoted_words_are_someone_elses(self):
        assert "insult" not in signals("Оператор назвал меня «идиотом» — это нормально?")
        assert "insult" not in signals('Your agent called me an "idiot". Is that normal?')

    def test_russian_inflection_is_handled(self):
        assert "insult" in signals("Таких идиотов, как у вас, я ещё не встречал.")


class TestThreats:
    def test_legal_threats(self):
        assert "legal_threat" in signals("Подам на вас в суд и напишу в Роспотребнадзор.")
        assert "legal_threat" in signals("再不退款我就去12315投诉，还要起诉！")
        assert "legal_threat" in signals("My attorney will be in touch.")

    def test_a_court_date_is_not_a_threat(self):
        assert "legal_threat" not in signals("У меня суд в четверг, перенесите доставку.")
        assert "legal_threat" not in signals("明天要去法院开庭，能不能改到后天送货？")
        assert "legal_threat" not in signals(
            "I have a court date on Friday, can you deliver Monday?"
        )

    def test_physical_threats(self):
        assert "physical_threat" in signals("Приеду и разнесу ваш офис.")
        assert "physical_threat" in signals("我就带人过去把你们店砸了。")
        assert "physical_threat" in signals("I'll come down there and smash the place.")

    def test_idioms_are_not_threats(self):
        assert "physical_threat" not in signals("The screen arrived smashed.")
        assert "physical_threat" not in signals("这个等待简直要把我烦死了")


class TestRequests:
    def test_supervisor_requests_polite_or_not(self):
        assert "supervisor_request" in signals("Позовите руководителя!")
        assert "supervisor_request" in signals("Соедините, пожалуйста, с вашим начальником.")
        assert "supervisor_request" in signals("叫你们经理出来！")
        assert "supervisor_request" in signals("Could I speak to someone senior, please?")

    def test_mentioning_a_manager_is_not_a_request(self):
        assert "supervisor_request" not in signals("Ваш менеджер Ольга мне очень помогла.")
        assert "supervisor_request" not in signals("The head of sales promised me a discount.")

    def test_urgency_and_its_negation(self):
        assert "urgent" in signals("Срочно! Через час платить за квартиру.")
        assert "urgent" in signals("今天下班前必须开好发票。")
        assert "urgent" in signals("Please sort this out by 6pm today.")
        assert "urgent" not in signals("Это не срочно, но хотелось бы знать.")
        assert "urgent" not in signals("不着急，慢慢来。")
        assert "urgent" not in signals("No rush, whenever you can.")

    def test_vague_time_comes_with_a_clarifying_question(self):
        a = analyze_message("Сделайте побыстрее, пожалуйста.")
        assert "vague_time" in a.signals
        assert a.suggestions and a.suggestions[0]["principle"] == "CQ2"
        assert "vague_time" in signals("请尽快处理。")
        assert "vague_time" in signals("Can you do it quickly?")
        assert "vague_time" not in signals("Спасибо за быструю доставку!")
        assert "vague_time" not in signals("Thanks for the quick reply!")


class TestQuestions:
    def questions(self, text):
        return [q.text for q in analyze_message(text).questions]

    def test_explicit_questions_in_order(self):
        assert self.questions("Как поменять тариф? И сколько стоит переход?") == [
            "Как поменять тариф?",
            "И сколько стоит переход?",
        ]

    def test_implicit_questions_without_a_question_mark(self):
        assert len(self.questions("Подскажите, можно ли вернуть товар без чека.")) == 1
        assert len(self.questions("请问你们周末营业吗")) == 1
        assert len(self.questions("I was wondering if you offer student discounts.")) == 1

    def test_two_question_marks_count_once(self):
        assert len(self.questions("Где мой заказ??")) == 1
        assert len(self.questions("When is my refund coming?? When??")) == 1

    def test_rhetorical_questions_count(self):
        assert len(self.questions("Сколько можно?")) == 1

    def test_a_question_mark_is_not_enough(self):
        assert self.questions("Вы написали «заказ доставлен?» и всё.") == []
        assert self.questions("See https://example.com/help?topic=refund for details.") == []

    def test_statements_that_start_like_questions_are_not_questions(self):
        assert self.questions("When I log in, the app crashes.") == []
        assert self.questions("Не проблема, подожду. Спасибо, что предупредили.") == []

    def test_one_sentence_can_hold_two_questions(self):
        assert (
            len(self.questions("I'd like to know if you deliver to Canada and how long it takes."))
            == 2
        )
        assert len(self.questions("请问这个优惠券怎么用？可以和满减一起用吗？")) == 2

    def test_spans_point_into_the_original_text(self):
        text = "Здравствуйте! Когда придёт заказ?"
        q = analyze_message(text).questions[0]
        assert text[q.start : q.end] == "Когда придёт заказ?"


def test_transliterated_russian_is_analysed_as_russian():
    a = analyze_message("Vy voobshche rabotaete? Pozovite rukovoditelya!")
    assert a.language == "ru"
    assert "supervisor_request" in a.signals
    assert len(a.questions) == 1


def test_chinese_segmentation_keeps_single_characters_whole():
    assert "insult" not in signals("滚动条拖不动了")
    assert "insult" in signals("滚！")
