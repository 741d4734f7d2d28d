"""Email settings from env names, IMAP response parsing, the raw-message key, the invite, the PDF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from channels.email.ics import DemoInvite, invite_ics
from channels.email.ingest import raw_key
from channels.email.listener import fetched_body, mentions_exists, search_uids
from channels.email.settings import EmailSettings

PDF = Path(__file__).resolve().parents[3] / "prompts" / "sample_presentation.pdf"


def test_settings_env_names_defaults_and_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("IMAP_HOST=imap.example.ru\nIMAP_USER=otzyvy@example.ru\nIMAP_PASSWORD=s3cret\n"
                                   "SMTP_HOST=smtp.example.ru\nEMAIL_DAILY_LIMIT=\n")
    monkeypatch.setenv("SMTP_PORT", "465")
    monkeypatch.setenv("SMTP_SSL", "true")
    email = EmailSettings()
    assert email.configured and email.imap_configured and email.smtp_configured
    assert (email.imap_port, email.imap_ssl, email.imap_mailbox, email.imap_sent_folder) == (993, True, "INBOX", "Sent")
    assert (email.smtp_port, email.smtp_ssl, email.smtp_starttls) == (465, True, True)
    assert email.email_daily_limit == 200  # an empty value keeps the default
    assert email.smtp_login() == ("otzyvy@example.ru", "s3cret")  # SMTP falls back to the IMAP account
    assert "s3cret" not in repr(email) and "s3cret" not in str(email.model_dump())
    assert not EmailSettings(_env_file=None).configured  # type: ignore[call-arg]


def test_search_and_fetch_responses() -> None:
    search = SimpleNamespace(result="OK", lines=[b"3 EXISTS", b"4 7 12", b"Search completed (0.001 + 0.000 secs)."])
    assert search_uids(search) == [4, 7, 12] and mentions_exists(search)
    empty = SimpleNamespace(result="OK", lines=[b"", b"Search completed (0.001 secs)."])
    assert search_uids(empty) == [] and not mentions_exists(empty)
    fetch = SimpleNamespace(result="OK", lines=[b"1 FETCH (UID 4 BODY[] {5}", bytearray(b"hello"), b")", b"done"])
    assert fetched_body(fetch) == b"hello"
    assert fetched_body(SimpleNamespace(result="OK", lines=[b"Fetch completed."])) is None


def test_raw_key_is_deterministic() -> None:
    mail = b"From: a@b.ru\r\nMessage-ID:  <x-1@b.ru>\r\n\r\nhi\r\n"
    assert raw_key(mail) == "email:<x-1@b.ru>"
    anonymous = b"From: a@b.ru\r\n\r\nno id\r\n"
    assert raw_key(anonymous) == raw_key(anonymous) and raw_key(anonymous).startswith("email:sha256:")
    assert raw_key(b"\xff\xfe garbage") != raw_key(anonymous)


def test_invite_is_in_the_contacts_zone() -> None:
    tz = ZoneInfo("Asia/Vladivostok")
    invite = DemoInvite(uid="demo-1@napoleonit.ru", start=datetime(2026, 11, 26, 1, 0, tzinfo=UTC), tz=tz,
                        duration_min=30, summary="Демо Napoleon IT Отзывы", organizer_email="otzyvy@napoleonit.ru",
                        organizer_name="Анна", attendees=["ivan@romashka.ru", "sales@napoleonit.ru"],
                        location="https://meet.example/demo")
    raw = invite_ics(invite, datetime(2026, 11, 25, tzinfo=UTC))
    assert b"METHOD:REQUEST" in raw and b"BEGIN:VTIMEZONE" in raw and b"TZID:Asia/Vladivostok" in raw
    assert b"DTSTART;TZID=Asia/Vladivostok:20261126T110000" in raw
    event = next(iter(Calendar.from_ical(raw).walk("VEVENT")))
    assert str(event["organizer"]) == "mailto:otzyvy@napoleonit.ru" and len(event["attendee"]) == 2


def test_sample_presentation_is_a_valid_pdf() -> None:
    data = PDF.read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF") and len(data) < 10_000
    startxref = int(re.search(rb"startxref\s+(\d+)", data).group(1))  # type: ignore[union-attr]
    assert data[startxref:].startswith(b"xref")
    table = re.findall(rb"(\d{10}) 00000 n ", data[startxref:])
    for number, offset in enumerate(table, start=1):  # every object sits where the table says
        assert data[int(offset):].startswith(b"%d 0 obj" % number)
    assert b"/Type /Catalog" in data and b"/Count 2" in data
