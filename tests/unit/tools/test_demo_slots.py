"""Demo times: which are refused and why, and the slots proposed instead (frozen clock)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.settings import Settings
from agent.tools.calendar import demo_problem, propose_slots

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=MSK)  # a Wednesday
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        (datetime(2026, 12, 3, 11, 0, tzinfo=MSK), None),
        (datetime(2026, 12, 3, 18, 30, tzinfo=MSK), None),  # ends at 19:00, the window's end
        (datetime(2026, 12, 3, 3, 0, tzinfo=MSK), "night"),
        (datetime(2026, 12, 3, 18, 45, tzinfo=MSK), "off_hours"),
        (datetime(2026, 12, 5, 12, 0, tzinfo=MSK), "weekend"),
        (datetime(2026, 12, 6, 23, 30, tzinfo=MSK), "weekend"),
        (datetime(2026, 12, 1, 10, 0, tzinfo=MSK), "past"),
        (datetime(2026, 12, 31, 11, 0, tzinfo=MSK), "holiday"),
        (datetime(2027, 1, 5, 11, 0, tzinfo=MSK), "holiday"),
    ],
)
def test_demo_problem(at: datetime, problem: str | None) -> None:
    assert demo_problem(at, NOW, MSK, SETTINGS) == problem


def test_slots_skip_weekends_and_holidays_even_when_outreach_may_go_on_weekends() -> None:
    settings = Settings(_env_file=None, send_on_weekends=True)  # type: ignore[call-arg]
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=MSK)
    slots = propose_slots(friday, MSK, settings)
    assert [s.weekday() for s in slots] == [0, 0, 1]  # Monday 11, 15, Tuesday 11
    saturday = propose_slots(NOW, MSK, settings, day=datetime(2026, 12, 5).date())
    assert min(s.date() for s in saturday) == datetime(2026, 12, 7).date()
    new_year = propose_slots(datetime(2026, 12, 30, 16, 0, tzinfo=MSK), MSK, settings)
    assert new_year[0] == datetime(2027, 1, 11, 11, 0, tzinfo=MSK)


def test_slots_stay_inside_the_part_of_the_day_asked_for() -> None:
    from datetime import date, time

    afternoon = propose_slots(NOW, MSK, SETTINGS, day=date(2026, 12, 7), window=(time(13), time(23, 59)))
    assert [(s.day, s.hour) for s in afternoon] == [(7, 13), (7, 15), (8, 13)]  # its start is a slot too
    after_two = propose_slots(NOW, MSK, SETTINGS, day=date(2026, 12, 3), window=(time(14), time(23, 59)))
    assert [(s.day, s.hour) for s in after_two] == [(3, 14), (3, 15), (4, 14)]
    night_owl = propose_slots(NOW, MSK, SETTINGS, day=date(2026, 12, 3), window=(time(20), time(23, 59)))
    assert [(s.day, s.hour) for s in night_owl] == [(3, 11), (3, 15), (4, 11)]  # nothing fits: the usual slots
