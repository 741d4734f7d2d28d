"""`unanswered_questions`: question sentences beside template-answered ones that still need a person."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.rules import unanswered_questions

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=MSK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("А отчёты можно выгружать в Excel? И есть ли мобильное приложение?", ["И есть ли мобильное приложение?"]),
        ("Работаете ли вы с ресторанами в Казани? И сколько стоит?", ["Работаете ли вы с ресторанами в Казани?"]),
        ("Сколько стоит? Можно подробнее?", []),  # too short to be a question of its own
        ("Сколько стоит и с какими площадками работаете?", []),
        ("Сколько стоит? А можно созвониться в четверг на этой неделе?", []),  # a demo request, not a question
        ("Сколько стоит? А можно в четверг в 15?", []),  # a time
        ("Сколько стоит? Можно ли дать доступ франчайзи к их точкам?", ["Можно ли дать доступ франчайзи к их точкам?"]),
        ("Сколько стоит?\n> Есть ли у вас вопросы по нашему сервису?", []),  # our quoted letter
        ("Do you integrate with Bitrix? And is there a mobile app for managers?", ["And is there a mobile app for managers?"]),
    ],
)
def test_unanswered_questions(text: str, expected: list[str]) -> None:
    assert unanswered_questions(text, NOW, MSK) == expected


def test_a_choice_of_hours_beside_a_call_is_not_a_product_question() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from agent.understanding import rules

    tz = ZoneInfo("Europe/Moscow")
    now = datetime(2026, 12, 2, 12, tzinfo=tz)
    for text in ("Monday works. 11 or 3?", "Давайте в понедельник. В 11 или в 15?"):
        reading = rules.classify(text, now, tz)
        assert reading.wants_demo and reading.question is None and "unknown" not in reading.topics
