"""Russian/English date and time resolution against a frozen `now` in the contact's time zone.

Deterministic regex rules (see date_scan.py for parsing); no dateparser, so results never depend
on the machine's clock, locale or library version. Conventions:

* A naive `now` is taken to be in `tz`; an aware one is converted to `tz` first.
* A day-month without a year is this year's; one more than 31 days in the past is next year's
  (so «с 23.11 по 06.12» on 25.11 is this year's range, «5 января» on 28.12 is next year's).
* «в четверг» is the nearest Thursday after today. The weekday that is today means today only when
  a time is given and has not passed yet, otherwise next week's. «в следующий четверг» / «next
  Thursday» / «в четверг на следующей неделе» is the Thursday of the next calendar week (Mon–Sun).
* Hours without am/pm or «утра/дня/вечера»: 1–7 mean 13:00–19:00, 8–23 as written; a zero-padded
  hour («07:30») is taken literally. «в половине третьего» = 14:30, «в полдень» = 12:00.
  A time followed by «по Москве/МСК» is read in Europe/Moscow and converted to `tz`.
* A time without a day is today's if still ahead, else tomorrow's. «через 2 часа» is now + 2 h,
  «через 3 дня» a day; «через неделю/месяц», «после 10 декабря», «до пятницы» are vague for a call.

`pause_until` — the first day the agent may write again:
* a named day: «вернусь 7 декабря» / «с 7 декабря» → that day; «после 10 декабря», «до 7 декабря»,
  «по 6 декабря», «until Dec 7» → the day after; several days → the latest of them;
  a day with a definite time → an aware datetime.
* a duration, exact and not moved to a working day: «через месяц» = same day next month clamped to
  its end, «через 2 недели» = +14 days, «через пару дней» = +2, «несколько» = 3, «полгода» = 6
  months; «через 2 часа» → datetime.
* named periods → the first working day (Mon–Fri minus fixed Russian public holidays, see
  calendar_ru.py) of: «в январе» / «в начале января» / «к январю» → that month (the next one
  to come); «в середине …» → from the 15th; «в конце …» → from the 20th; «после января» → February;
  «до конца декабря» → January; «после Нового года» / «в новом году» / «в следующем году» →
  January after the holidays (2027-01-11 for now = 2026-11-25); «после праздников» → after the next public-holiday block;
  «на следующей неделе» → next Monday; «в следующем месяце» → the 1st of next month;
  «весной/летом/осенью/зимой» → March/June/September/December (None inside that season).
* nothing resolvable («позже», «потом», «в ноябре» said in November) → None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.understanding.calendar_ru import (
    MONTH_RE,
    add_months,
    after_next_holidays,
    first_working_day_of,
    month_number,
    next_working_day,
    upcoming_month,
)
from agent.understanding.date_scan import NEXT_WEEK, DayRef, TimeRef, scan
from agent.understanding.morphology import normalize


@dataclass(frozen=True, slots=True)
class When:
    """A point in time a message names, for booking a call.

    `at`: day and clock time both definite (aware, in the contact's zone; `day` is then None).
    `day`: the day is known, the time is not. `vague`: a period was named that no day or time
    narrows (next week, early December, after lunch, two different days). A time range
    «с 14 до 16» on a known day is its start, with `until` its end. `invalid`: a date that does not
    exist («31 февраля») was named; nothing else in the text is then trusted for the booking.
    A past moment («вчера в 10») is returned as it is: the booking refuses it, not the resolver.
    """

    at: datetime | None = None
    day: date | None = None
    vague: bool = False
    until: datetime | None = None  # «с 10 до 12»: `at` is the start, `until` the end of the window
    invalid: bool = False  # a date that does not exist («31 февраля»): never booked, never moved


_VAGUE = re.compile(
    r"\bна\s+(?:следующей|будущей|этой|той|текущей)?\s*неделе\b|\b(?:next|this|coming)\s+week\b|"
    r"\bв\s+(?:начале|середине|конце)\b|\bближе\s+к\b|\bк\s+концу\b|\bво?\s+(?:первой|второй)\s+половине\b|"
    r"\b(?:после|до)\s+обеда\b|\bв\s+обед\b|\bутром\b|\bднем\b|\bвечером\b|"
    r"\bin\s+the\s+(?:morning|afternoon|evening)\b|\b(?:по|попо)зже\b|\bпотом\b|\blater\b|\bна\s+днях\b|"
    r"\bв\s+ближайш|\bкак-нибудь\b|\bsometime\b|\bв\s+(?:следующем|этом|будущем)\s+(?:месяце|году|квартале)\b|"
    r"\bnext\s+(?:month|year|quarter)\b|\bпосле\s+(?:нового\s+года|нг|новогодних|праздник|каникул)|"
    r"\bafter\s+(?:the\s+)?(?:holidays|new\s+year)\b|\b(?:весной|летом|осенью|зимой)\b|"
    rf"\b(?:в|во|к|до|после|in|by|early|mid|late)\s+{MONTH_RE}"
)
_MOVE_TO = re.compile(r"\b(?:перенес\w*|перенест\w*|перенос\w*|сдвин\w*|подвин\w*|reschedul\w*|move\w*)")
_AFTER_PREPS = frozenset({"до", "по", "после", "until", "till", "through", "after"})
_BOUND_PREPS = _AFTER_PREPS | {"с", "со", "от", "from", "since", "before", "by"}


def _local_now(now: datetime, tz: ZoneInfo) -> datetime:
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def _combine(day: date, ref: TimeRef, tz: ZoneInfo) -> datetime:
    if ref.zone is not None and ref.zone.key != tz.key:
        return datetime.combine(day, ref.value, tzinfo=ref.zone).astimezone(tz)
    return datetime.combine(day, ref.value, tzinfo=tz)


def _pick_day(days: list[DayRef], clock: TimeRef | None) -> DayRef:
    """The day nearest to the clock time in the text, or the last day mentioned."""
    if clock is not None:
        return min(days, key=lambda d: abs(d.start - clock.start))
    return max(days, key=lambda d: d.start)


def resolve_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """When a meeting/call should happen: definite `at`, a `day` only, or `vague`."""
    now_local = _local_now(now, tz)
    today = now_local.date()
    found = scan(text, now_local)
    if found.invalid:
        return When(invalid=True)
    vague = bool(_VAGUE.search(found.text))
    clock = found.clock()
    days = list(found.days)
    if found.duration is not None:
        if found.duration.unit in ("minute", "hour"):
            at = (now_local + found.duration.delta).replace(second=0, microsecond=0)
            return When(at=at, vague=vague)
        if found.duration.unit == "day" and not days:
            days = [DayRef(-1, today + found.duration.delta, False)]
        else:
            vague = True
    if not days:
        if clock is None or vague:
            return When(vague=vague or clock is not None)
        at = _combine(today, clock, tz)
        if at <= now_local:
            at = _combine(today + timedelta(days=1), clock, tz)
        return When(at=at, until=_until(at, found.range_end))
    move = _MOVE_TO.search(found.text)
    if move is not None and any(d.start > move.start() for d in days):  # «не в четверг, перенесите на пятницу»
        days = [d for d in days if d.start > move.start()]
    picked = _pick_day(days, clock)
    if picked.prep in _BOUND_PREPS:  # «после 10 декабря», «до пятницы»: a bound, not a day
        return When(vague=True)
    if len({d.day for d in days}) > 1:
        return When(day=picked.day, vague=True)
    if clock is None:
        ranged = any(not t.definite for t in found.times)
        return When(day=picked.day, vague=vague or ranged)
    at = _combine(picked.day, clock, tz)
    return When(at=at, until=_until(at, found.range_end))


_FILLER = frozenset(
    ["в", "во", "на", "и", "а", "ну", "ок", "ok", "okay", "давайте", "тогда", "к", "около", "примерно", "где-то", "at", "on", "in", "the", "so", "then", "please", "пожалуйста"]
)


_SAME_TIME = re.compile(
    r"\bsame\s+time\b|\b(?:в|во)\s+(?:то\s+же|это\s+же|то\s+же\s+самое|тоже)\s+(?:самое\s+)?время\b|"
    r"\bво\s+столько\s+же\b|\bв\s+тот\s+же\s+час\b"
)


def against_booking(text: str, at: datetime | None, day: date | None, booked: datetime | None,
                    now: datetime, tz: ZoneInfo, proposed: Sequence[datetime] = ()) -> datetime | None:
    """The demo time a message names, read against the slots we proposed and the call already booked
    (None: no time):
    - «Давайте в 15» after slots were proposed: the proposed slot at that clock time (the earliest),
      else that clock time on the first proposed day;
    - «Перенесём на 14:00?», "2pm same day?": a clock time with no day named keeps the booked day;
    - «на среду в то же время», "Wednesday, same time": the named day at the booked clock time;
    - «на полчаса позже», "an hour earlier": the booked call moved by that much;
    - «давайте второй вариант», "the first one works": the slot at that place in the proposed list
      (None if it has passed); «давайте в пятницу» when one slot was proposed that day: that slot.
    Otherwise `at` as read."""
    norm = normalize(text)
    if booked is not None and (shift := booked_shift(norm)) is not None:  # «на полчаса позже»
        return booked.astimezone(tz) + shift
    if at is not None and not _names_a_day(text, now, tz):
        clock = at.astimezone(tz).time().replace(tzinfo=None)
        matching = sorted(s for s in proposed if s > now and s.astimezone(tz).time().replace(tzinfo=None) == clock)
        if matching:
            return matching[0].astimezone(tz)
        if booked is not None:
            return datetime.combine(booked.astimezone(tz).date(), clock, tzinfo=tz)
        on_proposed_days = sorted(m for m in {datetime.combine(s.astimezone(tz).date(), clock, tzinfo=tz)
                                              for s in proposed} if m > now)
        if on_proposed_days:  # «давайте в 15:30» after Monday slots at 11 and 15: Monday 15:30, not tomorrow
            return on_proposed_days[0]
        return at
    if at is None and booked is not None and day is not None and _SAME_TIME.search(normalize(text)):
        return datetime.combine(day, booked.astimezone(tz).time().replace(tzinfo=None), tzinfo=tz)
    if at is None and proposed:
        if (picked := slot_by_position(normalize(text), proposed)) is not None:
            return picked if picked > now else None
        on_day = [s for s in proposed if day is not None and s.astimezone(tz).date() == day and s > now]
        if len(on_day) == 1:  # «давайте в пятницу» when one slot was offered on Friday
            return on_day[0].astimezone(tz)
    return at


_SHIFT = re.compile(
    r"\bна\s+(полчаса|час|полтора\s+часа|пару\s+часов|два\s+часа|(\d{1,3})\s*(?:мин\w*|час\w*))\s+(позже|раньше|пораньше|попозже)\b|"
    r"\b(half\s+an\s+hour|an\s+hour|(\d{1,3})\s*(?:min\w*|hours?))\s+(later|earlier)\b"
)
_SHIFT_MINUTES = {"полчаса": 30, "час": 60, "полтора часа": 90, "пару часов": 120, "два часа": 120,
                  "half an hour": 30, "an hour": 60}


def booked_shift(norm: str) -> timedelta | None:
    """«Можно на полчаса позже?», «на час раньше», "30 minutes later": how far the booked call moves."""
    found = _SHIFT.search(norm)
    if found is None or _refused_around(norm, found):  # «на час позже не получится»
        return None
    amount, number, way = (found.group(1), found.group(2), found.group(3)) if found.group(1) else found.group(4, 5, 6)
    if number is not None:
        minutes = int(number) * (60 if re.search(r"час|hour", amount) else 1)
    else:
        minutes = _SHIFT_MINUTES[re.sub(r"\s+", " ", amount)]
    sign = -1 if way in ("раньше", "пораньше", "earlier") else 1
    return timedelta(minutes=sign * minutes) if 0 < minutes <= 12 * 60 else None


_POSITION = {"перв": 0, "втор": 1, "трет": 2, "последн": -1, "first": 0, "second": 1, "third": 2, "last": -1,
             "1": 0, "2": 1, "3": 2}
_BY_POSITION = re.compile(
    r"\b(перв|втор|трет|последн|first|second|third|last)\w*\s+(?:вариант|слот|option|one|slot|подойд|подход|"
    r"устраива|устроит|удоб|works|suits)\w*|\b(?:подойд\w*|подходит|устроит|удобен|удобнее)\s+(перв|втор|трет|последн)\w*|"
    r"\b(?:вариант|option|слот|slot)\s+(?:номер\s+|№\s*|#\s*)?([1-3])\b"
)


_REFUSED = re.compile(r"\bне\b|\bnot\b|n't\b|\bзанят\w*|\bникак\b")


def _refused_around(norm: str, found: re.Match[str]) -> bool:
    """A negation right before the match or later in its clause («второй вариант не подходит»)."""
    clause = re.split(r"[.,;!?\n]|\bно\b|\bbut\b|\bа\b", norm[found.end():], maxsplit=1)[0]
    return bool(_REFUSED.search(clause) or _REFUSED.search(norm[max(0, found.start() - 12) : found.start()]))


def slot_by_position(norm: str, proposed: Sequence[datetime]) -> datetime | None:
    """«Давайте второй вариант», "the first one works": the slot at that place in the list we sent."""
    found = _BY_POSITION.search(norm)
    if found is None:
        return None
    if _refused_around(norm, found):
        return None  # «второй вариант не подходит», "the first one doesn't work"
    index = _POSITION[next(g for g in found.groups() if g)]
    return proposed[index] if -len(proposed) <= index < len(proposed) else None


# The part of a day a client asks for when no exact time is named: slots are proposed inside it.
# "Monday afternoon" counts, "Good afternoon" does not
_AFTERNOON = re.compile(r"\bпосле\s+обеда\b|\bво\s+второй\s+половине\s+дня\b|\b(?<!good )afternoon\b|"
                        r"\bafter\s+lunch\b")
_MORNING = re.compile(r"\bутром\b|\bс\s+утра\b|\bдо\s+обеда\b|\bв\s+первой\s+половине\s+дня\b|\b(?<!good )morning\b|"
                      r"\bbefore\s+lunch\b")
_EVENING = re.compile(r"\bвечером\b|\bближе\s+к\s+вечеру\b|\b(?<!good )evening\b")
_AFTER_HOUR = re.compile(r"\b(?:после|с|не\s+раньше)\s+(\d{1,2})(?:[:.](\d{2}))?(?:\s*(?:ч\w*))?(?!\s*(?:до|-|–))\b|"
                         r"\bafter\s+(\d{1,2})(?::(\d{2}))?\s*(pm|am)?\b")
_BEFORE_HOUR = re.compile(r"\b(?:до|не\s+позже)\s+(\d{1,2})(?:[:.](\d{2}))?(?:\s*(?:ч\w*))?\b|\bbefore\s+(\d{1,2})(?::(\d{2}))?\s*(pm|am)?\b")


_UNAVAILABLE = re.compile(r"\bне\s+(?:могу|смогу|сможем|получится|выйдет|удобно|подходит)|\bзанят\w*|\bв\s+делах\b|"
                          r"\bкроме\b|\bтолько\s+не\b|\b(?:can't|cannot|not)\b|\bbusy\b|\bexcept\b")


def _hour(hours: str, minutes: str | None, meridiem: str | None) -> time | None:
    hour = int(hours)
    if (meridiem == "pm" and hour < 12) or (meridiem is None and 1 <= hour <= 7):  # «после 3» at work is 15:00
        hour += 12
    return time(hour, int(minutes or 0)) if 0 <= hour <= 23 and int(minutes or 0) < 60 else None


def preferred_window(text: str, now: datetime, tz: ZoneInfo) -> tuple[time, time] | None:
    """The part of the day a client asks for when no exact time is named: «после обеда» 13:00–24:00,
    «утром» until 13:00, «вечером» from 17:00, «после 14» from 14:00, «до 12» until 12:00, "after 2pm"."""
    found = scan(text, _local_now(now, tz))
    rest = found.text
    if found.clock() is not None or _UNAVAILABLE.search(rest):  # a time named, or «утром не могу»
        return None
    start, end = time(0), time(23, 59)
    if _AFTERNOON.search(rest):
        start = time(13)
    elif _MORNING.search(rest):
        end = time(13)
    elif _EVENING.search(rest):
        start = time(17)
    if after := _AFTER_HOUR.search(rest):
        h, m, mer = (after.group(1), after.group(2), None) if after.group(1) else after.group(3, 4, 5)
        start = _hour(h, m, mer) or start
    if before := _BEFORE_HOUR.search(rest):
        h, m, mer = (before.group(1), before.group(2), None) if before.group(1) else before.group(3, 4, 5)
        end = _hour(h, m, mer) or end
    if start >= end or (start, end) == (time(0), time(23, 59)):
        return None
    return start, end


@dataclass(frozen=True, slots=True)
class Option:
    """One of the days a client offers: an exact time on it (`at`), or a part of it (`window`), or neither."""

    day: date
    at: datetime | None = None
    window: tuple[time, time] | None = None


_OR = re.compile(r"\s*,?\s*\b(?:или|либо|or)\b\s*", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def alternatives(text: str, now: datetime, tz: ZoneInfo) -> list[Option]:
    """«в среду с 10 до 12 или в четверг после 16», "Monday afternoon or Tuesday morning": the days
    a client offers as alternatives, each with its own time or part of the day. A part named only
    after the last day applies to all («в среду или в четверг после обеда»). Empty unless every
    alternative names a day and at least two different days are named."""
    listing = [sentence for sentence in _SENTENCES.split(text) if _OR.search(sentence)]
    if len(listing) != 1:  # the sentence that lists them («Четверг заняли. Тогда в пятницу или …»)
        return []
    sentence = listing[0]
    first_or = _OR.search(sentence)
    if first_or is not None:  # «в пятницу не могу, давайте в понедельник или во вторник»: the clause that lists
        head = sentence[: first_or.start()]
        cut = max(head.rfind(","), head.rfind(";"), head.rfind("—"))
        sentence = sentence[cut + 1 :] if cut >= 0 else sentence
    parts = [part for part in _OR.split(sentence) if part.strip()]
    if len(parts) < 2:
        return []
    options: list[Option] = []
    for part in parts:
        when = resolve_when(part, now, tz)
        if when.invalid or not _names_a_day(part, now, tz):  # «в пятницу в 10 или в 11»: one day
            return []
        if _REFUSED.search(normalize(part)):  # «в среду не могу, давайте в четверг или …»: the usual reading
            return []
        if when.at is not None:
            local = when.at.astimezone(tz)
            if when.until is not None:  # «с 10 до 12»: a window on that day
                options.append(Option(local.date(), window=(local.time(), when.until.astimezone(tz).time())))
            else:
                options.append(Option(local.date(), at=when.at))
        elif when.day is not None:
            options.append(Option(when.day, window=preferred_window(part, now, tz)))
        else:
            return []  # «в среду или как Вам удобно»: not a list of days
    if len({option.day for option in options}) < 2:
        return []
    last = options[-1].window
    if last is not None and all(o.window is None and o.at is None for o in options[:-1]):
        options = [Option(o.day, window=last) for o in options[:-1]] + [options[-1]]
    return options


def names_a_time(text: str, now: datetime, tz: ZoneInfo) -> bool:
    """The text names a moment, a day, a vague time («после обеда») or an impossible date."""
    when = resolve_when(text, now, tz)
    return bool(when.at or when.day or when.vague or when.invalid)


def _names_a_day(text: str, now: datetime, tz: ZoneInfo) -> bool:
    found = scan(text, _local_now(now, tz))
    return bool(found.days) or found.duration is not None


_PART_OF_DAY = re.compile(
    r"\b(?:(?:после|до)\s+обеда|в\s+обед|с\s+утра|утром|днем|вечером|"
    r"in\s+the\s+(?:morning|afternoon|evening))\b"
)


def only_a_moment(text: str, now: datetime, tz: ZoneInfo) -> bool:
    """True when the message names a moment and (almost) nothing else: «15 декабря вторник 14:30»,
    «а в пятницу после обеда?» (a day and a part of it)."""
    found = scan(text, _local_now(now, tz))
    if not found.days:
        return False
    rest = found.text
    if found.clock() is None:
        rest, parts = _PART_OF_DAY.subn(" ", rest)
        if not parts:
            return False
    words = re.findall(r"[a-zа-я]+(?:-[a-zа-я]+)?", rest)
    return all(word in _FILLER for word in words)


def _until(at: datetime, end: time | None) -> datetime | None:
    return None if end is None else at.replace(hour=end.hour, minute=end.minute)


def pause_until(text: str, now: datetime, tz: ZoneInfo) -> date | datetime | None:
    """The first day (or moment, when the client gave a time) the agent may write again."""
    now_local = _local_now(now, tz)
    today = now_local.date()
    found = scan(text, now_local)
    clock = found.clock()
    if found.days:
        refs = [d for d in found.days if d.explicit] or found.days
        shifted = [
            (d.day + timedelta(days=1), True) if d.prep in _AFTER_PREPS else (d.day, False) for d in refs
        ]
        best, moved = max(shifted)
        if clock is not None and not moved and len({d for d, _ in shifted}) == 1:
            return _combine(best, clock, tz)
        return best
    if found.duration is not None:
        duration = found.duration
        if duration.unit in ("minute", "hour"):
            return (now_local + duration.delta).replace(second=0, microsecond=0)
        return add_months(today, duration.months) + duration.delta
    period = _period(found.text, today)
    if period is not None or clock is None:
        return period
    at = _combine(today, clock, tz)
    return at if at > now_local else _combine(today + timedelta(days=1), clock, tz)


# --- named periods ----------------------------------------------------------------------------
_HOLIDAYS = re.compile(r"\bпосле\s+(?:праздник\w*|каникул\w*)|\bafter\s+(?:the\s+)?holidays\b")
_NEW_YEAR = re.compile(
    r"\bпосле\s+(?:нового\s+года|нг\b|новогодн\w*)|\b(?:в|с)\s+нов(?:ом|ого)\s+год\w*|"
    r"\bafter\s+(?:the\s+)?new\s+year\b|\bin\s+the\s+new\s+year\b"
)
_NEXT_YEAR = re.compile(
    r"\b(?:в|на)\s+следующем\s+году\b|\bв\s+начале\s+(?:следующего\s+)?года\b|\bnext\s+year\b"
)
_NEXT_MONTH = re.compile(
    r"\b(?:в|на)\s+следующем\s+месяце\b|\bв\s+начале\s+следующего\s+месяца\b|\bnext\s+month\b"
)
_MONTH_END = re.compile(r"\b(?:в|к)\s+конц[еу]\s+(?:этого\s+)?месяца\b|\bend\s+of\s+(?:the|this)\s+month\b")
_WEEK_END = re.compile(r"\bв\s+конце\s+(?:этой\s+)?недели\b|\bend\s+of\s+(?:the|this)\s+week\b")
_MONTH = re.compile(
    r"\b(?P<pos>в\s+начале|в\s+середине|в\s+конце|до\s+(?:конца|середины|начала)|ближе\s+к\s+(?:концу|середине|началу)|к\s+(?:концу|середине|началу)|"
    r"после|до|к|в|во|с|со|in|after|by|from|until|early|mid|late|end\s+of|beginning\s+of|"
    rf"(?:the\s+)?middle\s+of)(?:\s+|\s*-\s*)(?P<m>{MONTH_RE})"
)
_SEASONS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\b(?:весной|к\s+весне|in\s+(?:the\s+)?spring)\b"), 3),
    (re.compile(r"\b(?:летом|к\s+лету|in\s+(?:the\s+)?summer)\b"), 6),
    (re.compile(r"\b(?:осенью|к\s+осени|после\s+лета|in\s+(?:the\s+)?(?:autumn|fall))\b"), 9),
    (re.compile(r"\b(?:зимой|к\s+зиме|in\s+(?:the\s+)?winter)\b"), 12),
)


_QUARTER_NUMBERS = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4, "1": 1, "2": 2, "3": 3, "4": 4,
                    "first": 1, "second": 2, "third": 3, "fourth": 4}
_QUARTER = re.compile(
    r"\b(?:в|во|с|со|к|до|после|на|in|by|after|from|early|until)?\s*"
    r"(?:(перв|втор|трет|четверт)\w*\s+квартал\w*|([1-4])\s*(?:-?(?:й|м|ом|ый))?\s+квартал\w*|"
    r"q([1-4])\b|(first|second|third|fourth)\s+quarter)"
)
_NEXT_QUARTER = re.compile(r"\b(?:в|на|с)\s+следующ\w+\s+квартал\w*|\bnext\s+quarter\b")


def _quarter(text: str, today: date) -> date | None:
    """«во втором квартале», "in Q1", «в следующем квартале», «не пишите до второго квартала»: the
    first working day of that quarter (the next one of that number); «после первого квартала»: of
    the quarter after it."""
    current = (today.month - 1) // 3 + 1
    if _NEXT_QUARTER.search(text):
        number = current % 4 + 1
    elif found := _QUARTER.search(text):
        number = _QUARTER_NUMBERS[next(g for g in found.groups() if g)]
        if re.match(r"\s*(?:после|after)\b", found.group(0)):  # «после первого квартала»: from the second
            number = number % 4 + 1
    else:
        return None
    if number == current:  # «в этом квартале»: already in it, no date to wait for
        return None
    year = today.year + (1 if number < current else 0)
    return first_working_day_of(year, 3 * (number - 1) + 1)


def _anchor(pos: str) -> int:
    """Day of month a position word points to: start 1, middle 15, end 20."""
    if "серед" in pos or "mid" in pos:
        return 15
    if "конц" in pos or "late" in pos or "end" in pos:
        return 20
    return 1


def _month_period(text: str, today: date) -> date | None:
    found = _MONTH.search(text)
    if not found:
        return None
    pos, month = found.group("pos"), month_number(found.group("m"))
    if pos in ("после", "after") or pos.startswith("до конц"):  # «до конца декабря» → January
        month = month % 12 + 1
        pos = ""
    anchor = _anchor(pos)
    if month == today.month:
        if anchor > today.day:
            return next_working_day(date(today.year, month, anchor))
        return next_working_day(today + timedelta(days=1)) if anchor > 1 else None
    year, month = upcoming_month(today, month)
    return next_working_day(date(year, month, anchor))


def _new_year(today: date) -> date:
    year = today.year if today < date(today.year, 1, 9) else today.year + 1
    return first_working_day_of(year, 1)


def _period(text: str, today: date) -> date | None:
    if _HOLIDAYS.search(text):
        return after_next_holidays(today)
    if _NEW_YEAR.search(text):
        return _new_year(today)
    if _NEXT_YEAR.search(text):
        return first_working_day_of(today.year + 1, 1)
    if _NEXT_MONTH.search(text):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return first_working_day_of(year, month)
    if _MONTH_END.search(text):
        end = date(today.year, today.month, 20)
        return next_working_day(end if end > today else today + timedelta(days=1))
    if NEXT_WEEK.search(text):
        return next_working_day(today + timedelta(days=7 - today.weekday()))
    if _WEEK_END.search(text):
        friday = today + timedelta(days=4 - today.weekday())
        return next_working_day(friday if friday > today else friday + timedelta(days=7))
    if (period := _month_period(text, today)) is not None:
        return period
    if (quarter := _quarter(text, today)) is not None:
        return quarter
    for pattern, month in _SEASONS:
        if pattern.search(text):
            season = {month, month % 12 + 1, (month + 1) % 12 + 1}
            if today.month in season:
                return None
            return first_working_day_of(*upcoming_month(today, month))
    return None
