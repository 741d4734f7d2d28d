"""The time zone a client names for the times they write, and the date reader ignoring that phrase."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.dates import resolve_when
from agent.understanding.zones import named_zone


@pytest.mark.parametrize(("text", "zone"), [
    ("Давайте в понедельник в 11 по Новосибирску", "Asia/Novosibirsk"),
    ("в 15:00 по московскому времени", "Europe/Moscow"),
    ("Завтра в 10 по мск", "Europe/Moscow"),
    ("по Екатеринбургу в 10", "Asia/Yekaterinburg"),
    ("в 11 по Алматы", "Asia/Almaty"),
    ("Let's do Monday 10am London time", "Europe/London"),
    ("3pm CET works", "Europe/Berlin"),
    ("Monday at 10 ET", "America/New_York"),
    ("в 12 (UTC+5)", "Etc/GMT-5"),
    ("Мы в Казани, филиал в Омске", None),  # a place, not the clock they reckon in
    ("Давайте по телефону в 11", None),
    ("по плану в 10", None),
    ("We have 12 UK stores and 3 in Dubai", None),  # a count, not a clock time
    ("По Екатеринбургу у нас 5 точек, по Москве — три", None),  # a region, not the clock
    ("15:00 MSK works", "Europe/Moscow"),
])
def test_the_zone_a_client_reckons_in(text: str, zone: str | None) -> None:
    found = named_zone(text)
    assert (found.key if found else None) == zone


def test_the_zone_phrase_is_not_read_as_the_end_of_a_range() -> None:
    tz = ZoneInfo("Asia/Novosibirsk")
    now = datetime(2026, 12, 3, 12, tzinfo=tz)
    assert resolve_when("Давайте в понедельник в 11 по Новосибирску", now, tz).at == datetime(2026, 12, 7, 11, tzinfo=tz)
    assert resolve_when("Monday 10am London time", now, tz).at == datetime(2026, 12, 7, 10, tzinfo=tz)
