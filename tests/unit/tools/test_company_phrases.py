"""The first email reads naturally for any company name: a legal form or a category word at the
head of the name is not preceded by «компании», and the industry hint catches word forms."""

from __future__ import annotations

import re

import pytest

from agent.prompts import PromptLibrary
from agent.tools.personalise import company_of, industry_hint

PROMPTS = PromptLibrary()
CLINICS, VENUES, PHARMACY = "у сети клиник", "у сети заведений", "у аптечной сети"
SALONS, DEALERS, HOTELS, BANK = "у сети салонов", "у дилерской сети", "у гостиничной сети", "у банка"

CASES = [  # company, what follows «о точках», industry hint
    ("Сеть кофеен «Бриз»", "сети кофеен «Бриз»", VENUES),
    ("ООО «Ромашка»", "ООО «Ромашка»", ""),
    ("ИП Иванов А. А.", "ИП Иванов А. А.", ""),
    ("АО «Аптечная сеть 36,6»", "АО «Аптечная сеть 36,6»", PHARMACY),
    ("ПАО Сбербанк", "ПАО Сбербанк", BANK),
    ("Группа компаний «Медси»", "группы компаний «Медси»", ""),
    ("ГК «Самолёт»", "ГК «Самолёт»", ""),
    ("«Улыбка»", "компании «Улыбка»", ""),
    ("Стоматология «Улыбка»", "стоматологии «Улыбка»", CLINICS),
    ("Сеть клиник «Здоровье»", "сети клиник «Здоровье»", CLINICS),
    ("Кофейня «Зёрна»", "кофейни «Зёрна»", VENUES),
    ("Аптека Ригла", "аптеки Ригла", PHARMACY),
    ("Салон красоты «Аура»", "салона красоты «Аура»", SALONS),
    ("Сеть салонов «Лак»", "сети салонов «Лак»", SALONS),
    ("Клиника доктора Петрова", "клиники доктора Петрова", CLINICS),
    ("Ресторанная группа «Гинза»", "ресторанной группы «Гинза»", VENUES),
    ("Вкусно — и точка", "компании Вкусно — и точка", ""),
    ("Додо Пицца", "компании Додо Пицца", VENUES),
    ("Автоцентр «Север»", "автоцентра «Север»", DEALERS),
    ("Отель «Космос»", "отеля «Космос»", HOTELS),
    ("Фитнес-клуб World Class", "фитнес-клуба World Class", "у сети фитнес-клубов"),
    ("Тинькофф Банк", "компании Тинькофф Банк", BANK),
    ("Магнит", "компании Магнит", ""),
    ("Холдинг «Росинтер»", "холдинга «Росинтер»", ""),
    ("Компания «Вектор»", "компании «Вектор»", ""),
    ("Барбершоп «Борода»", "барбершопа «Борода»", SALONS),
    ("Пекарня «Хлеб насущный»", "пекарни «Хлеб насущный»", VENUES),
    ("ЗАО «Медицинский центр «Здоровье»»", "ЗАО «Медицинский центр «Здоровье»»", CLINICS),
    ("Сеть аптечных пунктов «Горздрав»", "сети аптечных пунктов «Горздрав»", PHARMACY),
    ("Кафе «Пушкин»", "кафе «Пушкин»", VENUES),
    ("Сеть  салонов   «Лак»", "сети салонов «Лак»", SALONS),
    ("Автосалон «Рольф»", "автосалона «Рольф»", DEALERS),
    (None, "вашей компании", ""),
]


def first_sentence(company: str | None) -> str:
    text = PROMPTS.render("outreach", company=company or "", industry_hint=industry_hint(PROMPTS, company),
                          company_of=company_of(PROMPTS, company))
    return re.sub(r" {2,}", " ", text).split("\n", 1)[0]


@pytest.mark.parametrize(("company", "phrase", "hint"), CASES)
def test_company_reads_naturally(company: str | None, phrase: str, hint: str) -> None:
    assert company_of(PROMPTS, company) == phrase
    assert industry_hint(PROMPTS, company) == hint
    sentence = first_sentence(company)
    assert f"о точках {phrase} на Яндекс Картах" in sentence
    assert "компании Сеть" not in sentence and "компании ООО" not in sentence and "  " not in sentence
    assert (f"Когда {hint} много филиалов" if hint else "Когда много филиалов") in sentence


def test_the_rendered_sentence_for_a_coffee_chain() -> None:
    assert first_sentence("Сеть кофеен «Бриз»") == (
        "Пишу по поводу отзывов о точках сети кофеен «Бриз» на Яндекс Картах, 2ГИС и других площадках. "
        "Когда у сети заведений много филиалов, новые отзывы легко пропустить, а от рейтинга на картах "
        "зависит поток клиентов.")


@pytest.mark.parametrize(("word", "hint"), [
    ("кофеен", VENUES), ("кофейни", VENUES), ("аптечная", PHARMACY), ("аптек", PHARMACY), ("салонов", SALONS),
    ("клиник", CLINICS), ("клиники", CLINICS), ("ресторанов", VENUES), ("пиццерий", VENUES),
    ("гостиниц", HOTELS), ("отелей", HOTELS), ("маркетинг", ""), ("автосалонов", DEALERS),
])
def test_hints_catch_word_forms(word: str, hint: str) -> None:
    assert industry_hint(PROMPTS, f"Сеть {word} «Север»") == hint
