"""Our own client fixtures (tests/fixtures/email): the extracted text is exactly the .txt beside
each .eml; quotes, reply headers and signatures go to `quoted`, never into `text`."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.understanding.opt_out import is_opt_out
from channels.email.parsing import ParsedEmail, parse_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
WITH_TEXT = sorted(p for p in FIXTURES.glob("*.eml") if p.with_suffix(".txt").exists())
REPLIES = [p for p in WITH_TEXT if "auto_reply" not in p.stem and "read_receipt" not in p.stem]
RUSSIAN_CLIENTS = ("gmail_ru", "yandex", "mailru", "mailru_web", "outlook_ru", "thunderbird_ru", "apple_mail_ru", "bat_ru")


def parse(name: str) -> ParsedEmail:
    return parse_message((FIXTURES / f"{name}.eml").read_bytes())


def test_the_fixture_set_covers_the_russian_clients() -> None:
    for client in RUSSIAN_CLIENTS:
        assert any(p.stem.startswith(client + "_") for p in REPLIES), client
    assert len(REPLIES) >= 14


@pytest.mark.parametrize("path", WITH_TEXT, ids=[p.stem for p in WITH_TEXT])
def test_extracted_text_is_exactly_the_expected_text(path: Path) -> None:
    parsed = parse_message(path.read_bytes())
    assert parsed.text == path.with_suffix(".txt").read_text(encoding="utf-8").rstrip("\n")


@pytest.mark.parametrize("path", REPLIES, ids=[p.stem for p in REPLIES])
def test_replies_carry_no_flags_and_thread_headers(path: Path) -> None:
    parsed = parse_message(path.read_bytes())
    assert parsed.flags == []
    assert parsed.from_address == "ivan.petrov@romashka.ru"
    assert parsed.message_id and parsed.message_id.startswith("<") and parsed.message_id.endswith(">")
    assert parsed.date is not None and parsed.date.tzinfo is not None


def test_a_quoted_opt_out_phrase_is_context_not_the_clients_words() -> None:
    parsed = parse("gmail_ru_reply_quoted")
    assert "не пишите мне" in parsed.quoted
    assert "не пишите" not in parsed.text
    assert not is_opt_out(parsed.text)
    assert parsed.quoted.startswith("ср, 25 нояб. 2026 г. в 10:00, Анна Смирнова <otzyvy@napoleonit.ru>:")


@pytest.mark.parametrize(
    ("name", "quote_starts"),
    [
        ("yandex_reply_quoted", '25.11.2026, 10:00, "Анна Смирнова" <otzyvy@napoleonit.ru>:'),
        ("mailru_reply_quoted", "25.11.2026, 10:00, Анна Смирнова <otzyvy@napoleonit.ru> написал(а):"),
        ("outlook_ru_original_message", "-----Исходное сообщение-----"),
        ("thunderbird_ru_bottom_post", "25.11.2026 10:00, Анна Смирнова пишет:"),
    ],
)
def test_the_reply_header_goes_to_the_quoted_part(name: str, quote_starts: str) -> None:
    parsed = parse(name)
    assert quote_starts in parsed.quoted
    assert quote_starts not in parsed.text


def test_signatures_go_to_quoted() -> None:
    outlook = parse("outlook_ru_reply_headers")
    assert outlook.quoted.startswith("С уважением,\nИван Петров\nРуководитель отдела маркетинга")
    assert "От: Анна Смирнова <otzyvy@napoleonit.ru>\nОтправлено: 25 ноября 2026 г. 10:00" in outlook.quoted
    gmail = parse("gmail_ru_reply_signature")
    assert gmail.quoted.startswith("-- \nИван Петров") or gmail.quoted.startswith("--\nИван Петров")
    assert "+7 (495)" not in gmail.text
    assert "Отправлено с iPhone" in parse("apple_mail_ru_reply_quoted").quoted


def test_charsets_koi8r_windows1251_and_a_wrong_label_decode_to_the_same_words() -> None:
    assert parse("outlook_ru_original_message").subject == 'Re: Отзывы о сети "Ромашка"'  # koi8-r words
    assert parse("mailru_reply_quoted").subject == "Re: Отзывы о сети «Ромашка»"  # windows-1251 words
    assert parse("bat_ru_reply_wrong_charset").text.startswith("Добрый день! Да, интересно.")


def test_html_only_bodies_are_read_as_text() -> None:
    for name in ("outlook_ru_reply_html_only", "mailru_web_reply_html_only"):
        parsed = parse(name)
        assert parsed.html_only is True
        assert "<" not in parsed.text and "не пишите мне" not in parsed.text
    assert parse("gmail_ru_reply_quoted").html_only is False  # text/plain preferred when present


def test_a_multipart_with_a_wrong_boundary_is_repaired() -> None:
    parsed = parse("apple_mail_ru_broken_boundary")
    assert parsed.text == "Спасибо, получил. Изучу и вернусь с вопросами."
    assert "Content-Type" not in parsed.text


def test_header_injection_in_names_and_subject_stays_on_one_line() -> None:
    parsed = parse("gmail_ru_header_injection")
    for value in (parsed.from_name or "", parsed.subject):
        assert "\r" not in value and "\n" not in value
    assert parsed.from_name == "Иван Bcc: victim@example.com"
    assert parsed.from_address == "ivan.petrov@romashka.ru"
    assert parsed.to == ["otzyvy@napoleonit.ru"]
