"""Find the days, clock times and durations a message mentions (the parsing half of dates.py).

Everything is matched on `normalize(text)`; found spans are blanked out so that one piece of
text is read once (a calendar date first, then times, then relative words and weekdays).
Conventions (also listed in dates.py): a day-month without a year is this year's, or next year's
when it is more than RECENT_DAYS in the past; «26.11» is day.month; hours 1–7 without am/pm/утра mean 13–19 (business
hours), 8–12 and 13–23 are taken as written, a zero-padded «07:30» literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.understanding.calendar_ru import (
    CARDINAL_RE,
    EN_MONTH_RE,
    MONTH_RE,
    ORDINAL_RE,
    WEEKDAY_ABBR_RE,
    WEEKDAY_RE,
    month_number,
    normalize,
    number_value,
    ordinal_value,
    weekday_number,
)
from agent.understanding.zones import without_zone

MOSCOW = ZoneInfo("Europe/Moscow")
RECENT_DAYS = 31  # «с 23.11 по 06.12» on 25.11: a day-month up to a month ago is this year's


@dataclass(frozen=True, slots=True)
class DayRef:
    """A day the text names; `prep` is the preposition right before it (до, после, с, until…)."""

    start: int
    day: date
    explicit: bool
    prep: str = ""
    weekday: int | None = None  # set when the day was named by its weekday («во вторник»)


@dataclass(frozen=True, slots=True)
class TimeRef:
    start: int
    value: time
    definite: bool
    zone: ZoneInfo | None = None


@dataclass(frozen=True, slots=True)
class Duration:
    """«через 2 недели»: `months` and `delta` are added to now; `unit` is the coarsest unit."""

    months: int = 0
    delta: timedelta = timedelta()
    unit: str = "day"  # minute | hour | day | week | month


@dataclass(slots=True)
class Scan:
    text: str  # normalised text with every recognised date/time blanked out
    days: list[DayRef] = field(default_factory=list)
    times: list[TimeRef] = field(default_factory=list)
    duration: Duration | None = None
    invalid: bool = False  # a calendar date that does not exist («31 февраля»)
    range_end: time | None = None  # «с 10 до 12»: the end of the window (its start is a TimeRef)

    def clock(self) -> TimeRef | None:
        """The single definite clock time, or None when there is none or several differ."""
        values = {(t.value, t.zone) for t in self.times if t.definite}
        if len(values) != 1:
            return None
        return next(t for t in self.times if t.definite)


_PREP_BEFORE = re.compile(
    r"(?:^|[\s(,])(до|по|после|с|со|от|until|till|through|after|from|since|by|before)\s+$"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC = re.compile(r"(?<![\d.:/,])(\d{1,2})[./](\d{2})(?:[./](\d{4}|\d{2}))?(?![\d:/]|[.,]\d)")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:\s*-?\s*(?:го|е|ое|ого|th|st|nd|rd))?\s+(?:of\s+)?({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?"
)
_ORD_MONTH = re.compile(rf"\b({ORDINAL_RE})\s+({MONTH_RE})(?:\s+(\d{{4}}))?")
_MONTH_DAY = re.compile(rf"\b({EN_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_DAY_OF_MONTH = re.compile(
    rf"\b(?:(\d{{1,2}})\s*-?\s*(?:го|ого)\b|(\d{{1,2}}|{ORDINAL_RE})\s+числа\b|(?<=на\s)(\d{{1,2}})\s*-\s*(?:е|ое)\b"
    r"(?=\s*(?:$|[^\w\s]|(?:в|во|на|с|со|к|или|и|а|но|число|числа)\b))|"
    r"(?:(?<=\bon\s)|(?<=\bthe\s))(\d{1,2})(?:st|nd|rd|th)\b)"  # "on the 10th", "the 3rd"
)

_AT_PREP = r"(?:в|во|к|около|примерно\s+в|где-то\s+в|at|around)"
_OPEN_PREP = {"с", "со", "до", "после", "from", "until", "till", "after", "before", "between"}
_CLOCK = re.compile(
    r"(?:\b(?P<prep>в|во|к|около|с|со|до|после|at|around|by|from|until|till|after|before)\s+)?"
    r"(?<![\d.:])(?P<h>[01]?\d|2[0-3])(?P<sep>[:.\-])(?P<m>[0-5]\d)(?![\d]|[.\-/]\d)"
)
_BARE_HOUR = re.compile(rf"\b{_AT_PREP}\s+(?P<h>\d{{1,2}})(?!\d|[:.,]\d)")
# «на пятницу на 11», «давайте на 11 утра»: «на» + an hour; «на 15 салонов», «на 2 часа» are not times
_ON_HOUR = re.compile(r"\bна\s+(?P<h>\d{1,2})(?!\d|[:.,]\d)")
_ORDINAL_TAIL = re.compile(r"^\s*-?\s*(?:го|ого|м|ой|е)\b")
_WORD_HOUR = re.compile(
    rf"\b{_AT_PREP}\s+(?P<w>час|два|три|четыре|пять|шесть|семь|восемь|девять|десять|одиннадцать|двенадцать)\b"
)
_HALF = re.compile(
    r"\b(?:в\s+)?(?:половин[еуа]|пол)\s*-?\s*(?P<o>первого|второго|третьего|четвертого|пятого|"
    r"шестого|седьмого|восьмого|девятого|десятого|одиннадцатого|двенадцатого)\b"
)
_NOON = re.compile(r"\b(?:в\s+)?полдень\b|\b(?:at\s+)?noon\b")
_OPEN_AMPM = re.compile(r"\b(?:after|before|until|till|from|не\s+раньше|после|до)\s+$")
_AMPM = re.compile(r"\b(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s*(?P<part>a\.?m\.?|p\.?m\.?)(?![a-z])")
_HOUR_WORDS = ("час", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "десять",
               "одиннадцать", "двенадцать")  # fmt: skip
_HALF_WORDS = ("первого", "второго", "третьего", "четвертого", "пятого", "шестого", "седьмого",
               "восьмого", "девятого", "десятого", "одиннадцатого", "двенадцатого")  # fmt: skip

_UNIT = re.compile(r"^\s*(?:ч\b\.?|час(?:а|ов)?\b|o'?clock\b)")
_PART = re.compile(r"^\s*(утра|дня|вечера|ночи|a\.?m\.?|p\.?m\.?)(?![a-zа-я])")
_ZONE = re.compile(r"^\s*(?:по\s+мск|по\s+москве|по\s+московскому(?:\s+времени)?|мск|msk|moscow\s+time)\b")
_CONTEXT = re.compile(
    r"^\s*(?:$|[,.!?;:)(]|-\s|—|(?:или|либо|и|а|но|or|and|on|is|works|would|please|then|тогда|пожалуйста|"
    r"будет|будем|удобно|устроит|подойд\w*|подход\w*|сможем|можем|можно|созвон\w*|встрет\w*|"
    r"давайте|жду|ждем|ок|ok|завтра|сегодня|послезавтра|tomorrow|today|по\s+(?:мск|москв\w*|вашему|"
    r"нашему|местному))\b|в\s+(?:понедельник|вторник|среду|четверг|пятницу)|на\s+следующей)"
)
_RANGE_AFTER = re.compile(r"^\s*(?:-|до|по|to)\s*\d{1,2}(?:[:.]\d{2})?")

_RELATIVE = re.compile(
    r"\b(послезавтра|day\s+after\s+tomorrow|позавчера|day\s+before\s+yesterday|завтра|tomorrow|"
    r"сегодня|today|tonight|вчера|yesterday)\b"
)
_HOUR_RANGE = re.compile(
    r"\b(?:с|со|from|between)\s+(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s*(?:ч\.?\s*|час\w*\s*)?"
    r"(?:до|по|-|to|till|until|and)\s*(?P<h2>[01]?\d|2[0-4])(?:[:.](?P<m2>[0-5]\d))?(?!\d|[.:/]\d|\s*(?:-?го|числа)\b)"
)
_WEEKDAY = re.compile(
    rf"\b(?:(?P<mod>следующ\w*|будущ\w*|эт(?:от|у|о|ой)|ближайш\w*|next|this|coming)\s+)?"
    rf"(?P<wd>{WEEKDAY_RE})|\bво?\s+(?P<abbr>{WEEKDAY_ABBR_RE})"
)
NEXT_WEEK = re.compile(r"\bна\s+(?:следующей|будущей)\s+неделе\b|\bnext\s+week\b")
_THIS_WEEK = re.compile(r"\bна\s+этой\s+неделе\b|\bthis\s+week\b")
_DURATION = re.compile(
    rf"\b(?:через|спустя)\s+(?:(?P<n>\d+|{CARDINAL_RE})\s+)?(?P<unit>минут\w*|час\w*|дн(?:я|ей)|день|"
    rf"сутки|недел\w*|месяц\w*|год\w*|лет)\b|\b(?:через|спустя)\s+(?P<half>полчаса|полгода|полтора\s+месяца)\b|"
    rf"\bin\s+(?:a\s+)?(?P<en>\d+|{CARDINAL_RE})\s+(?:of\s+)?(?P<en_unit>minutes?|hours?|days?|weeks?|months?|years?)\b"
)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _prep_before(text: str, start: int) -> str:
    found = _PREP_BEFORE.search(text[max(0, start - 14) : start])
    return found.group(1) if found else ""


def _calendar_day(today: date, day: int, month: int, year: str | None) -> date | None:
    """The day; without a year this year's, unless more than RECENT_DAYS past: then next year's."""
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        candidate = date(today.year, month, day)
        if (today - candidate).days > RECENT_DAYS:
            return date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None


def hour24(hour: int, part: str | None, padded: bool = False) -> int | None:
    """24-hour value: «3 часа дня» → 15; bare 1–7 → 13–19; 8–23 and «07» as written."""
    if hour > 23:
        return None
    if part in ("утра", "ночи") or (part and part.startswith("a")):
        return 0 if hour == 12 else hour
    if part:  # дня, вечера, pm
        return hour if hour >= 12 else hour + 12
    return hour + 12 if 1 <= hour <= 7 and not padded else hour


def _tail_time(
    tail: str, hour: int, force: bool, padded: bool = False
) -> tuple[int | None, ZoneInfo | None, int]:
    """Read «ч/часов», «утра/дня», «по мск» after a bare hour. Returns (hour24, zone, consumed)."""
    pos, definite, part = 0, force, None
    if unit := _UNIT.match(tail):
        pos, definite = unit.end(), True
    if found := _PART.match(tail[pos:]):
        part, pos, definite = found.group(1), pos + found.end(), True
    zone = None
    if found := _ZONE.match(tail[pos:]):
        zone, pos, definite = MOSCOW, pos + found.end(), True
    if not definite and not _CONTEXT.match(tail[pos:]):
        return None, None, 0
    return hour24(hour, part, padded), zone, pos


def _scan_dates(scan: Scan, today: date) -> None:
    text = scan.text
    for found in list(_ISO.finditer(text)):
        day = _calendar_day(today, int(found.group(3)), int(found.group(2)), found.group(1))
        if day:
            scan.days.append(DayRef(found.start(), day, True, _prep_before(text, found.start())))
            scan.text = _blank(scan.text, found.start(), found.end())
    for pattern, order in ((_DAY_MONTH, "dm"), (_ORD_MONTH, "om"), (_MONTH_DAY, "md")):
        for found in list(pattern.finditer(scan.text)):
            first, second, year = found.group(1), found.group(2), found.group(3)
            if order == "md":
                first, second = second, first
            number = ordinal_value(first) if order == "om" else int(first)
            day = _calendar_day(today, number, month_number(second), year)
            if day:
                prep = _prep_before(scan.text, found.start())
                scan.days.append(DayRef(found.start(), day, True, prep))
            elif 1 <= number <= 31:  # «31 февраля»: a date that does not exist is read, not skipped
                scan.invalid = True
            scan.text = _blank(scan.text, found.start(), found.end())
    for found in list(_NUMERIC.finditer(scan.text)):
        before = scan.text[max(0, found.start() - 12) : found.start()]
        first, second = int(found.group(1)), int(found.group(2))
        if not found.group(3) and re.search(rf"\b{_AT_PREP}\s+$", before) and first <= 23 and second <= 59:
            continue  # «в 15.30», «в 10.12» are clock times
        day = _calendar_day(today, first, second, found.group(3)) if 1 <= second <= 12 else None
        if day:
            scan.days.append(DayRef(found.start(), day, True, _prep_before(scan.text, found.start())))
            scan.text = _blank(scan.text, found.start(), found.end())
        elif 1 <= second <= 12 and 28 < first <= 31:  # «31.02»
            scan.invalid = True
            scan.text = _blank(scan.text, found.start(), found.end())


def _scan_range(scan: Scan) -> str:
    """«с 10 до 12», «с 14:00 до 16:00», «from 10 to 12»: the start is the time, the end is kept."""
    text = scan.text
    for found in list(_HOUR_RANGE.finditer(text)):
        tail = text[found.end() : found.end() + 40]
        part = _PART.match(tail)
        raw, raw2 = found.group("h"), found.group("h2")
        start = hour24(int(raw), part.group(1) if part else None, padded=raw.startswith("0"))
        end = hour24(int(raw2) % 24, part.group(1) if part else None, padded=raw2.startswith("0"))
        if start is None or end is None:
            continue
        if end <= start and not part and int(raw2) + 12 <= 23 and int(raw2) + 12 > start:
            end = int(raw2) + 12  # «с 11 до 1» → 11:00–13:00
        first, last = time(start, int(found.group("m") or 0)), time(end, int(found.group("m2") or 0))
        if last <= first:
            continue
        zone = None
        used = part.end() if part else 0
        if zoned := _ZONE.match(tail[used:]):
            zone, used = MOSCOW, used + zoned.end()
        scan.times.append(TimeRef(found.start(), first, True, zone))
        scan.range_end = last
        text = _blank(text, found.start(), found.end() + used)
    return text


def _scan_times(scan: Scan) -> None:
    text = _scan_range(scan)
    for found in list(_CLOCK.finditer(text)):
        prep, sep = found.group("prep") or "", found.group("sep")
        if sep != ":" and prep in ("", *_OPEN_PREP):
            continue
        raw = found.group("h")
        tail = text[found.end() : found.end() + 40]
        hour, zone, used = _tail_time(tail, int(raw), force=True, padded=raw.startswith("0"))
        if hour is None:
            continue
        definite = prep not in _OPEN_PREP and not _RANGE_AFTER.match(tail)
        value = time(hour, int(found.group("m")))
        scan.times.append(TimeRef(found.start(), value, definite, zone))
        text = _blank(text, found.start(), found.end() + used)
    for found in list(_AMPM.finditer(text)):
        hour = hour24(int(found.group("h")), found.group("part"))
        if hour is not None:
            if _OPEN_AMPM.search(text[max(0, found.start() - 12) : found.start()]):
                continue  # "after 4pm", "before 11am": a part of the day (`preferred_window`), like «после 16»
            scan.times.append(TimeRef(found.start(), time(hour, int(found.group("m") or 0)), True))
            text = _blank(text, found.start(), found.end())
    for pattern in (_BARE_HOUR, _WORD_HOUR):
        for found in list(pattern.finditer(text)):
            word = found.group("h") if pattern is _BARE_HOUR else found.group("w")
            number = int(word) if word.isdigit() else _HOUR_WORDS.index(word) + 1
            tail = text[found.end() : found.end() + 40]
            if _ORDINAL_TAIL.match(tail):
                continue
            hour, zone, used = _tail_time(tail, number, force=False)
            if hour is not None:
                scan.times.append(TimeRef(found.start(), time(hour, 0), True, zone))
                text = _blank(text, found.start(), found.end() + used)
    text = _scan_on_hour(scan, text)
    for found in list(_HALF.finditer(text)):
        tail = text[found.end() : found.end() + 40]
        hour, zone, used = _tail_time(tail, _HALF_WORDS.index(found.group("o")), force=True)
        if hour is not None:
            value = time(12 if hour in (0, 24) else hour, 30)
            scan.times.append(TimeRef(found.start(), value, True, zone))
            text = _blank(text, found.start(), found.end() + used)
    for found in list(_NOON.finditer(text)):
        scan.times.append(TimeRef(found.start(), time(12, 0), True))
        text = _blank(text, found.start(), found.end())
    scan.text = text


def _scan_on_hour(scan: Scan, text: str) -> str:
    """«на пятницу на 11», «на 11 утра»: an hour after «на» is a time only with a part of the day, or
    beside a named day and followed by nothing that makes it a count («на 15 салонов»). «на 2 часа»
    is a duration and «на 11-е» a date, so neither is read here."""
    candidates = list(_ON_HOUR.finditer(text))
    if not candidates:  # most messages: no day lookups
        return text
    named_day = bool(scan.days or _WEEKDAY.search(text) or _RELATIVE.search(text) or _DAY_OF_MONTH.search(text))
    for found in candidates:
        tail = text[found.end() : found.end() + 40]
        unit = _UNIT.match(tail)
        part = _PART.match(tail[unit.end() if unit else 0 :])
        if _ORDINAL_TAIL.match(tail) or (unit and not part) or not (part or named_day):
            continue
        hour, zone, used = _tail_time(tail, int(found.group("h")), force=False)
        if hour is not None:
            scan.times.append(TimeRef(found.start(), time(hour, 0), True, zone))
            text = _blank(text, found.start(), found.end() + used)
    return text


def _weekday_day(today: date, weekday: int, mode: str, clock: time | None, now_time: time) -> date:
    monday = today - timedelta(days=today.weekday())
    if mode == "next":
        return monday + timedelta(days=7 + weekday)
    if mode == "this" and monday + timedelta(days=weekday) > today:
        return monday + timedelta(days=weekday)
    delta = (weekday - today.weekday()) % 7
    if delta == 0 and not (clock and clock > now_time):
        delta = 7  # the weekday that is today, with no time or a time already past: next week's
    return today + timedelta(days=delta)


def _scan_relative(scan: Scan, now_local: datetime) -> None:
    today, text = now_local.date(), scan.text
    offsets = {"послезавтра": 2, "завтра": 1, "tomorrow": 1, "сегодня": 0, "today": 0, "tonight": 0,
               "вчера": -1, "yesterday": -1, "позавчера": -2}  # fmt: skip
    for found in list(_RELATIVE.finditer(text)):
        word = found.group(1)
        offset = (2 if "after" in word else -2) if word.startswith("day") else offsets[word]
        day = today + timedelta(days=offset)
        scan.days.append(DayRef(found.start(), day, False, _prep_before(text, found.start())))
        text = _blank(text, found.start(), found.end())
    clock = scan.clock()
    week = NEXT_WEEK.search(text) or _THIS_WEEK.search(text)
    week_mode = ("next" if week.group().startswith(("на с", "на б", "next")) else "this") if week else ""
    found_weekday = False
    for found in list(_WEEKDAY.finditer(text)):
        word = found.group("wd") or found.group("abbr")
        mod = found.group("mod") or ""
        mode = "next" if mod.startswith(("след", "буд", "next")) else "this" if mod else week_mode
        value = clock.value if clock else None
        number = weekday_number(word)
        day = _weekday_day(today, number, mode, value, now_local.time())
        start = found.start("wd") if found.group("wd") else found.start("abbr")
        scan.days.append(DayRef(start, day, False, _prep_before(text, found.start()), weekday=number))
        text = _blank(text, found.start(), found.end())
        found_weekday = True
    if week and found_weekday:  # «в четверг на следующей неделе» names a day, not a period
        text = _blank(text, week.start(), week.end())
    for found in list(_DAY_OF_MONTH.finditer(text)):
        if found.group(4) and not scan.times:  # "the 10th at 2:30pm"; "after our meeting on the 18th" is no date
            continue
        raw = found.group(1) or found.group(2) or found.group(3) or found.group(4)
        number = int(raw) if raw.isdigit() else ordinal_value(raw)
        month_day = _next_day_of_month(today, number)
        if month_day:
            scan.days.append(DayRef(found.start(), month_day, True, _prep_before(text, found.start())))
            text = _blank(text, found.start(), found.end())
    scan.text = text


def _next_day_of_month(today: date, number: int) -> date | None:
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, number)
        except ValueError:
            candidate = None
        if candidate and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _scan_duration(scan: Scan) -> None:
    found = _DURATION.search(scan.text)
    if not found:
        return
    if half := found.group("half"):
        table = {"полчаса": Duration(delta=timedelta(minutes=30), unit="minute"),
                 "полгода": Duration(months=6, unit="month")}  # fmt: skip
        scan.duration = table.get(half, Duration(delta=timedelta(days=45), unit="month"))
    else:
        unit = found.group("unit") or found.group("en_unit")
        amount = number_value(found.group("n") or found.group("en") or "1")
        scan.duration = _duration(unit, amount)
    scan.text = _blank(scan.text, found.start(), found.end())


def _duration(unit: str, amount: int) -> Duration:
    if unit.startswith(("минут", "minute")):
        return Duration(delta=timedelta(minutes=amount), unit="minute")
    if unit.startswith(("час", "hour")):
        return Duration(delta=timedelta(hours=amount), unit="hour")
    if unit.startswith(("недел", "week")):
        return Duration(delta=timedelta(weeks=amount), unit="week")
    if unit.startswith(("месяц", "month")):
        return Duration(months=amount, unit="month")
    if unit.startswith(("год", "лет", "year")):
        return Duration(months=12 * amount, unit="month")
    return Duration(delta=timedelta(days=amount), unit="day")


def scan(text: str, now_local: datetime) -> Scan:
    """Everything date-like in `text`, resolved against `now_local` (aware, contact's zone)."""
    result = Scan(without_zone(normalize(text)))  # «в 11 по Новосибирску»: the zone is read elsewhere
    _scan_dates(result, now_local.date())
    _scan_duration(result)
    _scan_times(result)
    _scan_relative(result, now_local)
    _merge_weekdays(result)
    return result


def _merge_weekdays(result: Scan) -> None:
    """«во вторник, 15 декабря»: a weekday that agrees with a named date is the same day, in any order."""
    named = {d.day.weekday() for d in result.days if d.weekday is None and d.explicit}
    if named:
        result.days = [d for d in result.days if d.weekday is None or d.weekday not in named]
