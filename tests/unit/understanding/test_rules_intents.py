"""Rules-mode classification: every intent, mixed messages, priority, topics, language, certainty."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.language import language_of as detect_language
from agent.understanding.rules import classify, detect_certain

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=MSK)  # Wednesday


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Добрый день! Тема для нас актуальная, у нас шесть стоматологий.", "interested"),
        ("Интересно, расскажите подробнее", "interested"),
        ("Расскажите подробнее", "interested"),
        ("Sounds interesting, tell me more", "interested"),
        ("Подскажите, с какими площадками отзывов вы работаете?", "question"),
        ("Пришлите, пожалуйста, презентацию сервиса.", "presentation"),
        ("Скиньте КП", "presentation"),
        ("Пришлите информацию", "presentation"),
        ("Не могли бы вы прислать презентацию?", "presentation"),
        ("Please send me the deck", "presentation"),
        ("Давайте созвонимся завтра в 11:00, покажете сервис.", "demo"),
        ("Can we schedule a call on Thursday at 11:00?", "demo"),
        (
            "Этим у нас занимается маркетолог Ольга Смирнова, напишите ей: olga.smirnova@volna-hotel.ru",
            "referral",
        ),
        ("Сейчас не до этого, напишите через месяц.", "pause"),
        ("Вернёмся к вопросу после праздников", "pause"),
        ("Not now, maybe in January", "pause"),
        ("Пожалуйста, не пишите мне больше.", "opt_out"),
        ("Спасибо, но нам это не интересно.", "not_interested"),
        ("Нам не нужно, у нас уже есть своя система", "not_interested"),
        ("Нет, спасибо", "not_interested"),
        ("Нам нужна разработка мобильного приложения — с кем можно это обсудить?", "other"),
        ("Ищу работу, есть вакансии?", "other"),
        ("Привет", "other"),
        ("/start", "restart"),
    ],
)
def test_each_intent(text: str, intent: str) -> None:
    understood = classify(text, NOW, MSK)
    assert understood.intent == intent
    assert understood.source == "rules"


def test_demo_with_definite_time() -> None:
    understood = classify("Давайте созвонимся завтра в 11:00", NOW, MSK)
    assert understood.wants_demo is True
    assert understood.demo_at == at(26, 11)
    assert understood.demo_day is None
    assert understood.certain is True


@pytest.mark.parametrize(
    ("text", "demo_at"),
    [
        ("Давайте в четверг в 3 часа дня созвонимся", at(26, 15)),
        ("Можно созвониться 26.11 в 15.30?", at(26, 15, 30)),
        ("Созвонимся в следующий вторник в 10 утра", at(1, 10, month=12)),
        ("Давайте встретимся в zoom двадцать шестого ноября в половине третьего", at(26, 14, 30)),
    ],
)
def test_demo_at(text: str, demo_at: datetime) -> None:
    understood = classify(text, NOW, MSK)
    assert understood.intent == "demo"
    assert understood.demo_at == demo_at


@pytest.mark.parametrize(
    ("text", "demo_at"),
    [
        ("Удобно в пн в 11?", at(30, 11)),
        ("Давайте в 11", at(26, 11)),
        ("Четверг в 15:00 подойдёт", at(26, 15)),
        ("Let's talk next Tuesday at 2pm", at(1, 14, month=12)),
        ("Созвонимся 3 декабря в 16:00 по мск", at(3, 16, month=12)),
    ],
)
def test_agreeing_a_slot_is_a_demo(text: str, demo_at: datetime) -> None:
    understood = classify(text, NOW, MSK)
    assert (understood.intent, understood.demo_at, understood.question) == ("demo", demo_at, None)


def test_scheduling_question_is_part_of_the_demo() -> None:
    understood = classify("Добрый день, да, давайте созвонимся. Когда вам удобно?", NOW, MSK)
    assert (understood.intent, understood.question, understood.certain) == ("demo", None, True)


def test_demo_day_without_time() -> None:
    understood = classify("Давайте созвонимся в пятницу", NOW, MSK)
    assert (understood.intent, understood.demo_at, understood.demo_day) == ("demo", None, date(2026, 11, 27))
    understood = classify("Давайте созвонимся завтра после обеда", NOW, MSK)
    assert (understood.demo_at, understood.demo_day) == (None, date(2026, 11, 26))


def test_demo_next_week_proposes_from_its_monday() -> None:
    understood = classify("Давайте созвонимся на следующей неделе", NOW, MSK)
    assert (understood.intent, understood.wants_demo) == ("demo", True)
    assert understood.demo_at is None
    assert understood.demo_day == date(2026, 11, 30)  # slots start on that week's Monday
    assert understood.wants_pause is False


def test_mixed_presentation_and_demo_picks_demo() -> None:
    understood = classify("пришлите презентацию и давайте созвонимся на следующей неделе", NOW, MSK)
    assert understood.intent == "demo"
    assert understood.wants_presentation is True
    assert understood.wants_demo is True
    assert understood.wants_pause is False
    assert (understood.demo_at, understood.demo_day) == (None, date(2026, 11, 30))
    assert understood.certain is False


def test_referral_beats_demo() -> None:
    understood = classify(
        "Созвонитесь лучше с нашим маркетологом Ольгой Смирновой, olga@volna-hotel.ru", NOW, MSK
    )
    assert understood.intent == "referral"
    assert understood.wants_demo is True
    assert understood.referral is not None
    assert understood.referral.name == "Ольга Смирнова"
    assert understood.referral.email == "olga@volna-hotel.ru"


def test_referral_when_the_contact_left_the_company() -> None:
    understood = classify(
        "Здравствуйте! Я больше не работаю в компании, пишите Ивану Сидорову i.sidorov@romashka.ru", NOW, MSK
    )
    assert understood.intent == "referral"
    assert understood.referral is not None
    assert (understood.referral.name, understood.referral.email) == ("Иван Сидоров", "i.sidorov@romashka.ru")


def test_referral_to_a_department_without_a_name() -> None:
    understood = classify(
        "Коллеги, добрый день. Этим вопросом занимается наш отдел маркетинга: marketing@romashka.ru", NOW, MSK
    )
    assert understood.intent == "referral"
    assert understood.referral is not None
    assert understood.referral.model_dump(exclude_none=True) == {
        "email": "marketing@romashka.ru",
        "role": "отдел маркетинга",
    }


def test_referral_without_an_address_is_not_certain() -> None:
    understood = classify("Это не ко мне, я передам коллеге", NOW, MSK)
    assert understood.intent == "referral"
    assert understood.referral is not None and not understood.referral.has_address()
    assert understood.certain is False


def test_own_new_address_is_not_a_referral() -> None:
    assert classify("Пишите мне на ivan.petrov@gmail.com", NOW, MSK).intent != "referral"
    assert classify("Напишите мне в телеграм @ivan_p", NOW, MSK).intent != "referral"


def test_presentation_beats_pause_and_question() -> None:
    understood = classify(
        "Сейчас не до этого, пришлите презентацию, посмотрим в январе. Сколько стоит?", NOW, MSK
    )
    assert understood.intent == "presentation"
    assert understood.wants_presentation is True
    assert understood.wants_pause is True
    assert understood.pause_until == date(2027, 1, 11)
    assert understood.question == "Сколько стоит?"
    assert understood.topics == ["price"]
    assert understood.certain is False


def test_pause_beats_not_interested() -> None:
    understood = classify("не интересно сейчас, напишите через месяц", NOW, MSK)
    assert understood.intent == "pause"
    assert understood.pause_until == date(2026, 12, 25)


def test_question_with_a_request_keeps_both() -> None:
    understood = classify("Пришлите презентацию. И есть ли интеграция с 1С?", NOW, MSK)
    assert understood.intent == "presentation"
    assert understood.question == "И есть ли интеграция с 1С?"
    assert understood.topics == ["integrations"]


def test_negated_wishes_are_not_wishes() -> None:
    understood = classify("Презентацию не надо, давайте сразу созвонимся в пятницу в 11", NOW, MSK)
    assert understood.intent == "demo"
    assert understood.wants_presentation is False
    assert understood.demo_at == at(27, 11)
    understood = classify("Без звонков, пожалуйста, просто пришлите презентацию", NOW, MSK)
    assert (understood.intent, understood.wants_demo) == ("presentation", False)


@pytest.mark.parametrize(
    ("text", "pause_until"),
    [
        ("Сейчас не до этого, напишите через месяц.", date(2026, 12, 25)),
        ("Напишите через 2 недели", date(2026, 12, 9)),
        ("Вернёмся к вопросу после праздников", date(2027, 1, 11)),
        ("Давайте вернёмся к этому в январе", date(2027, 1, 11)),
        ("Сейчас не до этого, давайте в марте", date(2027, 3, 1)),
        ("Я в отпуске до 7 декабря, напишите потом", date(2026, 12, 8)),
        ("Напишите после 10 декабря", date(2026, 12, 11)),
        ("Напишите в понедельник в 10", datetime(2026, 11, 30, 10, 0, tzinfo=MSK)),
        ("Я в отпуске до конца декабря", date(2027, 1, 11)),
        ("Давайте лучше в январе", date(2027, 1, 11)),
    ],
)
def test_pause_until(text: str, pause_until: date | datetime) -> None:
    understood = classify(text, NOW, MSK)
    assert understood.intent == "pause"
    assert understood.wants_pause is True
    assert understood.pause_until == pause_until


def test_pause_without_a_date() -> None:
    understood = classify("Не сейчас", NOW, MSK)
    assert (understood.intent, understood.pause_until) == ("pause", None)


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        (
            "Подскажите, с какими площадками отзывов вы работаете? Нам важны Яндекс Карты и 2ГИС.",
            ["platforms"],
        ),
        ("Отзовик тоже собираете?", ["platforms"]),
        ("Что умеет ваш сервис?", ["features"]),
        ("Сколько стоит?", ["price"]),
        ("Какие у вас тарифы?", ["price"]),
        ("How much does it cost?", ["price"]),
        ("Как начать работу с вами?", ["how_to_start"]),
        ("Можно попробовать пилот на двух точках?", ["pilot"]),
        ("Есть интеграция с 1С и amoCRM?", ["integrations"]),
        ("У вас есть API?", ["integrations"]),
        ("А вы кто вообще, что за компания?", ["company"]),
        ("Ваш ИИ сам отвечает на отзывы?", ["ai_replies"]),
        ("Нейросеть пишет ответы?", ["ai_replies"]),
        ("Какие отчёты есть?", ["reports"]),
        ("Есть аналитика по филиалам?", ["reports"]),
        ("Подойдёт ли нам, у нас одна кофейня?", ["who_for"]),
        ("Какие у вас цены? И есть ли пробный период?", ["price", "pilot"]),
        ("А что по погоде?", ["unknown"]),
    ],
)
def test_question_topics(text: str, topics: list[str]) -> None:
    understood = classify(text, NOW, MSK)
    assert understood.intent == "question"
    assert understood.topics == topics
    assert understood.question


def test_question_text_is_the_question_sentence() -> None:
    understood = classify("Здравствуйте! Получил ссылку на бота в письме. Что умеет ваш сервис?", NOW, MSK)
    assert understood.question == "Что умеет ваш сервис?"
    assert understood.certain is True


def test_unknown_topic_is_not_certain() -> None:
    assert classify("А что по погоде?", NOW, MSK).certain is False


def test_other_keeps_the_question_text_for_the_handoff() -> None:
    text = (
        "Добрый день! Вы ведь Napoleon IT? Нам нужна разработка мобильного приложения для сети клиник"
        " — с кем можно это обсудить?"
    )
    understood = classify(text, NOW, MSK)
    assert understood.intent == "other"
    assert understood.certain is False
    assert understood.question is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Пришлите презентацию", "ru"),
        ("Please send me the deck", "en"),
        ("Напишите olga.smirnova@volna-hotel.ru", "ru"),
        ("OK", "en"),
        ("12345", "ru"),
        ("/start", "ru"),
        ("Спасибо, but we use Yandex already", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language
    assert classify(text, NOW, MSK).language == language


def test_certain_only_for_short_single_pattern() -> None:
    assert classify("Скиньте КП", NOW, MSK).certain is True
    long_text = (
        " ".join(["Добрый день, у нас сеть из двадцати ресторанов в трёх городах."] * 4) + " Скиньте КП"
    )
    assert classify(long_text, NOW, MSK).certain is False
    assert classify("Привет", NOW, MSK).certain is False
    assert classify("", NOW, MSK).intent == "other"


def test_english_mixed() -> None:
    understood = classify("Please send the presentation and let's have a call tomorrow at 3pm", NOW, MSK)
    assert understood.intent == "demo"
    assert understood.wants_presentation is True
    assert understood.demo_at == at(26, 15)
    assert understood.language == "en"


# --- detect_certain -----------------------------------------------------------------------------
def test_detect_certain_auto_reply_with_return_date() -> None:
    text = "Добрый день!\n\nЯ в отпуске и вернусь 7 декабря. Отвечу на ваше письмо после возвращения."
    understood = detect_certain(text, ["auto_reply"], NOW, MSK)
    assert understood is not None
    assert understood.intent == "auto_reply"
    assert understood.pause_until == date(2026, 12, 7)
    assert understood.certain is True


def test_detect_certain_auto_reply_without_date() -> None:
    understood = detect_certain("Спасибо, ваше письмо получено.", ["auto_reply"], NOW, MSK)
    assert understood is not None
    assert (understood.intent, understood.pause_until) == ("auto_reply", None)


def test_detect_certain_english_out_of_office() -> None:
    understood = detect_certain("I am out of the office until December 7th.", ["auto_reply"], NOW, MSK)
    assert understood is not None
    assert (understood.intent, understood.pause_until, understood.language) == (
        "auto_reply",
        date(2026, 12, 8),
        "en",
    )


@pytest.mark.parametrize("flag", ["bounce", "bounce_soft"])
def test_detect_certain_bounce(flag: str) -> None:
    understood = detect_certain("550 5.1.1 User unknown", [flag], NOW, MSK)
    assert understood is not None
    assert (understood.intent, understood.certain) == ("bounce", True)


@pytest.mark.parametrize("text", ["/start", "/start promo_42", "/start@napoleon_otzyvy_bot"])
def test_detect_certain_restart(text: str) -> None:
    understood = detect_certain(text, [], NOW, MSK)
    assert understood is not None
    assert (understood.intent, understood.certain) == ("restart", True)


def test_detect_certain_restart_flag() -> None:
    understood = detect_certain("", ["start"], NOW, MSK)
    assert understood is not None
    assert understood.intent == "restart"


@pytest.mark.parametrize("text", ["Пришлите презентацию", "Сколько стоит?", "/starting", "start"])
def test_detect_certain_leaves_the_rest(text: str) -> None:
    assert detect_certain(text, [], NOW, MSK) is None


def test_classify_passes_flags_to_detect_certain() -> None:
    understood = classify("Я в отпуске до 7 декабря", NOW, MSK, flags=["auto_reply"])
    assert (understood.intent, understood.pause_until) == ("auto_reply", date(2026, 12, 8))
