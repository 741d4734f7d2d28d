"""Question topics by lemma: price asked in any words, two questions both found, the general
feature paragraph not added next to a specific answer, an ask without a question mark."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding import rules
from agent.understanding.calendar_ru import normalize
from agent.understanding.topics import lexicon_topics, topics_in

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)


@pytest.mark.parametrize(("text", "expected"), [
    ("а по деньгам во сколько обойдётся на 15 салонов?", ["price"]),
    ("Подскажите, а какой ценник для сети из 40 аптек?", ["price"]),
    ("Во что нам это встанет на 8 филиалов?", ["price"]),
    ("Это платно? Какие тарифы?", ["price"]),
    ("What does it cost?", ["price"]),
    ("С какими площадками работаете и сколько стоит на 20 точек?", ["platforms", "price"]),
    ("Умеет ли сервис сам отвечать на отзывы?", ["ai_replies"]),
    ("Какие у вас уведомления и сколько стоит?", ["features", "price"]),  # a named feature stays
    ("Что умеет сервис?", ["features"]),
    ("What's the pricing for 30 locations? And can it reply to reviews automatically?", ["price", "ai_replies"]),
    ("Для кого этот сервис?", ["who_for"]),
    ("У нас всего две точки, есть смысл подключаться?", ["who_for"]),  # whether it fits them
    ("Чем вы лучше, чем просто отвечать в Яндекс Бизнесе самим?", ["why_us"]),  # Яндекс in passing
    ("В чём ваше преимущество? И с какими площадками работаете?", ["why_us", "platforms"]),
    ("How are you different from Birdeye?", ["why_us"]),
])
def test_topics(text: str, expected: list[str]) -> None:
    assert topics_in(text, normalize(text)) == expected


def test_a_group_of_lemmas_must_be_close_and_in_order() -> None:
    # «для сети клиник — с кем можно обсудить»: «для … кем» is not «для кого»
    assert "who_for" not in lexicon_topics("Нужна разработка приложения для сети клиник — с кем можно это обсудить?")


@pytest.mark.parametrize(("text", "intent", "topics"), [
    ("Пришлите презентацию и скажите, работаете ли вы с 2ГИС", "presentation", ["platforms"]),
    ("Пришлите презентацию. И по цене сориентируйте, у нас 25 ресторанов.", "presentation", ["price"]),
    ("Давайте созвонимся в четверг в 11, заодно расскажете про цену", "demo", ["price"]),
    ("Пришлите презентацию, посмотрим с коллегами.", "presentation", []),
])
def test_an_ask_inside_a_request_is_a_question(text: str, intent: str, topics: list[str]) -> None:
    reading = rules.classify(text, NOW, TZ)
    assert (reading.intent, reading.topics) == (intent, topics)


@pytest.mark.parametrize("text", [
    "Вы ищете сотрудников? Хочу отправить резюме на позицию аналитика.",
    "Вы занимаетесь SEO-продвижением сайтов? Нам нужно поднять сайт в поиске.",
    "Hello, I'd like to apply for an analyst position, my CV is attached.",
])
def test_off_topic_requests_are_other_whatever_words_they_share_with_topics(text: str) -> None:
    assert rules.classify(text, NOW, TZ).intent == "other"


def test_a_review_site_the_platforms_answer_does_not_name_is_unlisted() -> None:
    from agent.understanding.patterns import unlisted_platforms

    answer = normalize("Napoleon IT Отзывы работает с Яндекс Картами, 2ГИС, Google Maps и Flamp.")
    assert unlisted_platforms(normalize("А TripAdvisor и Booking поддерживаете?"), answer) == ["TripAdvisor", "Booking.com"]
    assert unlisted_platforms(normalize("С Авито и Озоном работаете?"), answer) == ["Авито", "Ozon"]
    assert unlisted_platforms(normalize("А 2ГИС есть?"), answer) == []
    edited = normalize("Работаем с Яндекс Картами и TripAdvisor.")  # the team listed it in the facts
    assert unlisted_platforms(normalize("Do you support TripAdvisor?"), edited) == []


def test_asks_the_facts_leave_open_are_found_beside_any_topic() -> None:
    from agent.understanding.patterns import uncovered_asks

    def asks(text: str) -> list[str]:
        return uncovered_asks(normalize(text))

    assert asks("Сколько времени занимает подключение?") == ["timeline"]
    assert asks("Какие сроки внедрения на 12 клиник?") == ["timeline"]
    assert asks("Как быстро можно запустить на всех точках?") == ["timeline"]
    assert asks("How long does the setup take?") == ["timeline"]
    assert asks("А вы можете удалять негативные отзывы?") == ["removal"]
    assert asks("Плохие отзывы можно скрыть?") == ["removal"]
    assert asks("Плохие отзывы на Яндексе вы умеете убирать?") == ["removal"]
    assert asks("Сколько времени обычно уходит на подключение?") == ["timeline"]
    assert asks("Can you remove fake reviews from Google?") == ["removal"]
    assert asks("Договор с юрлицом заключаете? И по оферте можно?") == ["contract"]
    assert asks("Do you sign a contract?") == ["contract"]
    assert asks("Есть кейсы в ритейле?") == ["clients"]
    assert asks("Кто из известных компаний уже пользуется?") == ["clients"]
    assert asks("Who else uses it?") == ["clients"]
    assert asks("Сколько точек минимально нужно для подключения?") == ["minimum"]
    assert asks("Можно ли попробовать бесплатно на одной точке?") == ["free"]
    # a neighbouring word is not the ask
    assert asks("Договорились, созвонимся в четверг") == []
    assert asks("Как быстро приходят уведомления о негативе?") == []
    assert asks("Сколько стоит на 15 точек?") == []
    assert asks("Отзывы со всех площадок собираются в одно окно?") == []


@pytest.mark.parametrize(("text", "buying"), [
    ("Пришлите, пожалуйста, договор и счёт, мы готовы начать с 3 точек", True),
    ("Выставьте счёт на ООО «Ромашка», реквизиты во вложении", True),
    ("Готовы купить, что дальше?", True),
    ("Как у вас оплатить подписку?", True),
    ("Send over the contract, please", True),
    ("We're ready to sign", True),
    ("Пока не готовы купить, надо подумать", False),  # negated
    ("Хочу купить у вас домен napoleon, продаёте?", False),  # not the service
    ("Пришлите, пожалуйста, презентацию, договор потом", False),  # the deck now, the contract later
    ("Хотим подключить коллегу к звонку", False),
    ("Договорились, спасибо", False),
])
def test_a_request_for_the_contract_or_the_invoice_is_a_wish_to_buy(text: str, buying: bool) -> None:
    from agent.understanding.patterns import asks_to_buy

    assert asks_to_buy(normalize(text)) is buying


def test_how_it_works_asked_outright_is_answered_beside_a_specific_topic() -> None:
    from agent.understanding.topics import topics_in

    text = "Расскажите подробнее, как это работает и сколько стоит?"
    assert topics_in(text, normalize(text)) == ["features", "price"]
    text = "Как сервис работает с 2ГИС и сколько стоит?"  # how it works with a platform: the platforms answer
    assert topics_in(text, normalize(text)) == ["platforms", "price"]
    text = "Сколько стоит, если нам важен быстрый ответ на негатив?"  # a feature word in passing
    assert topics_in(text, normalize(text)) == ["price"]


@pytest.mark.parametrize("text", ["А у вас есть мобильное приложение?", "Есть ли приложение для смартфона?",
                                  "Is there a mobile app?"])
def test_a_question_about_the_products_own_app_is_a_question_not_an_app_offer(text: str) -> None:
    assert rules.classify(text, NOW, TZ).intent == "question"
