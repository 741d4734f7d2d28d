"""The bytes that leave the machine: literal List-Unsubscribe (RFC 2369 / 8058), subjects that
decode back exactly, the signed one-click token and the calendar part of an invite."""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

from icalendar import Calendar

from agent.contracts import message_id_for
from agent.tools.unsubscribe_token import make_token, unsubscribe_url, verify_token
from channels.email.compose import build_email, to_bytes
from channels.email.ics import DemoInvite, invite_ics
from tests.unit.email_transport.test_compose import SENDER, envelope, message

SECRET = "s3cret-for-tests"
ENCODED_WORD = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=")


def raw_headers(raw: bytes) -> dict[str, str]:
    """Header name → the raw value as on the wire (folds kept as CRLF + WSP)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    headers: dict[str, str] = {}
    for name, value in re.findall(r"^([\w-]+): ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.MULTILINE):
        headers[name] = value
    return headers


def strict_decode(value: str) -> str:
    """A strict RFC 2047 reading: unfold, then only encoded words separated by whitespace."""
    unfolded = value.replace("\r\n", "")
    if "=?" not in unfolded:
        return unfolded
    rest = ENCODED_WORD.sub("", unfolded)
    assert rest.strip() == "", f"text outside encoded words: {rest!r}"
    return b"".join(base64.b64decode(w) for w in ENCODED_WORD.findall(unfolded)).decode("utf-8")


def test_list_unsubscribe_is_the_literal_mailto_on_the_wire() -> None:
    raw = to_bytes(build_email(message(kind="outreach"), envelope()))
    token = message_id_for("k:reply", SENDER)[1:25]
    line = f"List-Unsubscribe: <mailto:otzyvy+unsubscribe@napoleonit.ru?subject=unsubscribe%20{token}>\r\n"
    assert line.encode() in raw
    assert b"=?utf-8?q?=3Cmailto" not in raw and b"List-Unsubscribe-Post" not in raw


def test_one_click_variant_when_a_public_url_is_configured() -> None:
    url = unsubscribe_url("https://seed.example.ru/", "c-1a2b3c4d", SECRET)
    raw = to_bytes(build_email(message(kind="outreach"), envelope(unsubscribe_url=url)))
    value = raw_headers(raw)["List-Unsubscribe"]
    assert "=?" not in value
    assert re.fullmatch(r"<mailto:otzyvy\+unsubscribe@napoleonit\.ru\?subject=unsubscribe%20[0-9a-f]{24}>,"
                        r"\r\n <https://seed\.example\.ru/u/c-1a2b3c4d\.[A-Za-z0-9_-]{43}>", value)
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_token_is_per_contact_and_signed() -> None:
    token = make_token("c-1", SECRET)
    assert verify_token(token, SECRET) == "c-1"
    forged = token.replace("c-1.", "c-2.")
    assert verify_token(forged, SECRET) is None  # one contact's signature never opens another
    assert verify_token(make_token("c-2", SECRET), SECRET) == "c-2"
    assert verify_token(token, "other-secret") is None
    assert verify_token(token[:-1] + ("A" if token[-1] != "A" else "B"), SECRET) is None
    assert verify_token("garbage", SECRET) is None and verify_token(".sig", SECRET) is None
    assert verify_token(token, "") is None


WORDS = ["Отзывы", "о", "точках", "компании", "«Бриз»", "Сеть", "кофеен", "Яндекс", "Картах", "2ГИС",
         "ООО", "«Улыбка»:", "отзывы", "—", "2026", "24/7", "№1", "😀", "👍🏽", "Re:", "Napoleon", "IT",
         "Здоровье", "Стоматологическая", "клиника", "«Ромашка-Плюс»", "и", "на", "—", "100%", "₽", "…",
         "Международная-Объединённая-Торгово-Производственная-Корпорация", "Ёлки-Палки", "x", "A1"]


def generated_subjects(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    subjects = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3 + i % 25))]
        joiner = rng.choice([" ", " ", " ", "  "])
        subjects.append(joiner.join(words))
    return subjects


def test_a_thousand_subjects_decode_back_exactly_from_the_raw_bytes() -> None:
    subjects = generated_subjects(1000)
    exact_lib = exact_strict = 0
    for subject in subjects:
        raw = to_bytes(build_email(message(subject=subject), envelope()))
        value = raw_headers(raw)["Subject"]
        assert all(len(line) <= 78 for line in ("Subject: " + value).split("\r\n"))
        exact_lib += str(make_header(decode_header(value.replace("\r\n", "")))) == subject
        exact_strict += strict_decode(value) == subject
    assert (exact_lib, exact_strict) == (1000, 1000)


def test_ascii_subject_stays_readable() -> None:
    raw = to_bytes(build_email(message(subject="Napoleon IT reviews"), envelope()))
    assert b"\r\nSubject: Napoleon IT reviews\r\n" in raw


def invite(sequence: int = 0) -> bytes:
    return invite_ics(DemoInvite(uid="demo-c-1@napoleonit.ru", start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
                                 tz=ZoneInfo("Asia/Yekaterinburg"), duration_min=30,
                                 summary="Демо Napoleon IT Отзывы — Сеть кофеен «Бриз»",
                                 organizer_email=SENDER, organizer_name="Анна, Napoleon IT",
                                 attendees=["ivan@romashka.ru", "sales@napoleonit.ru"], sequence=sequence),
                      datetime(2026, 11, 25, tzinfo=UTC))


def test_invite_is_a_utf8_calendar_request_part() -> None:
    raw = to_bytes(build_email(message(), envelope(invite=invite(1))))
    assert re.search(rb'Content-Type: text/calendar; method="?REQUEST"?; charset="?UTF-8"?', raw)
    from email import message_from_bytes
    from email.policy import default

    [part] = [p for p in message_from_bytes(raw, policy=default).walk() if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert str(cal["method"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]) == "demo-c-1@napoleonit.ru" and int(event["sequence"]) == 1
    assert str(event["summary"]) == "Демо Napoleon IT Отзывы — Сеть кофеен «Бриз»"
    assert str(event["organizer"]) == f"mailto:{SENDER}"
    assert [str(a) for a in event["attendee"]] == ["mailto:ivan@romashka.ru", "mailto:sales@napoleonit.ru"]
    assert event.decoded("dtstart").tzinfo is not None and str(event["dtstart"].params["TZID"]) == "Asia/Yekaterinburg"
