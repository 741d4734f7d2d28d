"""The public API: ParsedEmail fields, `to_inbound`, and `EmailParseError` with a one-line reason
for what cannot be parsed (never another exception)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.contracts import InboundMessage
from channels.email import parsing
from channels.email.parsing import EmailParseError, ParsedEmail, parse_message, to_inbound

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
AT = datetime(2026, 11, 25, 9, 41, tzinfo=UTC)


def test_parsed_fields_of_a_reply() -> None:
    parsed = parse_message((FIXTURES / "gmail_ru_reply_quoted.eml").read_bytes())
    assert parsed.message_id == "<CAJx7Qm1pZ8vK3tN@mail.gmail.com>"
    assert parsed.in_reply_to == "<20261125070000.4f2a1c@napoleonit.ru>"
    assert parsed.references == ["<20261125070000.4f2a1c@napoleonit.ru>"]
    assert (parsed.from_address, parsed.from_name) == ("ivan.petrov@romashka.ru", "Иван Петров")
    assert parsed.to == ["otzyvy@napoleonit.ru"]
    assert parsed.subject == "Re: Отзывы о сети «Ромашка»"
    assert parsed.date == datetime(2026, 11, 25, 9, 41, 7, tzinfo=UTC)
    assert (parsed.flags, parsed.bounce_recipients, parsed.bounced_message_id) == ([], [], None)


def test_to_inbound_maps_every_field() -> None:
    parsed = parse_message((FIXTURES / "gmail_ru_reply_quoted.eml").read_bytes())
    inbound = to_inbound(parsed, raw_key="INBOX:1234", received_at=AT, contact_id="c-1")
    assert isinstance(inbound, InboundMessage)
    assert inbound.key == "email:<CAJx7Qm1pZ8vK3tN@mail.gmail.com>"
    assert (inbound.kind, inbound.channel, inbound.contact_id) == ("message", "email", "c-1")
    assert inbound.sender == "ivan.petrov@romashka.ru"
    assert (inbound.text, inbound.quoted, inbound.subject) == (parsed.text, parsed.quoted, parsed.subject)
    assert inbound.received_at == AT
    assert inbound.meta == {
        "message_id": "<CAJx7Qm1pZ8vK3tN@mail.gmail.com>",
        "in_reply_to": "<20261125070000.4f2a1c@napoleonit.ru>",
        "references": ["<20261125070000.4f2a1c@napoleonit.ru>"],
        "bounce_recipients": [],
        "bounced_message_id": None,
    }


def test_to_inbound_without_a_message_id_uses_the_raw_key_and_keeps_flags() -> None:
    parsed = ParsedEmail(from_address="a@b.ru", flags=["bounce"], bounce_recipients=["a@b.ru"])
    inbound = to_inbound(parsed, raw_key="INBOX:77", received_at=datetime(2026, 11, 25, 9, 41))
    assert inbound.key == "email:INBOX:77"
    assert inbound.flags == ["bounce"]
    assert inbound.meta["bounce_recipients"] == ["a@b.ru"]
    assert inbound.received_at.tzinfo is not None
    assert to_inbound(parsed, raw_key="email:abc", received_at=AT).key == "email:abc"


def test_the_html_alternative_is_read_when_the_plain_part_lost_the_quote_marks() -> None:
    raw = (
        "From: Иван <ivan@romashka.ru>\nSubject: Re: Отзывы\n"
        'Content-Type: multipart/alternative; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=utf-8\n\nДа, давайте.\n\nДобрый день, Иван!\n"
        "Если неактуально, напишите «не пишите мне».\n"
        "--b\nContent-Type: text/html; charset=utf-8\n\n<div>Да, давайте.</div><blockquote>Добрый день, Иван!<br>"
        "Если неактуально, напишите «не пишите мне».</blockquote>\n--b--\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.text == "Да, давайте."
    assert "не пишите мне" in parsed.quoted
    assert parsed.html_only is False


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\r\n\r\n  \r\n", "empty message"),
        (b"just some words\nwithout any header\n", "no header fields"),
        (b"X-Spam: yes\r\n\r\n", "no sender address and no readable text"),
        ("From: a@b.ru\n\nhi", "expected the raw message as bytes"),
        (None, "expected the raw message as bytes"),
    ],
)
def test_unparseable_input_is_rejected_with_a_reason(raw: object, reason: str) -> None:
    with pytest.raises(EmailParseError) as caught:
        parse_message(raw)  # type: ignore[arg-type]
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_limits_are_reasons_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "MAX_MESSAGE_BYTES", 100)
    with pytest.raises(EmailParseError, match="message too large"):
        parse_message(b"From: a@b.ru\n\n" + b"x" * 200)
    monkeypatch.setattr(parsing, "MAX_HEADER_FIELDS", 5)
    with pytest.raises(EmailParseError, match="too many header fields"):
        parse_message(b"".join(b"X-H%d: v\n" % i for i in range(6)) + b"\nhi")


def test_an_unexpected_failure_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(parsing.quotes, "extract_reply", explode)
    with pytest.raises(EmailParseError, match=r"unreadable message \(KeyError"):
        parse_message(b"From: a@b.ru\n\nhi")


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@b.ru\nContent-Type: multipart/mixed; boundary=\n\n--\n--\n",
        b"From: a@b.ru\nContent-Type: multipart/mixed\n\nno boundary at all",
        b"From: a@b.ru\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!",
        b"From: a@b.ru\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n=",
        b"From: a@b.ru\nContent-Type: text/plain; charset=\"\xff\xfe\"\n\n\xff\xfe\x00",
        b"From: a@b.ru\nContent-Type: text/html; charset=utf-7\n\n+ZeVnLIqe-<div>",
        b"From: =?utf-8?b?====?= <a@b.ru>\nSubject: =?koi8-r?q?=FF=FE?=\n\nhi",
        b"From: a@b.ru\nDate: Mon, 32 Foo 99999 99:99 +9999\n\nhi",
        b"From: a@b.ru\nContent-Type: message/rfc822\n\nFrom: c@d.ru\n\ninner",
        b"From: \"a\" <<<<a@b.ru>>>\nTo: ,,,;;;<>\nReferences: <<<>>>\n\nhi",
        b"From MAILER-DAEMON Mon Sep 20 19:29:27 2021\nFrom: a@b.ru\n\n\x00\x01\x02",
    ],
)
def test_broken_messages_are_parsed_or_rejected_never_crash(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except EmailParseError as exc:
        assert str(exc)
    else:
        assert isinstance(parsed, ParsedEmail)
