"""Calendar vocabulary and arithmetic for the date resolver: Russian/English words, working days.

Working days follow the Russian production calendar: Monday–Friday minus the non-working days
in `holidays_ru.yaml` (public holidays and the days off they were moved to, 2026 and 2027, checked
against the `holidays` package). A year the file does not list falls back to the fixed public
holidays below (January 1–8, February 23, March 8, May 1, May 9, June 12, November 4). Working
Saturdays are not modelled: a demo is never booked on a Saturday.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
)
HOLIDAYS_FILE = Path(__file__).with_name("holidays_ru.yaml")


@cache
def listed_holidays() -> dict[int, frozenset[date]]:
    """Non-working days per year from `holidays_ru.yaml`."""
    data = yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8")) or {}
    return {int(year): frozenset(days) for year, days in data.items()}


def is_holiday(day: date) -> bool:
    """A public holiday or a day off moved by decree (not counting ordinary weekends)."""
    listed = listed_holidays().get(day.year)
    if listed is not None:
        return day in listed
    return (day.month, day.day) in FIXED_HOLIDAYS


def words(text: str) -> tuple[str, ...]:
    """Whitespace-separated word lists kept readable in source («Иван Ольга …»)."""
    return tuple(text.split())


def normalize(text: str) -> str:
    """Lower-case, ё→е, unify dashes and spaces: the form every pattern here is written for."""
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\t]", " ", text)
    return text


# --- months ---------------------------------------------------------------------------------
RU_MONTH_RE = (
    r"(?:январ[ьяюе]|феврал[ьяюе]|март[аеу]?|апрел[ьяюе]|ма[йяюе]|июн[ьяюе]|июл[ьяюе]|"
    r"август[аеу]?|сентябр[ьяюе]|октябр[ьяюе]|ноябр[ьяюе]|декабр[ьяюе]|"
    r"янв|фев|мар|апр|июн|июл|авг|сент|сен|окт|нояб|ноя|дек)\b\.?"
)
EN_MONTH_RE = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"
)
MONTH_RE = rf"(?:{RU_MONTH_RE}|{EN_MONTH_RE})"
_MONTH_PREFIXES: tuple[tuple[str, int], ...] = (
    ("янв", 1), ("jan", 1), ("фев", 2), ("feb", 2), ("мар", 3), ("mar", 3), ("апр", 4), ("apr", 4),
    ("ма", 5), ("may", 5), ("июн", 6), ("jun", 6), ("июл", 7), ("jul", 7), ("авг", 8), ("aug", 8),
    ("сен", 9), ("sep", 9), ("окт", 10), ("oct", 10), ("ноя", 11), ("nov", 11), ("дек", 12),
    ("dec", 12),
)  # fmt: skip


def month_number(word: str) -> int:
    """Month number of a Russian or English month word in any case form (matched by MONTH_RE)."""
    for prefix, number in _MONTH_PREFIXES:
        if word.startswith(prefix):
            return number
    raise ValueError(word)


# --- weekdays -------------------------------------------------------------------------------
WEEKDAY_RE = (
    r"(?:понедельник[аеу]?|вторник[аеу]?|сред[ауы]|четверг[аеу]?|пятниц[аеуы]|суббот[аеуы]|"
    r"воскресень[еяю]|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
WEEKDAY_ABBR_RE = r"(?:пн|вт|ср|чт|пт|сб|вс)\b"
_WEEKDAY_PREFIXES: tuple[tuple[str, int], ...] = (
    ("пон", 0), ("пн", 0), ("mon", 0), ("вт", 1), ("tue", 1), ("ср", 2), ("wed", 2), ("чет", 3),
    ("чт", 3), ("thu", 3), ("пят", 4), ("пт", 4), ("fri", 4), ("суб", 5), ("сб", 5), ("sat", 5),
    ("вос", 6), ("вс", 6), ("sun", 6),
)  # fmt: skip


def weekday_number(word: str) -> int:
    """Monday=0 … Sunday=6 for a Russian/English weekday word or abbreviation."""
    for prefix, number in _WEEKDAY_PREFIXES:
        if word.startswith(prefix):
            return number
    raise ValueError(word)


# --- ordinal day numbers in words: «двадцать шестого», «седьмого», «первое» ------------------
_ORDINAL_STEMS: dict[str, int] = {
    "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15,
    "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20,
    "тридцат": 30, "десят": 10, "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5,
    "шест": 6, "седьм": 7, "восьм": 8, "девят": 9,
}  # fmt: skip
ORDINAL_RE = (
    r"(?:(?:двадцать|тридцать)\s+)?(?:" + "|".join(_ORDINAL_STEMS) + r")"
    r"(?:ьего|ьему|ье|ий|ого|ое|ый|ой|ому|ым|ом)\b"
)


def ordinal_value(phrase: str) -> int:
    """Value of an ordinal phrase matched by ORDINAL_RE («двадцать шестого» → 26)."""
    words = phrase.split()
    tens = {"двадцать": 20, "тридцать": 30}.get(words[0], 0) if len(words) > 1 else 0
    last = words[-1]
    for stem, value in _ORDINAL_STEMS.items():
        if last.startswith(stem):
            return tens + value
    raise ValueError(phrase)


# --- cardinal numbers in words (durations, hours) -------------------------------------------
CARDINALS: dict[str, int] = {
    "один": 1, "одну": 1, "одна": 1, "одного": 1, "два": 2, "две": 2, "двух": 2, "три": 3,
    "трех": 3, "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6,
    "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10,
    "десяти": 10, "одиннадцать": 11, "двенадцать": 12, "пару": 2, "пара": 2, "пары": 2,
    "несколько": 3, "нескольких": 3, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3,
    "several": 3,
}  # fmt: skip
CARDINAL_RE = r"(?:" + "|".join(sorted(CARDINALS, key=len, reverse=True)) + r")"


def number_value(token: str) -> int:
    """A digit string or a cardinal word («пару» → 2, «несколько» → 3)."""
    return int(token) if token.isdigit() else CARDINALS[token]


# --- arithmetic -----------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def first_working_day_of(year: int, month: int) -> date:
    return next_working_day(date(year, month, 1))


def after_next_holidays(today: date) -> date:
    """First working day after the next block of public holidays (on 25 Nov 2026: 11 Jan 2027)."""
    day = today
    for _ in range(370):
        if is_holiday(day):
            return next_working_day(day)
        day += timedelta(days=1)
    raise AssertionError("no holiday within a year")


def upcoming_month(today: date, month: int) -> tuple[int, int]:
    """(year, month) of the next occurrence of `month`; the current month counts as next year's."""
    year = today.year if month > today.month else today.year + 1
    return year, month
