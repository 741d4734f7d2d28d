"""Composing outgoing mail: exact headers, threading, subjects, attachments, the invite."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path

import pytest

from agent.contracts import OutboundMessage, message_id_for
from channels.email.compose import (
    Envelope,
    build_email,
    reference_chain,
    reply_subject,
    to_bytes,
    unsubscribe_address,
    unsubscribe_header,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SENDER = "otzyvy@napoleonit.ru"
PDF = Path(__file__).resolve().parents[3] / "prompts" / "sample_presentation.pdf"


def envelope(**fields: object) -> Envelope:
    values: dict[str, object] = dict(sender_email=SENDER, from_name="Анна, Napoleon IT",
                                     message_id=message_id_for("k:reply", SENDER),
                                     unsubscribe=unsubscribe_address(SENDER), now=NOW)
    values.update(fields)
    return Envelope(**values)  # type: ignore[arg-type]


def message(**fields: object) -> OutboundMessage:
    values: dict[str, object] = dict(key="k:reply", contact_id="c-1", channel="email", to="ivan@romashka.ru",
                                     subject="Отзывы о клиниках «Здоровье»", text="Добрый день, Иван!")
    values.update(fields)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def roundtrip(mail: object) -> email.message.EmailMessage:
    return email.message_from_bytes(to_bytes(mail), policy=default)  # type: ignore[arg-type, return-value]


def test_message_id_is_fixed_by_the_outbox_key() -> None:
    first = message_id_for("email:<a@b>:reply", SENDER)
    assert first == message_id_for("email:<a@b>:reply", SENDER)
    assert first != message_id_for("email:<a@b>:reply2", SENDER)
    assert re.fullmatch(r"<[0-9a-f]{24}@napoleonit\.ru>", first)


def test_first_message_headers_are_exact() -> None:
    mail = roundtrip(build_email(message(kind="outreach"), envelope()))
    assert mail["From"] == '"Анна, Napoleon IT" <otzyvy@napoleonit.ru>'
    assert mail["To"] == "ivan@romashka.ru"
    assert mail["Subject"] == "Отзывы о клиниках «Здоровье»"
    assert mail["Message-ID"] == message_id_for("k:reply", SENDER)
    assert mail["Date"] == "Wed, 25 Nov 2026 09:00:00 +0000"
    assert mail["List-Unsubscribe"] == (f"<mailto:otzyvy+unsubscribe@napoleonit.ru?subject=unsubscribe%20"
                                        f"{message_id_for('k:reply', SENDER)[1:25]}>")
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["In-Reply-To"] is None and mail["References"] is None
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content().strip() == "Добрый день, Иван!"
    raw = to_bytes(build_email(message(), envelope()))
    assert b"\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")  # CRLF wire form


def test_reply_has_in_reply_to_references_and_one_re() -> None:
    env = envelope(in_reply_to="<client-2@romashka.ru>", references=["<ours-1@napoleonit.ru>", "<client-1@x>"])
    mail = roundtrip(build_email(message(subject="Re: Отзывы"), env))
    assert mail["In-Reply-To"] == "<client-2@romashka.ru>"
    assert mail["References"].split() == ["<ours-1@napoleonit.ru>", "<client-1@x>", "<client-2@romashka.ru>"]
    assert mail["Subject"] == "Re: Отзывы"
    no_subject = roundtrip(build_email(message(subject=None), envelope(in_reply_to="<c@x>", thread_subject="Вопрос")))
    assert no_subject["Subject"] == "Re: Вопрос"


@pytest.mark.parametrize(("subject", "expected"), [
    ("Отзывы", "Re: Отзывы"), ("Re: Отзывы", "Re: Отзывы"), ("RE: Отзывы", "RE: Отзывы"),
    ("Ответ: Отзывы", "Ответ: Отзывы"), ("Re[2]: Отзывы", "Re[2]: Отзывы"), ("", "Re:"),
])
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_reference_chain_is_deduplicated_and_capped() -> None:
    refs = [f"<m{i}@x>" for i in range(30)] + ["<m3@x>", "parent@x"]
    chain = reference_chain(refs, "parent@x")
    assert chain[-1] == "<parent@x>" and len(chain) == 20 and len(set(chain)) == 20
    assert reference_chain(["<a@x>"], None) == []


def test_unsubscribe_address_and_header() -> None:
    assert unsubscribe_address(SENDER, "stop@napoleonit.ru") == "stop@napoleonit.ru"
    assert unsubscribe_header("stop@x.ru", "<abc@x.ru>") == "<mailto:stop@x.ru?subject=unsubscribe%20abc>"


def test_pdf_and_invite_are_attached(tmp_path: Path) -> None:
    missing = tmp_path / "absent.pdf"
    env = envelope(invite=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    mail = roundtrip(build_email(message(attachments=[str(PDF), str(missing)]), env))
    parts = {p.get_filename(): p for p in mail.iter_attachments()}
    assert set(parts) == {"sample_presentation.pdf", "invite.ics"}  # the missing file is skipped
    assert parts["sample_presentation.pdf"].get_content_type() == "application/pdf"
    assert parts["sample_presentation.pdf"].get_content() == PDF.read_bytes()
    assert parts["invite.ics"].get_content_type() == "text/calendar"
    assert parts["invite.ics"].get_param("method") == "REQUEST"
    assert mail.get_body(preferencelist=("plain",)).get_content().strip() == "Добрый день, Иван!"
