"""The time zone a client names for the times they write: «в 11 по Новосибирску», «в 15:00 по
московскому времени», «10 по мск», "10am London time", "3pm CET", «в 12 (UTC+5)». Only an explicit
reckoning counts: «мы в Казани» or «филиал в Омске» names a place, not the clock the client uses.

A zone other than Moscow is the client's own: the conversation moves to it (`understand`). Moscow
time is ours, named by a client adapting to us: the time is converted to the contact's zone and the
contact keeps it (the date reader's own «по мск» rule)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from agent.understanding.morphology import normalize

MOSCOW = "Europe/Moscow"  # our reference zone: «по мск» is read and converted by the date reader itself

# stem (as written after «по», before «времени»/«time») → zone
_RUSSIAN = (
    ("москв|московск|мск", "Europe/Moscow"),
    ("питер|петербург|спб|казан", "Europe/Moscow"),
    ("калининград", "Europe/Kaliningrad"),
    ("самар|ижевск", "Europe/Samara"),
    ("екатеринбург|екб|уральск|челябинск|тюмен|перм|уф", "Asia/Yekaterinburg"),
    ("омск", "Asia/Omsk"),
    ("новосибирск|нск|барнаул|томск", "Asia/Novosibirsk"),
    ("красноярск|кемеров|новокузнецк", "Asia/Krasnoyarsk"),
    ("иркутск", "Asia/Irkutsk"),
    ("якутск", "Asia/Yakutsk"),
    ("владивосток|хабаровск", "Asia/Vladivostok"),
    ("магадан|сахалин", "Asia/Magadan"),
    ("камчат|петропавловск", "Asia/Kamchatka"),
    ("алмат|астан|казахстан", "Asia/Almaty"),
    ("ташкент|узбекистан", "Asia/Tashkent"),
    ("минск|беларус", "Europe/Minsk"),
    ("тбилис|грузи", "Asia/Tbilisi"),
    ("ереван|армени", "Asia/Yerevan"),
    ("баку|азербайджан", "Asia/Baku"),
    ("дуба|оаэ", "Asia/Dubai"),
    ("лондон|гринвич", "Europe/London"),
    ("берлин|европейск|cet", "Europe/Berlin"),
)
_ENGLISH = (
    ("moscow|msk", "Europe/Moscow"),
    ("london|uk|gmt|bst", "Europe/London"),
    ("cet|cest|berlin|paris|central\\s+european", "Europe/Berlin"),
    ("dubai|gst", "Asia/Dubai"),
    ("new\\s+york|eastern|est|edt|et", "America/New_York"),
    ("pacific|pst|pdt|pt|los\\s+angeles|san\\s+francisco", "America/Los_Angeles"),
    ("almaty", "Asia/Almaty"),
    ("yekaterinburg", "Asia/Yekaterinburg"),
    ("novosibirsk", "Asia/Novosibirsk"),
    ("vladivostok", "Asia/Vladivostok"),
)
_ENGLISH_NAMES = "|".join(f"(?:{names})" for names, _ in _ENGLISH)
_RUSSIAN_BY = re.compile(r"\bпо\s+(" + "|".join(f"(?:{stem})" for stem, _ in _RUSSIAN) + r")[\w-]*"
                         r"(?:\s+времени)?(?!\w)")
# a zone right after a clock time: "10am London", "at 3 CET", "15:00 MSK" ("12 UK stores" is not one)
_ENGLISH_TIME = re.compile(r"\b(" + _ENGLISH_NAMES + r")\s+time\b|"
                           r"(?:\b\d{1,2}(?::\d{2})?\s*(?:am|pm)|\bat\s+\d{1,2}(?::\d{2})?|\b\d{1,2}:\d{2})\s+("
                           + _ENGLISH_NAMES + r")\b")
_ENGLISH_ZONE_TIME = re.compile(r"\b(" + _ENGLISH_NAMES + r")\s+time\b")
_OFFSET = re.compile(r"\b(?:utc|gmt)\s*([+-])\s*(\d{1,2})\b")


def without_zone(norm: str) -> str:
    """The normalised text with a zone phrase other than Moscow's blanked («в 11 по Новосибирску» →
    «в 11»), so the date reader does not take «по» for the end of a range. Moscow time («по мск»)
    stays: the date reader converts it to the contact's zone itself."""
    def blank(found: re.Match[str]) -> str:
        zone = _zone_of(found.group(1), _RUSSIAN) if found.re is _RUSSIAN_BY else None
        return found.group(0) if zone is not None and zone.key == MOSCOW else " " * len(found.group(0))

    norm = _OFFSET.sub(lambda m: " " * len(m.group(0)), _RUSSIAN_BY.sub(blank, norm))
    return _ENGLISH_ZONE_TIME.sub(
        lambda m: m.group(0) if _zone_of(m.group(1), _ENGLISH) == ZoneInfo(MOSCOW) else " " * len(m.group(0)), norm)


def named_zone(text: str) -> ZoneInfo | None:
    """The zone the client reckons the times of this message in, when they name one."""
    norm = normalize(text)
    for by in _RUSSIAN_BY.finditer(norm):
        if _beside_a_clock(norm, by):  # «в 11 по Новосибирску», not «по Екатеринбургу у нас 5 точек»
            return _zone_of(by.group(1), _RUSSIAN)
    if english := _ENGLISH_TIME.search(norm):
        return _zone_of(english.group(1) or english.group(2), _ENGLISH)
    if offset := _OFFSET.search(norm):
        hours = int(offset.group(2))
        if hours <= 14:  # Etc/GMT signs are inverted: UTC+5 is Etc/GMT-5
            return ZoneInfo("UTC") if hours == 0 else ZoneInfo(f"Etc/GMT{'-' if offset.group(1) == '+' else '+'}{hours}")
    return None


_CLOCK_BEFORE = re.compile(r"\d(?:[:.]\d{2})?\s*(?:ч\w*\.?|утра|дня|вечера)?\s*$")
_CLOCK_AFTER = re.compile(r"\s*(?:в\s+|к\s+)?\d{1,2}(?:[:.]\d{2})?\b")


def _beside_a_clock(norm: str, found: re.Match[str]) -> bool:
    """The zone phrase names the clock of a time right next to it, or says «времени»."""
    before = norm[max(0, found.start() - 20) : found.start()]
    return ("времени" in found.group(0) or _CLOCK_BEFORE.search(before) is not None
            or _CLOCK_AFTER.match(norm[found.end() : found.end() + 12]) is not None)


def _zone_of(said: str, table: tuple[tuple[str, str], ...]) -> ZoneInfo | None:
    for stems, zone in table:
        if re.fullmatch(f"(?:{stems})[\\w-]*", said) or re.match(f"(?:{stems})", said):
            return ZoneInfo(zone)
    return None
