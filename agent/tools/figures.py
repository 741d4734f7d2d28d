"""Every figure a text states, whatever its format: digits or words (Russian and English), with a
unit or without one, percentages, durations («полтора месяца», «за неделю»), dates and weekdays.

The guard uses it to require that each figure of a model-written reply is grounded in the product
facts, the client's message or the booking. Russian words are read through their pymorphy3 lemma
(«пятнадцати» → «пятнадцать»), so the case of a numeral does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agent.understanding.morphology import parse

RU_NUMBERS: dict[str, float] = {
    "ноль": 0, "нуль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
    "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19, "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200, "триста": 300,
    "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    "полтора": 1.5, "полторы": 1.5, "полтораста": 150, "пара": 2, "двое": 2, "трое": 3, "четверо": 4,
    "пятеро": 5, "вдвое": 2, "втрое": 3, "вчетверо": 4, "десяток": 10, "дюжина": 12, "сотня": 100,
    "половина": 0.5, "треть": 1 / 3, "четверть": 0.25, "сорока": 40,
}
EN_NUMBERS: dict[str, float] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
    "twice": 2, "half": 0.5, "couple": 2,
}
MULTIPLIERS: dict[str, float] = {
    "тысяча": 1e3, "тыс": 1e3, "тысяч": 1e3, "миллион": 1e6, "млн": 1e6, "миллиард": 1e9, "млрд": 1e9,
    "thousand": 1e3, "k": 1e3, "к": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
}
RU_ORDINALS = {
    "первый": 1, "второй": 2, "третий": 3, "четвертый": 4, "пятый": 5, "шестой": 6, "седьмой": 7,
    "восьмой": 8, "девятый": 9, "десятый": 10, "одиннадцатый": 11, "двенадцатый": 12, "тринадцатый": 13,
    "четырнадцатый": 14, "пятнадцатый": 15, "шестнадцатый": 16, "семнадцатый": 17, "восемнадцатый": 18,
    "девятнадцатый": 19, "двадцатый": 20, "тридцатый": 30,
}
EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
               "eighth": 8, "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20, "thirtieth": 30}
# lemma or token prefix → unit
UNITS: tuple[tuple[str, str], ...] = (
    ("минут", "minute"), ("мин", "minute"), ("minute", "minute"), ("min", "minute"),
    ("час", "hour"), ("ч", "hour"), ("hour", "hour"), ("hr", "hour"), ("h", "hour"),
    ("сутк", "day"), ("день", "day"), ("дн", "day"), ("day", "day"), ("d", "day"),
    ("недел", "week"), ("нед", "week"), ("week", "week"), ("wk", "week"),
    ("месяц", "month"), ("мес", "month"), ("month", "month"), ("mo", "month"),
    ("полугод", "half_year"), ("квартал", "quarter"), ("quarter", "quarter"),
    ("год", "year"), ("лет", "year"), ("г", "year"), ("year", "year"), ("yr", "year"),
    ("процент", "percent"), ("%", "percent"), ("percent", "percent"), ("pct", "percent"),
    ("рубл", "money"), ("руб", "money"), ("р", "money"), ("₽", "money"), ("$", "money"), ("€", "money"),
    ("доллар", "money"), ("долл", "money"), ("евро", "money"), ("dollar", "money"), ("euro", "money"),
    ("usd", "money"), ("eur", "money"), ("rub", "money"), ("бакс", "money"), ("коп", "money"),
)
EXACT_UNITS = {"ч", "h", "d", "г", "р", "mo", "%", "₽", "$", "€", "min", "hr", "wk", "yr"}
FILLERS = {"рабочий", "календарный", "полный", "целый", "business", "working", "calendar", "full", "whole",
           "всего", "лишь", "только", "ровно", "около", "примерно", "же", "more", "less", "than", "of",
           "с", "и", "and", "a"}
TIME_UNITS = ("minute", "hour", "day", "week", "month", "quarter", "half_year", "year")
DURATION_PREPOSITIONS = {"за", "через", "течение", "within", "in", "for", "after", "на", "до"}
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")
MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
             "october", "november", "december")
WEEKDAYS_RU = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMPOUND = re.compile(
    r"^(одно|двух|трех|четырех|пяти|шести|семи|восьми|девяти|десяти|двенадцати|четырнадцати|пятнадцати|"
    r"двадцати|тридцати|сорока|шестидесяти|девяноста|ста|полу)"
    r"(дневн|суточн|недельн|месячн|часов|минутн|летн|годичн|годов|процентн|кратн)")
COMPOUND_VALUES = {"одно": 1, "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7,
                   "восьми": 8, "девяти": 9, "десяти": 10, "двенадцати": 12, "четырнадцати": 14,
                   "пятнадцати": 15, "двадцати": 20, "тридцати": 30, "сорока": 40, "шестидесяти": 60,
                   "девяноста": 90, "ста": 100, "полу": 0.5}
COMPOUND_UNITS = {"дневн": "day", "суточн": "day", "недельн": "week", "месячн": "month", "часов": "hour",
                  "минутн": "minute", "летн": "year", "годичн": "year", "годов": "year", "процентн": "percent",
                  "кратн": None}
TOKEN = re.compile(
    r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])|\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:[.,]\d+)?"
    r"|[a-zа-яё]+|[%₽$€]", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str | None  # minute hour day week month year percent money month_name weekday, or None
    text: str

    def key(self) -> tuple[float, str | None]:
        return (round(self.value, 4), self.unit)


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"https?://\S+|\S+@\S+|@\w+", " ", text)  # addresses are not figures
    text = re.sub(r"\b(\d+)([a-zа-я]{2,})", _name_or_figure, text)  # «2гис» is a name, «5k» «24ч» «3x» figures
    return TOKEN.findall(text)


def _name_or_figure(match: re.Match[str]) -> str:
    letters = match.group(2)
    if letters in MULTIPLIERS or _unit_of(letters) or letters in ("x", "х", "раз"):
        return f"{match.group(1)} {letters}"
    return letters


def _lemma(token: str) -> str:
    return parse(token).lemma if re.search("[а-я]", token) else token


def _word_value(token: str) -> float | None:
    if token in EN_NUMBERS:
        return EN_NUMBERS[token]
    if token in RU_NUMBERS:
        return RU_NUMBERS[token]
    if re.search("[а-я]", token):
        word = parse(token)
        if word.lemma in RU_NUMBERS:
            return RU_NUMBERS[word.lemma]
    return None


def _digits(token: str) -> float | None:
    if not token[0].isdigit():
        return None
    clean = re.sub(r"[ \u00a0\u202f]", "", token)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", clean):
        clean = clean.replace(",", "")
    try:
        return float(clean.replace(",", "."))
    except ValueError:
        return None


def _unit_of(token: str) -> str | None:
    if token in EXACT_UNITS:
        return next(unit for prefix, unit in UNITS if prefix == token)
    if token.startswith("пол") and len(token) > 4 and (unit := _unit_of(token[3:].lstrip("-"))):
        return unit if unit not in ("money", "percent") else None
    lemma = _lemma(token)
    for prefix, unit in UNITS:
        if len(prefix) > 2 and prefix not in EXACT_UNITS and (lemma.startswith(prefix) or token.startswith(prefix)):
            return unit
    return None


def _is_half_word(token: str) -> str | None:
    """«полгода», «полчаса», «пол-года» → the unit; else None."""
    if token.startswith("пол") and not token.startswith(("полн", "полу", "поле", "полт", "полс", "полк", "полез",
                                                          "получ", "поль", "полиц", "полит")):
        rest = token[3:].lstrip("-")
        if rest and (unit := _unit_of(rest)) in TIME_UNITS:
            return unit
    return None


def figures(text: str) -> list[Figure]:
    """The figures a text states, in order."""
    toks = _tokens(text)
    out: list[Figure] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        start = i
        unit: str | None = None
        if (half := _is_half_word(tok)) is not None:
            out.append(Figure(0.5, half, tok))
            i += 1
            continue
        if (m := COMPOUND.match(tok)) is not None:
            out.append(Figure(COMPOUND_VALUES[m.group(1)], COMPOUND_UNITS[m.group(2)], tok))
            i += 1
            continue
        lemma = _lemma(tok)
        if lemma in MONTHS_RU or (tok in MONTHS_EN and tok != "may") or (
                tok == "may" and ((i and _digits(toks[i - 1]) is not None)
                                  or (i + 1 < len(toks) and _digits(toks[i + 1]) is not None))):
            index = MONTHS_RU.index(lemma) if lemma in MONTHS_RU else MONTHS_EN.index(tok)
            out.append(Figure(index + 1, "month_name", tok))
            i += 1
            continue
        if lemma in WEEKDAYS_RU or tok in WEEKDAYS_EN:
            index = WEEKDAYS_RU.index(lemma) if lemma in WEEKDAYS_RU else WEEKDAYS_EN.index(tok)
            out.append(Figure(index, "weekday", tok))
            i += 1
            continue
        ordinal = RU_ORDINALS.get(lemma) or EN_ORDINALS.get(tok)
        if ordinal and i + 1 < len(toks) and (_lemma(toks[i + 1]) in MONTHS_RU or toks[i + 1] in MONTHS_EN):
            out.append(Figure(ordinal, None, tok))
            i += 1
            continue
        if tok in ("$", "€", "₽") and i + 1 < len(toks) and _digits(toks[i + 1]) is not None:
            unit = "money"
            i += 1
            tok = toks[i]
        first = _digits(tok)
        if first is None and _word_value(tok) is None and tok not in ("тысяча", "thousand") and \
                _lemma(tok) not in ("тысяча", "миллион", "миллиард"):
            # a duration with no number: «за неделю», «в течение месяца», «within a week»
            before = toks[i - 2] if i > 1 and toks[i - 1] in ("a", "an", "one") else toks[i - 1] if i else ""
            if before in DURATION_PREPOSITIONS and len(tok) > 2 and \
                    (u := _unit_of(tok)) in TIME_UNITS:
                out.append(Figure(1, u, f"{before} {tok}"))
            i += 1
            continue
        # a run of number tokens
        total = 0.0
        current = 0.0
        seen = False
        while i < len(toks):
            tok = toks[i]
            lemma = _lemma(tok)
            digit = _digits(tok)
            mult = MULTIPLIERS.get(tok) or MULTIPLIERS.get(lemma)
            word = _word_value(tok) if digit is None else None
            if digit is not None:
                if seen and current and not mult:
                    break  # two numbers in a row («3 14») are two figures
                current += digit
                seen = True
            elif (mult and seen) or (mult and tok in ("тысяча", "thousand", "миллион", "million")) or \
                    (mult and lemma in ("тысяча", "миллион", "миллиард")):
                total += (current or 1) * mult
                current = 0
                seen = True
            elif tok in ("hundred", "hundreds"):
                current = (current or 1) * 100
                seen = True
            elif word is not None:
                current += word
                seen = True
            elif tok in ("и", "and", "с", "a") and seen and i + 1 < len(toks) and \
                    (toks[i + 1] in ("половиной", "half") or (_word_value(toks[i + 1]) is not None
                     and toks[i] == "and")):
                pass
            else:
                break
            i += 1
        value = total + current
        # the unit: the next token (after fillers) or a sign before
        j = i
        while j < len(toks) and j < i + 3 and _lemma(toks[j]) in FILLERS:
            j += 1
        if unit is None and j < len(toks):
            unit = _unit_of(toks[j])  # a day of a month stays unitless: the month is its own figure
        if unit is None and j < len(toks) and _lemma(toks[j]) in ("слово", "word", "words"):
            continue  # «в двух словах», «a few words»: an idiom, not a figure
        out.append(Figure(value, unit, " ".join(toks[start:i + (1 if unit else 0)])))
        if i == start:
            i += 1
    return out


def booking_figures(at: datetime | None) -> list[Figure]:
    """What a booked time may be stated as: day, month, year, weekday, hour and minute."""
    if at is None:
        return []
    return [Figure(at.day, None, "day"), Figure(at.month, "month_name", "month"), Figure(at.year, None, "year"),
            Figure(at.year, "year", "year"), Figure(at.weekday(), "weekday", "weekday"),
            Figure(at.hour, None, "hour"), Figure(at.hour % 12 or 12, None, "hour12"),
            Figure(at.minute, None, "minute"), Figure(at.month, None, "month")]


def ungrounded(reply: str, sources: Iterable[str], booked: Iterable[datetime | None] = ()) -> list[Figure]:
    """The figures of `reply` that none of `sources` (and no booked time) states."""
    known: list[Figure] = [f for source in sources for f in figures(source)]
    for at in booked:
        known += booking_figures(at)
    pairs = {f.key() for f in known}
    values = {round(f.value, 4) for f in known if f.unit not in ("month_name", "weekday")}
    missing = []
    for figure in figures(reply):
        if figure.unit is None:
            if round(figure.value, 4) in values or figure.value == 1:
                continue
        elif figure.key() in pairs:
            continue
        missing.append(figure)
    return missing
