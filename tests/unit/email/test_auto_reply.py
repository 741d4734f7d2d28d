"""Auto-replies are flagged (never answered): RFC 3834 and vendor headers, Exchange / Apple /
Russian subjects, read receipts, out-of-office wording; an out-of-office keeps its return date in
the text, so the rules layer pauses the contact until then."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.understanding.rules import detect_certain
from channels.email.parsing import parse_message, to_inbound
from tests.unit.email.conftest import shared_dir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 25, 10, 1, tzinfo=MSK)


def raw(headers: str, body: str = "Здравствуйте! Спасибо за письмо, отвечу позже.") -> bytes:
    head = "From: Иван <ivan@romashka.ru>\nTo: otzyvy@napoleonit.ru\nMessage-ID: <x@romashka.ru>\n" + headers
    return (head.rstrip("\n") + "\nContent-Type: text/plain; charset=utf-8\n\n" + body).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\nSubject: Re: Отзывы",
        "Auto-Submitted: auto-generated\nSubject: Re: Отзывы",
        "X-Autoreply: yes\nSubject: Re: Отзывы",
        "X-Autorespond: Re: Отзывы\nSubject: Re: Отзывы",
        "Precedence: bulk\nSubject: Re: Отзывы",
        "Precedence: auto_reply\nSubject: Re: Отзывы",
        "Precedence: list\nSubject: Re: Отзывы",
        "X-Apple-Action: VACATION\nSubject: Re: Отзывы",
        "Subject: Automatic reply: Отзывы",
        "Subject: =?utf-8?b?0JDQstGC0L7QvtGC0LLQtdGCOiDQntGC0LfRi9Cy0Ys=?=",  # «Автоответ: Отзывы»
        "Subject: Out of Office: Отзывы",
    ],
)
def test_automatic_headers_and_subjects(headers: str) -> None:
    assert parse_message(raw(headers)).flags == ["auto_reply"]


@pytest.mark.parametrize(
    "headers",
    ["Auto-Submitted: no\nSubject: Re: Отзывы", "Precedence: first-class\nSubject: Re: Отзывы", "Subject: Re: Отзывы"],
)
def test_a_person_writing_is_not_an_auto_reply(headers: str) -> None:
    assert parse_message(raw(headers)).flags == []


@pytest.mark.parametrize(
    "body",
    [
        "Здравствуйте! Я нахожусь в отпуске до 7 декабря. Отвечу по возвращении.",
        "Добрый день. Я в командировке до 30.11, доступ к почте ограничен.",
        "I am currently out of the office until December 7 with limited access to email.",
    ],
)
def test_out_of_office_wording_without_quoted_history(body: str) -> None:
    assert parse_message(raw("Subject: Re: Отзывы", body)).flags == ["auto_reply"]


@pytest.mark.parametrize(
    "body",
    [
        "Я в отпуске до 7 декабря. Пришлите, пожалуйста, презентацию — посмотрю после.",
        "Я в отпуске, давайте созвонимся 8 декабря?",
        "Я в отпуске до 7 декабря.\n\n25.11.2026, 10:00, Анна <otzyvy@napoleonit.ru>:\n> Добрый день!",
    ],
)
def test_a_person_who_is_away_but_answers_is_not_an_auto_reply(body: str) -> None:
    assert parse_message(raw("Subject: Re: Отзывы", body)).flags == []


@pytest.mark.parametrize(
    "name",
    ["outlook_ru_auto_reply_ooo", "yandex_auto_reply_vacation", "mailru_auto_reply_wording_only", "outlook_ru_read_receipt"],
)
def test_russian_auto_reply_fixtures(name: str) -> None:
    assert parse_message((FIXTURES / f"{name}.eml").read_bytes()).flags == ["auto_reply"]


def test_a_read_receipt_has_no_client_words_and_so_no_pause_date() -> None:
    parsed = parse_message((FIXTURES / "outlook_ru_read_receipt.eml").read_bytes())
    assert parsed.text == ""
    assert "было прочитано 25.11.2026" in parsed.quoted
    settled = detect_certain(parsed.text, parsed.flags, NOW, MSK)
    assert settled is not None and settled.intent == "auto_reply" and settled.pause_until is None


def test_an_out_of_office_pauses_until_the_return_date() -> None:
    parsed = parse_message((FIXTURES / "yandex_auto_reply_vacation.eml").read_bytes())
    inbound = to_inbound(parsed, raw_key="uid:7", received_at=NOW)
    settled = detect_certain(inbound.text, inbound.flags, NOW, MSK)
    assert settled is not None and settled.intent == "auto_reply"
    assert settled.pause_until == date(2026, 12, 7)


def test_the_shared_sample_auto_reply_dialog() -> None:
    dialog = yaml.safe_load((shared_dir("dialogs") / "sample-auto-reply-01.yaml").read_text(encoding="utf-8"))
    turn = dialog["turns"][0]
    parsed = parse_message(turn["client_email"].encode("utf-8"))
    assert parsed.flags == ["auto_reply"]
    assert parsed.from_name == "Олег Морозов"
    assert parsed.subject.startswith("Автоматический ответ: Отзывы о клубах")
    settled = detect_certain(parsed.text, parsed.flags, NOW, MSK)
    assert settled is not None
    assert settled.intent == turn["expect"]["intent"]
    assert settled.pause_until == turn["expect"]["pause_until"]
