"""Promises in an agent's reply (RS2, RS6), in Russian, Chinese and English, with their due
times parsed relative to when the reply is sent and in the agent's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rapport.coach.promises import find_promise, find_promises, zh_number

MOSCOW = ZoneInfo("Europe/Moscow")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 25 November 2026, 10:00 in Moscow
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=MOSCOW)


def due(text, tz=MOSCOW, now=NOW):
    found = find_promise(text, now=now, tz=tz)
    assert found is not None, text
    local = found.due_at.astimezone(tz)
    return found.kind, local.strftime("%a %H:%M")


@pytest.mark.parametrize(
    ("text", "kind", "when"),
    [
        # the examples of issue 5
        ("I'll call you back tomorrow", "callback", "Thu 18:00"),
        ("перезвоню вам завтра до 12", "callback", "Thu 12:00"),
        ("我们明天下午给您回电", "callback", "Thu 18:00"),
        ("we will get back to you within 2 hours", "answer", "Wed 12:00"),
        ("в течение часа сообщу", "answer", "Wed 11:00"),
        # durations
        ("Перезвоню через 3 часа.", "callback", "Wed 13:00"),
        ("Мы ответим в течение двух рабочих дней.", "answer", "Fri 18:00"),
        ("We'll reply within 2 business days.", "answer", "Fri 18:00"),
        ("我们会在2小时内回复您。", "answer", "Wed 12:00"),
        ("我们半小时内给您回电。", "callback", "Wed 10:30"),
        ("I'll update you in half an hour.", "answer", "Wed 10:30"),
        ("Свяжемся с вами через полчаса.", "answer", "Wed 10:30"),
        # days and weekdays
        ("Мы свяжемся с вами в понедельник.", "answer", "Mon 18:00"),
        ("We'll send you an update by Friday 3pm.", "answer", "Fri 15:00"),
        ("我们下周三给您答复。", "answer", "Wed 18:00"),
        ("I'll call you back the day after tomorrow.", "callback", "Fri 18:00"),
        ("Позвоню послезавтра утром.", "callback", "Fri 12:00"),
        # clock times and parts of the day
        ("Проверю и напишу вам в 15:30.", "answer", "Wed 15:30"),
        ("I'll call at 10:30 tomorrow morning.", "callback", "Thu 10:30"),
        ("我会在下午3点前给您回电。", "callback", "Wed 15:00"),
        ("Перезвоню в 3 часа дня.", "callback", "Wed 15:00"),
        ("I'll call you tonight.", "callback", "Wed 21:00"),
        ("You'll hear back from us by end of day.", "answer", "Wed 18:00"),
        # a time already past today means tomorrow
        ("I'll call you at 9am.", "callback", "Thu 09:00"),
        # no time, or only "soon": the end of the next business day
        ("I will check and get back to you soon.", "answer", "Thu 18:00"),
        ("我们会尽快回复您。", "answer", "Thu 18:00"),
        ("Уточню у коллег и вернусь с ответом.", "answer", "Thu 18:00"),
        ("We'll keep you posted.", "answer", "Thu 18:00"),
        ("Будем держать вас в курсе до конца дня.", "answer", "Wed 18:00"),
    ],
)
def test_it_finds_the_promise_and_its_due_time(text, kind, when):
    assert due(text) == (kind, when)


@pytest.mark.parametrize(
    "text",
    [
        "Hello, thanks for writing.",
        "We will never share your data.",
        "I won't call you again.",
        "Я не перезвоню.",
        "Если будут вопросы, звоните нам.",
        "感谢您的耐心等待。",
        "Could you call us tomorrow?",
    ],
)
def test_it_finds_no_promise_where_none_is_made(text):
    assert find_promises(text, now=NOW, tz=MOSCOW) == []


def test_the_end_of_the_next_business_day_skips_the_weekend():
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=MOSCOW)
    assert due("I'll get back to you.", now=friday) == ("answer", "Mon 18:00")


def test_on_a_weekday_said_on_that_day_means_next_week():
    found = find_promise("Перезвоню в среду.", now=NOW, tz=MOSCOW)
    assert found.due_at.astimezone(MOSCOW).date().isoformat() == "2026-12-02"


def test_times_are_read_in_the_agents_zone_and_returned_aware():
    now = datetime(2026, 11, 25, 2, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Shanghai
    found = find_promise("我们明天上午给您回电", now=now, tz="Asia/Shanghai")
    assert found.due_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "26 12:00"
    assert found.due_at.utcoffset() is not None


def test_it_reports_each_promise_of_a_long_reply_with_its_words():
    reply = (
        "Здравствуйте, Анна! Спасибо за терпение. Я уточню статус заказа на складе. "
        "Перезвоню вам завтра до 12."
    )
    promises = find_promises(reply, now=NOW, tz=MOSCOW)
    assert [p.kind for p in promises] == ["other", "callback"]
    best = find_promise(reply, now=NOW, tz=MOSCOW)
    assert best.kind == "callback" and best.due_text == "завтра до 12"
    assert reply[best.start : best.end] == best.text
    assert best.as_dict()["language"] == "ru"


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        find_promises("I'll call you", now=datetime(2026, 1, 1), tz="UTC")  # noqa: DTZ001


def test_chinese_numbers():
    assert [zh_number(t) for t in ("两", "十", "十二", "二十四", "7")] == [2, 10, 12, 24, 7]
