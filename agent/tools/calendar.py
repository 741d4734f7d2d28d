"""Time arithmetic in the contact's zone: send windows, working days, demo slots, Russian wording."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.settings import Settings

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
WEEKDAYS_ACCUSATIVE = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
                       "в воскресенье")
MOSCOW = ZoneInfo("Europe/Moscow")


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


def propose_slots(now: datetime, tz: ZoneInfo, settings: Settings, day: date | None = None, count: int = 3
                  ) -> list[datetime]:
    """Demo slots at the configured hours on working days, at least two hours from now."""
    earliest = now.astimezone(tz) + timedelta(hours=2)
    slots: list[datetime] = []
    current = day or earliest.date()
    for _ in range(21):
        if is_working_day(current, settings) or day is not None:
            for hour in settings.demo_slot_hours:
                slot = datetime.combine(current, time(hour), tz)
                if slot >= earliest:
                    slots.append(slot)
        if len(slots) >= count or (day is not None and current > day):
            break
        current += timedelta(days=1)
    return slots[:count]


def zone_label(tz: ZoneInfo, moment: datetime) -> str:
    """'МСК' for Moscow time, 'МСК+2' for Yekaterinburg, else the zone's name."""
    offset = moment.astimezone(tz).utcoffset()
    moscow = moment.astimezone(MOSCOW).utcoffset()
    if offset is None or moscow is None:
        return str(tz)
    hours = (offset - moscow).total_seconds() / 3600
    if hours == 0:
        return "МСК"
    if hours.is_integer():
        return f"МСК{int(hours):+d}"
    return str(tz)


def format_date(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def format_when(moment: datetime, tz: ZoneInfo) -> str:
    """'в четверг, 26 ноября, в 11:00 (МСК)'."""
    local = moment.astimezone(tz)
    return (f"{WEEKDAYS_ACCUSATIVE[local.weekday()]}, {format_date(local.date())}, "
            f"в {local:%H:%M} ({zone_label(tz, local)})")


WEEKDAYS_NOMINATIVE = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def format_today(moment: datetime, tz: ZoneInfo) -> str:
    """'среда, 25 ноября 2026, 12:00 (МСК)' — the model's notion of now."""
    local = moment.astimezone(tz)
    return (f"{WEEKDAYS_NOMINATIVE[local.weekday()]}, {format_date(local.date())} {local.year}, "
            f"{local:%H:%M} ({zone_label(tz, local)}, {tz.key})")


def format_slot(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    weekday = WEEKDAYS_ACCUSATIVE[local.weekday()].split(" ", 1)[1]
    return f"— {weekday}, {format_date(local.date())}, {local:%H:%M} ({zone_label(tz, local)})"
