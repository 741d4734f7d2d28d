"""Bounces: delivery-status reports read per recipient, text bounces recognised by sender, subject
and wording; hard or soft; the failed addresses and the Message-ID of our original."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from channels.email.parsing import parse_message
from tests.unit.email.conftest import shared_dir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
OURS = "<20261125070000.4f2a1c@napoleonit.ru>"


def dsn(action: str, status: str, sender: str = "MAILER-DAEMON@mail.napoleonit.ru") -> bytes:
    return (
        f"From: {sender}\nTo: otzyvy@napoleonit.ru\nSubject: Delivery Status Notification\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        "--B\nContent-Type: text/plain\n\nDelivery report.\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        f"Final-Recipient: rfc822; ivan@romashka.ru\nAction: {action}\nStatus: {status}\n\n"
        f"--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: {OURS}\nTo: ivan@romashka.ru\n\n--B--\n"
    ).encode()


@pytest.mark.parametrize(
    ("name", "flags", "recipients"),
    [
        ("exchange_ru_ndr_hard", ["bounce"], ["ivan.petrov@romashka.ru"]),
        ("yandex_bounce_mailbox_full_soft", ["bounce_soft"], ["ivan.petrov@yandex.ru"]),
        ("postfix_bounce_delayed_soft", ["bounce_soft"], ["ivan.petrov@romashka.ru"]),
        ("hosting_ru_bounce_text_hard", ["bounce"], ["ivan.petrov@romashka.ru"]),
    ],
)
def test_bounce_fixtures(name: str, flags: list[str], recipients: list[str]) -> None:
    parsed = parse_message((FIXTURES / f"{name}.eml").read_bytes())
    assert parsed.flags == flags
    assert parsed.bounce_recipients == recipients
    assert parsed.bounced_message_id == OURS


def test_a_bounce_text_never_carries_the_copy_of_our_message() -> None:
    parsed = parse_message((FIXTURES / "hosting_ru_bounce_text_hard.eml").read_bytes())
    assert "не может быть доставлено" in parsed.text
    assert "не пишите мне" not in parsed.text and "не пишите мне" in parsed.quoted


@pytest.mark.parametrize(
    ("action", "status", "flags"),
    [
        ("failed", "5.1.1", ["bounce"]),
        ("failed", "5.7.1", ["bounce"]),
        ("failed", "5.2.2", ["bounce_soft"]),  # mailbox full
        ("failed", "4.4.7", ["bounce_soft"]),
        ("delayed", "4.4.1", ["bounce_soft"]),
    ],
)
def test_hard_or_soft_from_the_status(action: str, status: str, flags: list[str]) -> None:
    parsed = parse_message(dsn(action, status))
    assert parsed.flags == flags
    assert parsed.bounce_recipients == ["ivan@romashka.ru"]
    assert parsed.bounced_message_id == OURS


def test_a_successful_delivery_notification_is_not_a_bounce_and_never_answered() -> None:
    assert parse_message(dsn("delivered", "2.0.0")).flags == ["auto_reply"]


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Re: Undeliverable: Отзывы", "Мне пришло уведомление, что письмо коллеге не дошло. Напишите ей на другой адрес."),
        (
            "Fwd: Undeliverable: Отзывы",
            "Посмотрите, что пришло.\n\n---------- Forwarded message ---------\nFrom: postmaster@romashka.ru\n"
            "Subject: Undeliverable\n\nYour message could not be delivered: user unknown.",
        ),
    ],
)
def test_a_person_writing_about_an_undelivered_letter_is_not_a_bounce(subject: str, body: str) -> None:
    raw = (
        f"From: Иван <ivan@romashka.ru>\nTo: otzyvy@napoleonit.ru\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.flags == []
    assert parsed.text.startswith(body.split("\n")[0])


def test_the_shared_sample_bounce_dialog() -> None:
    dialog = yaml.safe_load((shared_dir("dialogs") / "sample-bounce-01.yaml").read_text(encoding="utf-8"))
    parsed = parse_message(dialog["turns"][0]["client_email"].encode("utf-8"))
    assert parsed.flags == ["bounce"]
    assert parsed.bounce_recipients == ["a.kuznetsov@stroymarket.ru"]
    assert parsed.bounced_message_id == "<20261125100000.samplebounce@napoleonit.ru>"
