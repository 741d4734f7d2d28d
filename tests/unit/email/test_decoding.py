"""Header fields and charsets as Russian mail sends them: RFC 2047 words in utf-8, koi8-r and
windows-1251, raw 8-bit headers, labels that lie, addresses, message ids and dates."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone

import pytest

from channels.email import headers as h
from channels.email.charsets import codec_name, decode_bytes, guess

RU = "Отзывы о сети «Ромашка»"


def message(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def b_word(text: str, charset: str) -> str:
    codec = codec_name(charset)
    assert codec
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
def test_encoded_words_in_russian_charsets(charset: str) -> None:
    text = "Отзывы о сети Ромашка"
    assert h.decode_header_value(f"Re: {b_word(text, charset)}") == f"Re: {text}"


def test_adjacent_encoded_words_join_without_the_space_between_them() -> None:
    value = "=?utf-8?b?0J7RgtC30YvQstGL?=\r\n =?utf-8?q?_=D0=BE_=D1=81=D0=B5=D1=82=D0=B8?="
    assert h.decode_header_value(value) == "Отзывы о сети"


def test_an_unknown_or_missing_charset_label_is_guessed() -> None:
    word = base64.b64encode(RU.encode("cp1251")).decode()
    assert h.decode_header_value(f"=?x-unknown?B?{word}?=") == RU
    assert h.decode_header_value(f"=?utf-8?B?{base64.b64encode(RU.encode()).decode()}") != ""  # unterminated


def test_raw_8bit_headers_in_windows_1251_and_utf8() -> None:
    msg = message(b"Subject: " + RU.encode("cp1251") + b"\r\nFrom: " + "Иван".encode() + b" <I@X.RU>\r\n\r\nhi")
    assert h.header_text(msg, "subject") == RU
    assert h.from_header(msg) == ("i@x.ru", "Иван")


def test_control_characters_never_survive_in_a_header_value() -> None:
    word = base64.b64encode("Иван\r\nBcc: a@b.c\x00".encode()).decode()
    value = h.decode_header_value(f"=?utf-8?b?{word}?=")
    assert value == "Иван Bcc: a@b.c"


def test_addresses_are_lower_cased_and_invalid_ones_dropped() -> None:
    msg = message(b'To: "Ivan" <IVAN@Romashka.RU>, not-an-address, <petr@romashka.ru>\r\nFrom: <>\r\n\r\n')
    assert h.address_list(msg, "to") == ["ivan@romashka.ru", "petr@romashka.ru"]
    assert h.from_header(msg) == (None, None)


def test_message_ids_keep_angle_brackets_and_bare_ids_get_them() -> None:
    assert h.message_ids("<a@b>  <c@d>\r\n <a@b>") == ["<a@b>", "<c@d>"]
    assert h.message_ids("abc@example.com") == ["<abc@example.com>"]
    assert h.message_ids("garbage without id") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 25 Nov 2026 12:41:07 +0300", datetime(2026, 11, 25, 12, 41, 7, tzinfo=timezone(timedelta(hours=3)))),
        ("Wed, 25 Nov 2026 12:41:07 -0000", datetime(2026, 11, 25, 12, 41, 7, tzinfo=UTC)),
        ("25 Nov 2026 12:41:07", datetime(2026, 11, 25, 12, 41, 7, tzinfo=UTC)),
        ("вчера вечером", None),
        ("Wed, 99 Nov 2026 99:99:99 +0300", None),
    ],
)
def test_dates_are_aware_or_none(value: str, expected: datetime | None) -> None:
    moment = h.date_header(message(f"Date: {value}\r\n\r\n".encode()))
    assert moment == expected
    assert moment is None or moment.tzinfo is not None


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (RU.encode("cp1251"), "koi8-r"),  # windows-1251 bytes labelled koi8-r
        (RU.replace("«", '"').replace("»", '"').encode("koi8_r"), "windows-1251"),  # and the other way
        (RU.encode("cp1251"), "iso-8859-1"),  # labelled latin-1
        (RU.encode(), "windows-1251"),  # UTF-8 labelled windows-1251
        (RU.encode("cp1251"), None),
        (RU.encode("cp1251"), "no-such-charset"),
    ],
)
def test_a_charset_label_that_lies_is_overruled(data: bytes, label: str | None) -> None:
    assert decode_bytes(data, label).replace('"', "«", 1).replace('"', "»", 1) == RU


def test_correct_labels_and_latin_text_are_left_alone() -> None:
    assert decode_bytes("Grüße aus München".encode("latin-1"), "iso-8859-1") == "Grüße aus München"
    assert decode_bytes(RU.encode("cp1251"), "windows-1251") == RU
    assert decode_bytes("Ёлки".encode("koi8_r"), "koi8-r") == "Ёлки"
    assert guess(b"\xff\xfe" + "да".encode("utf-16-le")) == "да"


@pytest.mark.parametrize("label", ["base64", "rot13", "undefined", "idna", "", "  ", "x" * 500])
def test_codecs_that_are_not_text_charsets_are_refused(label: str) -> None:
    assert codec_name(label) is None
    assert decode_bytes("да".encode(), label) == "да"


def test_a_character_split_across_two_encoded_words_is_joined() -> None:
    data = "Отзывы".encode()
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    assert h.decode_header_value(f"=?utf-8?B?{first}?= =?UTF-8?B?{second}?=") == "Отзывы"
