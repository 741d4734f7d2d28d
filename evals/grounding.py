"""The eval's own check for invented figures and promises, written apart from the guard
(`agent/tools/figures.py`) so that the two cannot agree by construction.

Every number (digits, or a number word from num2words' Russian and English vocabulary, compared by
pymorphy3 lemma), currency, percentage, month and weekday in a sent message must also occur in the
product facts, the client's words of that turn, or the booked/agreed dates. Comparison is by
surface form (digits as integers, words as lemmas), not by value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache

from num2words import num2words
from pymorphy3 import MorphAnalyzer

CURRENCY = {"₽", "$", "€", "руб", "рубль", "р", "доллар", "евро", "usd", "eur", "rub", "dollar", "euro", "бакс",
            "копейка", "тенге"}
PERCENT = {"%", "процент", "percent", "процентный"}
MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь"]
WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
EN_DATES = {"january", "february", "march", "april", "june", "july", "august", "september", "october",
            "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
PROMISE = re.compile(r"скидк|бесплатн|гарантир|\bакци[яий]|\bfree\b|discount|guarantee|promo|промокод|бонус",
                     re.IGNORECASE)
_TOKEN = re.compile(r"\d+|[a-zа-яё]+|[%₽$€]", re.IGNORECASE)


@cache
def _morph() -> MorphAnalyzer:
    return MorphAnalyzer(lang="ru")


@cache
def _vocabulary() -> frozenset[str]:
    words: set[str] = set()
    numbers = [*range(0, 101), *range(100, 1001, 100), 1000, 10**6, 10**9]
    for lang in ("ru", "en"):
        for n in numbers:
            words.update(re.findall(r"[a-zа-яё]+", num2words(n, lang=lang).lower()))
        for n in range(1, 32):
            words.update(re.findall(r"[a-zа-яё]+", num2words(n, lang=lang, to="ordinal").lower()))
    words -= {"and", "a"}
    words |= {"полтора", "полторы", "пол", "половина", "пара", "вдвое", "втрое", "десяток", "сотня", "дюжина",
              "half", "dozen", "twice", "тыс", "млн", "млрд", "k", "полгода", "полчаса"}
    return frozenset(w.replace("ё", "е") for w in words)


@cache
def _lemma(word: str) -> str:
    if re.search("[а-я]", word):
        return str(_morph().parse(word)[0].normal_form).replace("ё", "е")
    return word


def marks(text: str) -> list[str]:
    """The figure-like tokens of a text, normalised: '15', 'пятнадцать', '%', '₽', 'март', 'friday'."""
    text = re.sub(r"\b(?:в двух словах|пар[уы] слов|in two words)\b", " ", text.lower())
    text = re.sub(r"https?://\S+|\S+@\S+|@\w+|\b\d+[a-zа-я]{3,}\b", " ", text.lower().replace("ё", "е"))
    found = []
    vocabulary = _vocabulary()
    for token in _TOKEN.findall(text):
        if token.isdigit():
            found.append(str(int(token)))
            continue
        lemma = _lemma(token)
        if token in CURRENCY or lemma in CURRENCY:
            found.append("¤")
        elif token in PERCENT or lemma in PERCENT:
            found.append("%")
        elif lemma in MONTHS or lemma in WEEKDAYS or token in EN_DATES or lemma in vocabulary or token in vocabulary:
            found.append(lemma)
    return found


def date_marks(when: date | datetime | None) -> set[str]:
    if when is None:
        return set()
    out = {str(when.day), str(when.month), str(when.year), MONTHS[when.month - 1], WEEKDAYS[when.weekday()],
           when.strftime("%B").lower(), when.strftime("%A").lower()}
    if isinstance(when, datetime):
        out |= {str(when.hour), str(when.minute), str(when.hour % 12 or 12)}
        if (offset := when.utcoffset()) is not None:  # «(UTC+10)» or «(МСК+7)» after a time in another zone
            hours = int(offset.total_seconds() // 3600)
            out |= {str(abs(hours)), str(abs(hours - 3))}
    return out


def invented(text: str, *, facts: str, client: str = "", dates: Iterable[date | datetime | None] = ()) -> list[str]:
    """What `text` states that no source does: figures, currencies, percentages, dates, promises."""
    known = set(marks(facts)) | set(marks(client))
    for when in dates:
        known |= date_marks(when)
    out = [f"figure {mark!r}" for mark in marks(text) if mark not in known]
    out += [f"promise {m.group(0)!r}" for m in PROMISE.finditer(text) if not PROMISE.search(client)]
    return out
