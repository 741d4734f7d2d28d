"""Russian personal names: a table of common first names and rules to put a name back in nominative.

«напишите Ольге Смирновой» → «Ольга Смирнова», «к директору Сергею Петрову» → «Сергей Петров».
The case of the first name (found in the table) tells the case and gender of the surname and
patronymic, which are de-inflected by their standard endings; anything else is kept as written.
"""

from __future__ import annotations

import re

from agent.understanding.calendar_ru import words

_MALE = words(
    "Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис Вадим "
    "Валентин Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий Георгий "
    "Герман Глеб Григорий Давид Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл "
    "Константин Лев Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр Роман Руслан "
    "Семён Сергей Станислав Степан Тимофей Тимур Фёдор Филипп Эдуард Юрий Ярослав "
    "Дима Миша Паша Вася Петя Коля Серёжа Саша Женя Лёша Костя Вова Слава"
)
_FEMALE = words(
    "Александра Алина Алиса Алла Алёна Анастасия Ангелина Анна Валентина Валерия Вера Вероника "
    "Виктория Галина Дарья Диана Ева Евгения Екатерина Елена Елизавета Жанна Зоя Инна Ирина Карина "
    "Кира Кристина Ксения Лариса Лилия Любовь Людмила Маргарита Марина Мария Милана Надежда "
    "Наталья Наталия Нина Оксана Ольга Полина Светлана София Софья Тамара Татьяна Ульяна Юлия Яна "
    "Катя Маша Лена Оля Таня Наташа Настя Юля Света Ира Аня Даша Ксюша Вика Надя"
)
_STEM_OVERRIDES = {"Павел": "Павл", "Лев": "Льв", "Пётр": "Петр"}
_HUSHING = "гкхжшчщ"

# case keys: nom gen dat acc ins pre
Reading = tuple[str, str, frozenset[str]]  # (nominative, gender "m"/"f", cases the form can be)
Forms = dict[str, list[Reading]]  # form (lower, ё→е) -> its readings, a nominative one first


def _first_name_forms(name: str, gender: str) -> dict[str, set[str]]:
    """All case forms of one first name (lower case) -> the cases each form can be."""
    low = name.lower()
    out: dict[str, set[str]] = {}

    def add(form: str, *cases: str) -> None:
        out.setdefault(form, set()).update(cases)

    add(low, "nom")
    if low.endswith(("а", "я")):  # Ольга, Мария, Наталья, and male Дима, Саша
        stem, soft = low[:-1], low.endswith("я")
        if low.endswith("ия"):
            add(stem + "и", "gen", "dat", "pre")
        else:
            add(stem + ("и" if soft or stem[-1] in _HUSHING else "ы"), "gen")
            add(stem + "е", "dat", "pre")
        add(stem + ("ю" if soft else "у"), "acc")
        add(stem + ("ей" if soft or stem[-1] in "жшчщц" else "ой"), "ins")
    elif low == "любовь":
        add("любови", "gen", "dat", "pre")
        add("любовью", "ins")
        add("любовь", "acc")
    elif low.endswith(("й", "ь")):  # Сергей, Дмитрий, Игорь
        stem = low[:-1]
        add(stem + "я", "gen", "acc")
        add(stem + "ю", "dat")
        add(stem + "ем", "ins")
        add(stem + ("и" if low.endswith("ий") else "е"), "pre")
    else:  # Иван, Павел (Павла), Лев (Льва)
        stem = _STEM_OVERRIDES.get(name, name).lower()
        add(stem + "а", "gen", "acc")
        add(stem + "у", "dat")
        add(stem + "ом", "ins")
        add(stem + "е", "pre")
    return {form.replace("ё", "е"): cases for form, cases in out.items()}


def _build() -> Forms:
    table: Forms = {}
    for names, gender in ((_MALE, "m"), (_FEMALE, "f")):
        for name in names:
            for form, cases in _first_name_forms(name, gender).items():
                readings = table.setdefault(form, [])
                # on a clash («Александра»: female nominative or male genitive) nominative comes first
                readings.insert(0 if "nom" in cases else len(readings), (name, gender, frozenset(cases)))
    return table


FIRST_NAMES: Forms = _build()

_MALE_SURNAME = {  # case -> (ending in that case, nominative ending)
    "gen": (("ова", "ов"), ("ева", "ев"), ("ина", "ин"), ("ына", "ын"), ("ского", "ский"), ("цкого", "цкий")),
    "acc": (("ова", "ов"), ("ева", "ев"), ("ина", "ин"), ("ына", "ын"), ("ского", "ский"), ("цкого", "цкий")),
    "dat": (("ову", "ов"), ("еву", "ев"), ("ину", "ин"), ("ыну", "ын"), ("скому", "ский"), ("цкому", "цкий")),
    "ins": (
        ("овым", "ов"),
        ("евым", "ев"),
        ("иным", "ин"),
        ("ыным", "ын"),
        ("ским", "ский"),
        ("цким", "цкий"),
    ),
    "pre": (("ове", "ов"), ("еве", "ев"), ("ине", "ин"), ("ыне", "ын"), ("ском", "ский"), ("цком", "цкий")),
}
_FEMALE_SURNAME = {
    "oblique": (
        ("овой", "ова"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
        ("ской", "ская"),
        ("цкой", "цкая"),
    ),
    "acc": (
        ("ову", "ова"),
        ("еву", "ева"),
        ("ину", "ина"),
        ("ыну", "ына"),
        ("скую", "ская"),
        ("цкую", "цкая"),
    ),
}
_MALE_PATRONYMIC = {"gen": "а", "acc": "а", "dat": "у", "ins": "ем", "pre": "е"}
_FEMALE_PATRONYMIC = {"gen": "ы", "dat": "е", "pre": "е", "acc": "у", "ins": "ой"}


def _replace_ending(word: str, pairs: tuple[tuple[str, str], ...]) -> str | None:
    low = word.lower().replace("ё", "е")  # «Ковалёвой» ends like «-евой»; the word keeps its «ё»
    for ending, nominative in pairs:
        if low.endswith(ending) and len(low) > len(ending) + 1:
            cut = len(word) - len(ending)
            # «Ковалёвой» → «Ковалёва»: an «ё» of the ending stays where the nominative keeps the letter
            kept = "".join("ё" if word[cut + i : cut + i + 1] == "ё" and ch == "е" else ch
                           for i, ch in enumerate(nominative))
            return word[:cut] + kept
    return None


def nominative_word(word: str, gender: str, cases: frozenset[str]) -> str:
    """A surname or patronymic in the case/gender of the first name it follows, back in nominative."""
    if "nom" in cases:
        return word
    if "-" in word.strip("-"):  # a double surname: each part on its own («Петровой-Водкиной»)
        return "-".join(nominative_word(piece, gender, cases) for piece in word.split("-"))
    low = word.lower().replace("ё", "е")
    if gender == "m":
        if low.endswith(("вича", "вичу", "вичем", "виче", "ича", "ичу", "ичем")):
            for case in sorted(cases):
                ending = _MALE_PATRONYMIC[case]
                if low.endswith(ending):
                    return word[: len(word) - len(ending)]
        for case in sorted(cases):
            if found := _replace_ending(word, _MALE_SURNAME[case]):
                return found
        return word
    if low.endswith(("вны", "вне", "вну", "вной", "чны", "чне", "чну", "чной")):
        for case in sorted(cases):
            ending = _FEMALE_PATRONYMIC[case]
            if low.endswith(ending):
                return word[: len(word) - len(ending)] + "а"
    key = "acc" if cases == {"acc"} else "oblique"
    return _replace_ending(word, _FEMALE_SURNAME[key]) or word


_SURNAME_END = re.compile(
    r"(?:ов|ев|ин|ын)(?:а|у|ым|е|ой|ою)?$|(?:ск|цк)(?:ий|ая|ого|ому|им|ом|ой|ую)$|"
    r"(?:вич|ич)(?:а|у|ем|е)?$|(?:вн|чн)(?:а|ы|е|у|ой)$|(?:енко|ко|ук|юк|их|ых|ян|дзе|швили)$"
)


def looks_like_surname(word: str) -> bool:
    """Russian surname or patronymic by its ending, in any case («Смирновой», «Петрович»)."""
    return bool(_SURNAME_END.search(word.lower().replace("ё", "е")))


def lookup_first_name(word: str) -> list[Reading]:
    """Readings (nominative, gender, cases) of `word` as a known first name; empty when it is none.

    «Евгении» is both Евгений (prepositional) and Евгения (genitive/dative/prepositional)."""
    return FIRST_NAMES.get(word.lower().replace("ё", "е"), [])
