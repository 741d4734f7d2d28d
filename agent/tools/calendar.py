"""Time arithmetic in the contact's zone: send windows, working days, demo slots, Russian wording."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.clock import aware
from agent.settings import Settings
from agent.understanding import calendar_ru
from agent.understanding.dates import Option

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
WEEKDAYS_ACCUSATIVE = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
                       "в воскресенье")
MOSCOW = ZoneInfo("Europe/Moscow")


def booked_demo(contact: Mapping[str, Any], now: datetime) -> datetime | None:
    """The contact's booked demo still ahead, if any (one booking per contact)."""
    value = contact.get("demo_at")
    if contact.get("stage") != "demo_booked" or value is None:
        return None
    at = aware(value)
    return at if at > now else None


def zone(name: str | None, settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.default_timezone)


def is_working_day(day: date, settings: Settings) -> bool:
    return settings.send_on_weekends or day.weekday() < 5


def next_in_window(moment: datetime, tz: ZoneInfo, settings: Settings) -> datetime:
    """The first moment at or after `moment` inside the send window, in the contact's zone."""
    local = moment.astimezone(tz)
    start, end = time(settings.send_window_start_hour), time(settings.send_window_end_hour)
    for _ in range(14):
        if is_working_day(local.date(), settings):
            if local.time() < start:
                return datetime.combine(local.date(), start, tz)
            if local.time() < end:
                return local
        local = datetime.combine(local.date() + timedelta(days=1), start, tz)
    return local


def add_working_days(moment: datetime, days: int, tz: ZoneInfo, settings: Settings) -> datetime:
    local = moment.astimezone(tz)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local


def start_of_day(day: date, tz: ZoneInfo, settings: Settings) -> datetime:
    return datetime.combine(day, time(settings.send_window_start_hour), tz)


def is_demo_day(day: date) -> bool:
    """A day a demo may be on: Monday–Friday, not a public holiday (never a weekend, whatever
    SEND_ON_WEEKENDS says: a person runs the demo)."""
    return calendar_ru.is_working_day(day)


def demo_problem(moment: datetime, now: datetime, tz: ZoneInfo, settings: Settings) -> str | None:
    """Why a demo cannot be at `moment` (contact's zone): past, no_such_day… or None when it can.

    Working hours are the send window (SEND_WINDOW_START_HOUR–END_HOUR): the call starts inside
    it and ends by its end."""
    local = moment.astimezone(tz)
    if moment <= now:
        return "past"
    if local.weekday() >= 5:
        return "weekend"
    if calendar_ru.is_holiday(local.date()):
        return "holiday"
    opens = datetime.combine(local.date(), time(settings.send_window_start_hour), tz)
    closes = datetime.combine(local.date(), time(settings.send_window_end_hour), tz)
    if local < opens or local + timedelta(minutes=settings.demo_duration_min) > closes:
        return "night" if local.hour < 7 or local.hour >= 22 else "off_hours"
    return None


def day_problem(day: date, now: datetime, tz: ZoneInfo) -> str | None:
    """Why no demo can be on `day` (contact's zone): past, weekend, holiday — or None."""
    if day < now.astimezone(tz).date():
        return "past"
    if day.weekday() >= 5:
        return "weekend"
    if calendar_ru.is_holiday(day):
        return "holiday"
    return None


def propose_slots(now: datetime, tz: ZoneInfo, settings: Settings, day: date | None = None, count: int = 3,
                  window: tuple[time, time] | None = None) -> list[datetime]:
    """Demo slots at the configured hours on working days (production calendar), at least two
    hours from now, starting with `day` when it is given (a day off starts from the next working day).
    Inside `window` when the client named a part of the day («после обеда», «после 14»: its start
    is a slot too); without it when nothing fits there."""
    earliest = now.astimezone(tz) + timedelta(hours=2)
    hours = sorted({time(h) for h in settings.demo_slot_hours} | ({window[0]} if window else set()))
    slots: list[datetime] = []
    current = max(day, earliest.date()) if day is not None else earliest.date()
    for _ in range(40):
        if is_demo_day(current):
            for clock in hours:
                slot = datetime.combine(current, clock, tz)
                inside = window is None or window[0] <= clock < window[1]
                if inside and slot >= earliest and demo_problem(slot, now, tz, settings) is None:
                    slots.append(slot)
        if len(slots) >= count:
            break
        current += timedelta(days=1)
    if not slots and window is not None:
        return propose_slots(now, tz, settings, day, count)
    return slots[:count]


def option_slots(options: Sequence[Option], now: datetime, tz: ZoneInfo, settings: Settings,
                 count: int = 3) -> list[datetime]:
    """Slots on the days a client offered («в среду с 10 до 12 или в четверг после 16»), inside the
    part of each day they named (an exact time offered is its own slot, when a demo can be then):
    the first of each day, then the next ones, `count` in all, in time order."""
    per_day = [([o.at] if demo_problem(o.at, now, tz, settings) is None else []) if o.at is not None else
               [slot for slot in propose_slots(now, tz, settings, day=o.day, count=count, window=o.window)
                if slot.astimezone(tz).date() == o.day
                and (o.window is None or o.window[0] <= slot.astimezone(tz).time() < o.window[1])]
               for o in options]
    chosen: list[datetime] = []
    for rank in range(count):
        chosen += [slots[rank] for slots in per_day if rank < len(slots) and slots[rank] not in chosen]
    return sorted(chosen[:count])


Words = Mapping[str, str]  # prompts/words.md (or prompts/<lang>/words.md), from PromptLibrary.words


def zone_label(tz: ZoneInfo, moment: datetime, words: Words | None = None) -> str:
    """'МСК' for Moscow time, 'МСК+2' for Yekaterinburg, else the zone's name."""
    moscow_word = words["moscow"] if words else "МСК"
    offset = moment.astimezone(tz).utcoffset()
    moscow = moment.astimezone(MOSCOW).utcoffset()
    if offset is None or moscow is None:
        return str(tz)
    hours = (offset - moscow).total_seconds() / 3600
    if hours == 0:
        return moscow_word
    if hours.is_integer():
        return f"{moscow_word}{int(hours):+d}"
    return str(tz)


def _fill(words: Words, key: str, local: datetime, tz: ZoneInfo) -> str:
    months, weekdays = words["months"].split("|"), words["weekdays"].split("|")
    values = {"day": str(local.day), "month": months[local.month - 1], "year": str(local.year),
              "weekday": weekdays[local.weekday()], "weekday_on": words["weekdays_on"].split("|")[local.weekday()],
              "clock": f"{local:%H:%M}", "zone": zone_label(tz, local, words), "zone_name": tz.key}
    values["date"] = string.Template(words["date"]).substitute(values)
    return string.Template(words[key]).substitute(values)


def format_date(day: date, words: Words | None = None) -> str:
    if words:
        return _fill(words, "date", datetime.combine(day, time(12), MOSCOW), MOSCOW)
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def format_when(moment: datetime, tz: ZoneInfo, words: Words | None = None) -> str:
    """'в четверг, 26 ноября, в 11:00 (МСК)'; 'on Thursday, November 26, at 11:00 (MSK)' in English."""
    local = moment.astimezone(tz)
    if words:
        return _fill(words, "when", local, tz)
    return (f"{WEEKDAYS_ACCUSATIVE[local.weekday()]}, {format_date(local.date())}, "
            f"в {local:%H:%M} ({zone_label(tz, local)})")


WEEKDAYS_NOMINATIVE = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def format_today(moment: datetime, tz: ZoneInfo) -> str:
    """'среда, 25 ноября 2026, 12:00 (МСК)' — the model's notion of now."""
    local = moment.astimezone(tz)
    return (f"{WEEKDAYS_NOMINATIVE[local.weekday()]}, {format_date(local.date())} {local.year}, "
            f"{local:%H:%M} ({zone_label(tz, local)}, {tz.key})")


def format_clock(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def format_slots(slots: Sequence[datetime], tz: ZoneInfo, words: Words) -> str:
    """The proposed slots, one per line («— понедельник, 7 декабря, 11:00 (МСК)»)."""
    return "\n".join(format_slot(s, tz, words) for s in slots)


def format_slot(moment: datetime, tz: ZoneInfo, words: Words | None = None) -> str:
    local = moment.astimezone(tz)
    if words:
        return _fill(words, "slot", local, tz)
    weekday = WEEKDAYS_ACCUSATIVE[local.weekday()].split(" ", 1)[1]
    return f"— {weekday}, {format_date(local.date())}, {local:%H:%M} ({zone_label(tz, local)})"
