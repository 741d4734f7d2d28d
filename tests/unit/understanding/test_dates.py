"""Date and time resolution against a frozen clock: 2026-11-25 12:00 Europe/Moscow, a Wednesday."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.calendar_ru import add_months, after_next_holidays, first_working_day_of
from agent.understanding.dates import When, pause_until, resolve_when

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
VLAT = ZoneInfo("Asia/Vladivostok")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=MSK)


def msk(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Давайте созвонимся завтра в 11:00", msk(11, 26, 11)),
        ("сегодня в 15:00", msk(11, 25, 15)),
        ("послезавтра в 10 утра", msk(11, 27, 10)),
        ("в четверг в 15.30", msk(11, 26, 15, 30)),
        ("во вторник в 11", msk(12, 1, 11)),
        ("в следующий вторник в 16:00", msk(12, 1, 16)),
        ("в пятницу в 3 часа дня", msk(11, 27, 15)),
        ("в пятницу в 8 вечера", msk(11, 27, 20)),
        ("26 ноября в 10 утра", msk(11, 26, 10)),
        ("26.11 в 15:00", msk(11, 26, 15)),
        ("26-го ноября в 11-00", msk(11, 26, 11)),
        ("двадцать шестого ноября в полдень", msk(11, 26, 12)),
        ("седьмого декабря в 12:30", msk(12, 7, 12, 30)),
        ("7 декабря в половине третьего", msk(12, 7, 14, 30)),
        ("завтра в пол третьего", msk(11, 26, 14, 30)),
        ("завтра в полтретьего", msk(11, 26, 14, 30)),
        ("завтра в полдень", msk(11, 26, 12)),
        ("в четверг в 3", msk(11, 26, 15)),
        ("в четверг в 7:30", msk(11, 26, 19, 30)),
        ("в четверг в 07:30", msk(11, 26, 7, 30)),
        ("в четверг в 9", msk(11, 26, 9)),
        ("в среду в 15:00", msk(11, 25, 15)),  # today, time still ahead
        ("в среду в 11:00", msk(12, 2, 11)),  # today's 11:00 has passed -> next Wednesday
        ("в четверг на следующей неделе в 11", msk(12, 3, 11)),
        ("на следующей неделе во вторник в 14:00", msk(12, 1, 14)),
        ("в 15:00", msk(11, 25, 15)),  # no day: today while the time is ahead
        ("в 11:00", msk(11, 26, 11)),  # ... else tomorrow
        ("через 2 часа", msk(11, 25, 14)),
        ("tomorrow at 3pm", msk(11, 26, 15)),
        ("on Thursday at 11:00", msk(11, 26, 11)),
        ("next Thursday at 10am", msk(12, 3, 10)),
        ("December 7 at 2:30 pm", msk(12, 7, 14, 30)),
        ("2026-12-07 10:00", msk(12, 7, 10)),
    ],
)
def test_definite_moments(text: str, expected: datetime) -> None:
    when = resolve_when(text, NOW, MSK)
    assert when == When(at=expected)
    assert when.at is not None and when.at.tzinfo == MSK


@pytest.mark.parametrize(
    ("text", "day", "vague"),
    [
        ("сегодня", date(2026, 11, 25), False),
        ("завтра", date(2026, 11, 26), False),
        ("послезавтра", date(2026, 11, 27), False),
        ("в четверг", date(2026, 11, 26), False),
        ("во вторник", date(2026, 12, 1), False),
        ("в следующий четверг", date(2026, 12, 3), False),
        ("в среду", date(2026, 12, 2), False),  # the weekday that is today, without a time: next week
        ("в эту пятницу", date(2026, 11, 27), False),
        ("в субботу", date(2026, 11, 28), False),
        ("в воскресенье", date(2026, 11, 29), False),
        ("в понедельник", date(2026, 11, 30), False),
        ("26 ноября", date(2026, 11, 26), False),
        ("7 декабря", date(2026, 12, 7), False),
        ("5 января", date(2027, 1, 5), False),
        ("07.12.2026", date(2026, 12, 7), False),
        ("27 числа", date(2026, 11, 27), False),
        ("через 3 дня", date(2026, 11, 28), False),
        ("завтра после обеда", date(2026, 11, 26), True),
        ("в пятницу утром", date(2026, 11, 27), True),
    ],
)
def test_day_without_time(text: str, day: date, vague: bool) -> None:
    assert resolve_when(text, NOW, MSK) == When(day=day, vague=vague)


@pytest.mark.parametrize(
    "text",
    [
        "на следующей неделе",
        "в начале декабря",
        "через неделю",
        "в декабре",
        "после Нового года",
        "после 10 декабря",
        "позже",
        "next week",
    ],
)
def test_vague(text: str) -> None:
    assert resolve_when(text, NOW, MSK) == When(vague=True)


def test_nothing() -> None:
    assert resolve_when("У нас 5 ресторанов, рейтинг 4.8 на Яндексе", NOW, MSK) == When()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("напишите через месяц", date(2026, 12, 25)),
        ("через 2 недели", date(2026, 12, 9)),
        ("через пару недель", date(2026, 12, 9)),
        ("через неделю", date(2026, 12, 2)),
        ("через пару дней", date(2026, 11, 27)),
        ("через полгода", date(2027, 5, 25)),
        ("in two weeks", date(2026, 12, 9)),
        ("in a month", date(2026, 12, 25)),
        ("после Нового года", date(2027, 1, 11)),  # Jan 1-8 holidays, 9-10 weekend
        ("после праздников", date(2027, 1, 11)),
        ("в январе", date(2027, 1, 11)),
        ("в начале января", date(2027, 1, 11)),
        ("в следующем году", date(2027, 1, 11)),
        ("в марте", date(2027, 3, 1)),
        ("в начале декабря", date(2026, 12, 1)),
        ("в середине декабря", date(2026, 12, 15)),
        ("в конце декабря", date(2026, 12, 21)),  # the 20th is a Sunday
        ("после января", date(2027, 2, 1)),
        ("в следующем месяце", date(2026, 12, 1)),
        ("на следующей неделе", date(2026, 11, 30)),
        ("весной", date(2027, 3, 1)),
        ("вернусь 7 декабря", date(2026, 12, 7)),
        ("буду в офисе с 7 декабря", date(2026, 12, 7)),
        ("после 10 декабря", date(2026, 12, 11)),
        ("в отпуске до 7 декабря", date(2026, 12, 8)),
        ("Я в отпуске с 23.11 по 06.12", date(2026, 12, 7)),
        ("I will be back on Monday, December 7", date(2026, 12, 7)),
        ("I am out of the office until December 7th", date(2026, 12, 8)),
        ("в понедельник", date(2026, 11, 30)),
        ("завтра после обеда", date(2026, 11, 26)),
        ("напишите в понедельник в 10", msk(11, 30, 10)),
        ("напишите завтра в 15:00", msk(11, 26, 15)),
        ("через пару часов", msk(11, 25, 14)),
        ("напишите позже", None),
        ("в ноябре", None),  # the current month: no definite day
    ],
)
def test_pause_until(text: str, expected: date | datetime | None) -> None:
    assert pause_until(text, NOW, MSK) == expected


# --- time zones ---------------------------------------------------------------------------------
def test_yekaterinburg_local_clock() -> None:
    # 12:00 MSK = 14:00 in Yekaterinburg (UTC+5)
    assert resolve_when("в 15:00", NOW, YEKT).at == datetime(2026, 11, 25, 15, 0, tzinfo=YEKT)
    assert resolve_when("в 13:00", NOW, YEKT).at == datetime(2026, 11, 26, 13, 0, tzinfo=YEKT)
    assert resolve_when("завтра в 11:00", NOW, YEKT).at == datetime(2026, 11, 26, 11, 0, tzinfo=YEKT)
    moscow_time = resolve_when("в 15:00 по Москве", NOW, YEKT).at
    assert moscow_time == datetime(2026, 11, 25, 17, 0, tzinfo=YEKT)
    assert moscow_time is not None and moscow_time.tzinfo == YEKT


def test_vladivostok_local_clock() -> None:
    # 12:00 MSK = 19:00 in Vladivostok (UTC+10): today's 15:00 has passed there
    assert resolve_when("в 15:00", NOW, VLAT).at == datetime(2026, 11, 26, 15, 0, tzinfo=VLAT)
    assert resolve_when("в среду в 20:00", NOW, VLAT).at == datetime(2026, 11, 25, 20, 0, tzinfo=VLAT)
    assert resolve_when("в среду в 18:00", NOW, VLAT).at == datetime(2026, 12, 2, 18, 0, tzinfo=VLAT)


def test_vladivostok_is_already_tomorrow() -> None:
    late = datetime(2026, 11, 25, 20, 0, tzinfo=MSK)  # = Thursday 03:00 in Vladivostok
    assert resolve_when("сегодня", late, VLAT).day == date(2026, 11, 26)
    assert resolve_when("завтра", late, VLAT).day == date(2026, 11, 27)
    assert resolve_when("завтра", late, MSK).day == date(2026, 11, 26)
    assert resolve_when("в четверг в 15:00", late, VLAT).at == datetime(2026, 11, 26, 15, 0, tzinfo=VLAT)
    assert resolve_when("в четверг", late, VLAT).day == date(2026, 12, 3)
    assert pause_until("через месяц", late, VLAT) == date(2026, 12, 26)


def test_naive_now_is_read_in_the_contact_zone() -> None:
    naive = datetime(2026, 11, 25, 12, 0)
    assert resolve_when("завтра в 11:00", naive, VLAT).at == datetime(2026, 11, 26, 11, 0, tzinfo=VLAT)


# --- month end and year end ---------------------------------------------------------------------
def test_month_end() -> None:
    jan31 = datetime(2027, 1, 31, 10, 0, tzinfo=MSK)
    assert pause_until("через месяц", jan31, MSK) == date(2027, 2, 28)
    assert resolve_when("завтра", jan31, MSK).day == date(2027, 2, 1)
    nov30 = datetime(2026, 11, 30, 10, 0, tzinfo=MSK)  # Monday
    assert resolve_when("завтра в 10", nov30, MSK).at == msk(12, 1, 10)
    assert resolve_when("в среду", nov30, MSK).day == date(2026, 12, 2)
    assert pause_until("через месяц", nov30, MSK) == date(2026, 12, 30)


def test_year_end() -> None:
    dec30 = datetime(2026, 12, 30, 12, 0, tzinfo=MSK)  # Wednesday
    assert resolve_when("послезавтра", dec30, MSK).day == date(2027, 1, 1)
    assert resolve_when("в пятницу в 11", dec30, MSK).at == msk(1, 1, 11, year=2027)
    assert resolve_when("5 января в 10:00", dec30, MSK).at == msk(1, 5, 10, year=2027)
    assert resolve_when("26 ноября", dec30, MSK).day == date(2027, 11, 26)
    assert pause_until("с 28.12 по 10.01", dec30, MSK) == date(2027, 1, 11)
    assert pause_until("после праздников", dec30, MSK) == date(2027, 1, 11)
    assert pause_until("через неделю", dec30, MSK) == date(2027, 1, 6)
    assert pause_until("через месяц", dec30, MSK) == date(2027, 1, 30)
    assert pause_until("в декабре", dec30, MSK) is None


def test_new_year_said_during_the_holidays() -> None:
    jan5 = datetime(2027, 1, 5, 12, 0, tzinfo=MSK)
    assert pause_until("после Нового года", jan5, MSK) == date(2027, 1, 11)
    assert pause_until("после праздников", jan5, MSK) == date(2027, 1, 11)
    assert pause_until("в следующем году", jan5, MSK) == date(2028, 1, 10)


def test_calendar_helpers() -> None:
    assert add_months(date(2026, 11, 25), 1) == date(2026, 12, 25)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 2) == date(2027, 2, 15)
    assert first_working_day_of(2027, 1) == date(2027, 1, 11)
    assert first_working_day_of(2027, 5) == date(2027, 5, 4)  # May 1 (Sat) moved to Monday May 3
    assert after_next_holidays(date(2026, 11, 2)) == date(2026, 11, 5)  # November 4, Wednesday


def test_deterministic() -> None:
    text = "Давайте в четверг в 15:00, а если не получится — в пятницу"
    assert resolve_when(text, NOW, MSK) == resolve_when(text, NOW, MSK)


# --- impossible and combined moments (issue 10) ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Давайте во вторник, 15 декабря, в 14:30", msk(12, 15, 14, 30)),
        ("во вторник 15 декабря в 14:30", msk(12, 15, 14, 30)),
        ("15 декабря вторник 14:30", msk(12, 15, 14, 30)),
        ("15 декабря, вторник, 14:30", msk(12, 15, 14, 30)),
        ("в 14:30 во вторник 15 декабря", msk(12, 15, 14, 30)),
        ("вторник 15.12 в 14:30", msk(12, 15, 14, 30)),
        ("Можно перенести на пятницу в 11?", msk(11, 27, 11)),
        ("Давайте перенесём встречу на 3 декабря в 16:00", msk(12, 3, 16)),
        ("Слушайте, а можно перенести на пятницу на 11?", msk(11, 27, 11)),
        ("давайте в пятницу на 11", msk(11, 27, 11)),
        ("Давайте на пятницу на 5 вечера", msk(11, 27, 17)),
        ("давайте завтра на 3", msk(11, 26, 15)),
        ("перенесём на 30-е на 11", msk(11, 30, 11)),
        ("давайте на 11-е в 15:00", msk(12, 11, 15)),
        ("вчера в 10", msk(11, 24, 10)),  # returned as said: the booking refuses a past moment
        ("завтра в 3 ночи", msk(11, 26, 3)),
    ],
)
def test_weekday_date_time_in_any_order(text: str, expected: datetime) -> None:
    assert resolve_when(text, NOW, MSK).at == expected


@pytest.mark.parametrize(
    "text",
    [
        "завтра на 15 салонов посчитайте",  # a count, not an hour
        "в пятницу на 2 часа",  # a duration
        "в пятницу на 10 минут позже",
        "перенесём на 11",  # the 11th or 11:00: no day named, so not a time
    ],
)
def test_an_hour_after_na_needs_a_named_day_and_no_count(text: str) -> None:
    assert resolve_when(text, NOW, MSK).at is None


def test_na_with_an_ordinal_is_a_day_of_the_month() -> None:
    assert resolve_when("перенесём на 11-е", NOW, MSK).day == date(2026, 12, 11)
    assert resolve_when("на 2-е место", NOW, MSK).day is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("в четверг с 10 до 12", msk(11, 26, 10), msk(11, 26, 12)),
        ("завтра с 14:00 до 16:00", msk(11, 26, 14), msk(11, 26, 16)),
        ("1 декабря с 2 до 4", msk(12, 1, 14), msk(12, 1, 16)),
        ("в пятницу с 11 до 13 по Москве", msk(11, 27, 11), msk(11, 27, 13)),
        ("Давайте в четверг, я свободна с 10 до 12.", msk(11, 26, 10), msk(11, 26, 12)),
    ],
)
def test_a_range_is_its_start(text: str, start: datetime, end: datetime) -> None:
    assert resolve_when(text, NOW, MSK) == When(at=start, until=end)


@pytest.mark.parametrize("text", ["31 февраля в 11", "Давайте 30 февраля", "31.02 в 10:00", "31 ноября в 15"])
def test_a_date_that_does_not_exist_is_invalid(text: str) -> None:
    assert resolve_when(text, NOW, MSK) == When(invalid=True)


def test_a_weekday_that_disagrees_with_the_date_is_not_a_booking() -> None:
    when = resolve_when("в среду, 15 декабря, в 14:30", NOW, MSK)  # 15 December is a Tuesday
    assert when.at is None and when.vague


def test_ranges_of_days_stay_pauses() -> None:
    assert pause_until("в отпуске с 10 до 20 декабря", NOW, MSK) == date(2026, 12, 21)


BOOKED = msk(11, 26, 11)  # Thursday 11:00, booked on Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Приглашение пришло, но в 11 не могу. Перенесём на 14:00?", msk(11, 26, 14)),  # the booked day kept
        ("Could we move it to 2pm same day?", msk(11, 26, 14)),
        ("Можно перенести на пятницу в то же время?", msk(11, 27, 11)),  # the booked clock kept
        ("Actually, can we move it to Friday same time?", msk(11, 27, 11)),
        ("давайте в пятницу в 15", msk(11, 27, 15)),  # both named: as read
        ("Давайте завтра в 16", msk(11, 26, 16)),
        ("давайте через час", msk(11, 25, 13)),  # a duration from now, not from the booking
    ],
)
def test_a_time_is_read_against_the_booked_call(text: str, expected: datetime) -> None:
    from agent.understanding.dates import against_booking

    when = resolve_when(text, NOW, MSK)
    assert against_booking(text, when.at, when.day, BOOKED, NOW, MSK) == expected


def test_without_a_booking_the_time_is_as_read() -> None:
    from agent.understanding.dates import against_booking

    text = "Перенесём на 14:00?"
    assert against_booking(text, msk(11, 25, 14), None, None, NOW, MSK) == msk(11, 25, 14)
    assert against_booking("на пятницу в то же время", None, date(2026, 11, 27), None, NOW, MSK) is None
    assert against_booking("на пятницу", None, date(2026, 11, 27), BOOKED, NOW, MSK) is None  # slots, not a booking


def test_a_clock_time_picks_the_proposed_slot_at_that_time() -> None:
    from agent.understanding.dates import against_booking

    proposed = [msk(11, 27, 11), msk(11, 27, 15), msk(11, 30, 11)]  # Friday 11 and 15, Monday 11
    when = resolve_when("Давайте в 15", NOW, MSK)  # read alone: today, Wednesday, 15:00
    assert against_booking("Давайте в 15", when.at, when.day, None, NOW, MSK, proposed) == msk(11, 27, 15)
    assert against_booking("Давайте в 15", when.at, when.day, BOOKED, NOW, MSK, proposed) == msk(11, 27, 15)
    when = resolve_when("давайте в 11", NOW, MSK)
    assert against_booking("давайте в 11", when.at, when.day, None, NOW, MSK, proposed) == msk(11, 27, 11)  # earliest
    when = resolve_when("в понедельник в 15", NOW, MSK)  # a day named: as read, whatever was proposed
    assert against_booking("в понедельник в 15", when.at, when.day, None, NOW, MSK, proposed) == msk(11, 30, 15)
    stale = [msk(11, 24, 15)]  # a proposal already past counts for nothing
    when = resolve_when("Давайте в 15", NOW, MSK)
    assert against_booking("Давайте в 15", when.at, when.day, None, NOW, MSK, stale) == msk(11, 25, 15)


def test_a_clock_time_no_slot_has_lands_on_the_first_proposed_day() -> None:
    from agent.understanding.dates import against_booking

    proposed = [msk(11, 30, 11), msk(11, 30, 15), msk(12, 1, 11)]  # Monday 11 and 15, Tuesday 11
    when = resolve_when("давайте в 15:30", NOW, MSK)  # read alone: today, Wednesday, 15:30
    assert against_booking("давайте в 15:30", when.at, when.day, None, NOW, MSK, proposed) == msk(11, 30, 15, 30)
    today_slots = [msk(11, 25, 15), msk(11, 26, 11)]  # today 15:00 and Thursday 11:00; now is 12:00
    when = resolve_when("давайте в 10", NOW, MSK)
    assert against_booking("давайте в 10", when.at, when.day, None, NOW, MSK, today_slots) == msk(11, 26, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("а в воскресенье вечером?", True),
        ("в пятницу после обеда", True),
        ("завтра с утра", True),
        ("15 декабря вторник 14:30", True),
        ("в пятницу", False),  # a day alone may be a pause or a deadline
        ("напишите в пятницу утром", False),
        ("в пятницу утром у нас планёрка", False),
    ],
)
def test_only_a_moment_takes_a_day_with_a_part_of_it(text: str, expected: bool) -> None:
    from agent.understanding.dates import only_a_moment

    assert only_a_moment(text, NOW, MSK) is expected


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("давайте в понедельник после обеда", (time(13), time(23, 59))),
        ("лучше позвоните завтра после 14", (time(14), time(23, 59))),
        ("в пятницу до 12", (time(0), time(12))),
        ("в четверг утром", (time(0), time(13))),
        ("Thursday after 4pm", (time(16), time(23, 59))),  # a bound of the day, not the call's time
        ("tomorrow before 11am", (time(0), time(11))),
        ("давайте после 3", (time(15), time(23, 59))),  # an hour of the working day, not 3 at night
        ("Днём я весь в делах. Можем завтра в 3 ночи", None),  # a time named: no window
        ("утром не могу, давайте в пятницу", None),  # what does not suit is not a wish
        ("созвонимся после 15 декабря", None),  # a date, not an hour
        ("на следующей неделе", None),
    ],
)
def test_the_part_of_the_day_a_client_asks_for(text: str, window: tuple[time, time] | None) -> None:
    from agent.understanding.dates import preferred_window

    assert preferred_window(text, NOW, MSK) == window


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Я свободна в пятницу с 10 до 12 или в понедельник после 16",
         [(date(2026, 11, 27), None, (time(10), time(12))), (date(2026, 11, 30), None, (time(16), time(23, 59)))]),
        ("Можно в пятницу или в понедельник после обеда",  # the part named last applies to both days
         [(date(2026, 11, 27), None, (time(13), time(23, 59))), (date(2026, 11, 30), None, (time(13), time(23, 59)))]),
        ("Давайте в пятницу в 10, либо во вторник в 16",
         [(date(2026, 11, 27), msk(11, 27, 10), None), (date(2026, 12, 1), msk(12, 1, 16), None)]),
        ("Can we talk Friday between 10 and 12, or Monday after 4pm?",
         [(date(2026, 11, 27), None, (time(10), time(12))), (date(2026, 11, 30), None, (time(16), time(23, 59)))]),
        ("Monday afternoon or Tuesday morning works",
         [(date(2026, 11, 30), None, (time(13), time(23, 59))), (date(2026, 12, 1), None, (time(0), time(13)))]),
        ("в пятницу или как Вам удобно", []),  # not a list of days
        ("В пятницу в 10 не могу, давайте в понедельник или во вторник",  # the clause that lists the days
         [(date(2026, 11, 30), None, None), (date(2026, 12, 1), None, None)]),
        ("В пятницу в 10 не могу или в понедельник", []),  # a refusal inside the list: the usual reading
        ("в пятницу в 10 или в 11", []),  # one day: the ordinary reading
        ("Пришлите презентацию или давайте созвонимся", []),
    ],
)
def test_the_days_a_client_offers_as_alternatives(
        text: str, expected: list[tuple[date, datetime | None, tuple[time, time] | None]]) -> None:
    from agent.understanding.dates import alternatives

    assert [(o.day, o.at, o.window) for o in alternatives(text, NOW, MSK)] == expected


def test_good_morning_is_a_greeting_not_a_part_of_the_day() -> None:
    from agent.understanding.dates import preferred_window

    assert preferred_window("Good morning! Could we talk on Monday?", NOW, MSK) is None
    assert preferred_window("Monday morning would be best", NOW, MSK) == (time(0), time(13))


@pytest.mark.parametrize(("text", "expected"), [
    ("Давайте второй вариант", msk(11, 27, 15)),
    ("Первый подходит", msk(11, 27, 11)),
    ("Подойдёт последний", msk(11, 30, 11)),
    ("The second one works for me", msk(11, 27, 15)),
    ("Давайте вариант 3", msk(11, 30, 11)),
    ("Давайте в понедельник", msk(11, 30, 11)),  # the one slot offered on Monday
    ("Давайте в пятницу", None),  # two slots on Friday: no pick
    ("Второй раз пишу, ответьте", None),
    ("Второй вариант не подходит, давайте в пятницу", None),  # refused, and Friday had two slots
    ("The first one doesn't work for me", None),
])
def test_a_proposed_slot_picked_by_its_place_in_the_list(text: str, expected: datetime | None) -> None:
    from agent.understanding.dates import against_booking

    proposed = [msk(11, 27, 11), msk(11, 27, 15), msk(11, 30, 11)]
    when = resolve_when(text, NOW, MSK)
    assert against_booking(text, when.at, when.day, None, NOW, MSK, proposed) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Not now, maybe in Q1", date(2027, 1, 11)),  # the first working day after the New Year holidays
    ("Напишите во втором квартале", date(2027, 4, 1)),
    ("Давайте вернёмся к этому в следующем квартале", date(2027, 1, 11)),
    ("Напишите после первого квартала", date(2027, 4, 1)),
    ("Не пишите до второго квартала, бюджеты заморожены", date(2027, 4, 1)),
    ("Let's revisit this in Q3", date(2027, 7, 1)),
    ("in Q4", None),  # the quarter we are in: no date to wait for
])
def test_a_pause_to_a_quarter_starts_on_its_first_working_day(text: str, expected: date | None) -> None:
    assert pause_until(text, NOW, MSK) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("А можно на полчаса позже?", msk(11, 27, 11, 30)),
    ("Давайте на час раньше", msk(11, 27, 10)),
    ("Сдвиньте на 15 минут пораньше", msk(11, 27, 10, 45)),
    ("Can we do it 30 minutes later?", msk(11, 27, 11, 30)),
    ("на 2 часа", None),  # a duration with no direction is not a move
    ("На час позже не получится, оставим как есть", None),
])
def test_the_booked_call_moved_by_an_amount(text: str, expected: datetime | None) -> None:
    from agent.understanding.dates import against_booking

    booked = msk(11, 27, 11)
    when = resolve_when(text, NOW, MSK)
    assert against_booking(text, when.at, when.day, booked, NOW, MSK) == expected


def test_an_english_day_of_the_month_and_lunch() -> None:
    from agent.understanding.dates import preferred_window

    assert resolve_when("How about the 27th at 2:30pm?", NOW, MSK).at == msk(11, 27, 14, 30)
    assert resolve_when("Could we do it on the 1st at 11am?", NOW, MSK).at == msk(12, 1, 11)
    assert resolve_when("Our 10th store opens soon", NOW, MSK) == When()  # a count, not a date
    assert preferred_window("Next Tuesday works, any time after lunch", NOW, MSK) == (time(13), time(23, 59))
    assert preferred_window("Friday before lunch", NOW, MSK) == (time(0), time(13))
