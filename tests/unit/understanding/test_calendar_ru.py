"""The production calendar: the data file against the `holidays` package, and working days."""

from __future__ import annotations

from datetime import date

import pytest

from agent.understanding.calendar_ru import is_holiday, is_working_day, listed_holidays, next_working_day


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_file_matches_the_holidays_package(year: int) -> None:
    holidays = pytest.importorskip("holidays")
    assert listed_holidays()[year] == frozenset(holidays.country_holidays("RU", years=year))


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, d) for d in range(1, 9)]
    + [date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11), date(2026, 6, 12),
       date(2026, 11, 4), date(2026, 12, 31)],
)
def test_2026_decree_non_working_days(day: date) -> None:
    assert is_holiday(day) and not is_working_day(day)


def test_ordinary_days_and_fallback() -> None:
    assert is_working_day(date(2026, 12, 2))  # a Wednesday
    assert not is_working_day(date(2026, 12, 5))  # a Saturday
    assert not is_holiday(date(2026, 12, 30))
    assert is_holiday(date(2030, 6, 12))  # not in the file: the fixed holidays
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 11)
