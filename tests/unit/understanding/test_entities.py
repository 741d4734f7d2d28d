"""Emails, Telegram handles, phones and the referred person's name and role."""

from __future__ import annotations

import pytest

from agent.understanding.entities import (
    extract_person,
    find_emails,
    find_person_name,
    find_phones,
    find_role,
    find_telegram,
    normalize_phone,
)
from agent.understanding.schema import Person


def test_emails() -> None:
    text = "Пишите Ольге: Olga.Smirnova@Volna-Hotel.ru или marketing@volna-hotel.ru."
    assert find_emails(text) == ["olga.smirnova@volna-hotel.ru", "marketing@volna-hotel.ru"]
    assert find_emails("почта: info@отзывы.рф") == ["info@отзывы.рф"]
    assert find_emails("нет адреса, только @handle") == []


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("обратитесь к @petrov_ivan", ["@petrov_ivan"]),
        ("вот ссылка: https://t.me/olga_smm", ["@olga_smm"]),
        ("telegram.me/Sergey_P и @second_one", ["@Sergey_P", "@second_one"]),
        ("пишите на olga@volna-hotel.ru", []),
        ("@abc слишком короткий", []),
    ],
)
def test_telegram(text: str, handles: list[str]) -> None:
    assert find_telegram(text) == handles


@pytest.mark.parametrize(
    "raw",
    [
        "+7 916 123-45-67",
        "8 (916) 123-45-67",
        "89161234567",
        "+7(916)1234567",
        "7 916 123 45 67",
        "916 123-45-67",
    ],
)
def test_phone_formats(raw: str) -> None:
    assert find_phones(f"Телефон: {raw}, звоните") == ["+79161234567"]


def test_phones_ignore_other_numbers() -> None:
    assert find_phones("ИНН 7701234567, заказ 123456, 26.11 в 15:00") == []
    assert normalize_phone("12345") is None
    assert find_phones("8 800 555-35-35 и +7 916 123-45-67") == ["+78005553535", "+79161234567"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Этим у нас занимается маркетолог Ольга Смирнова, напишите ей", "Ольга Смирнова"),
        ("Напишите Ольге Смирновой", "Ольга Смирнова"),
        ("лучше к нашему директору по маркетингу Сергею, +7 916 123-45-67", "Сергей"),
        ("Свяжитесь с Сергеем Петровым", "Сергей Петров"),
        ("Обратитесь к Марии Ивановой", "Мария Иванова"),
        ("Спросите Наталью Кузнецову", "Наталья Кузнецова"),
        ("Это к Дмитрию Соколову", "Дмитрий Соколов"),
        ("Передам Павлу Громову", "Павел Громов"),
        ("Контакт Алексея Воронцова: a.v@mail.ru", "Алексей Воронцов"),
        ("Обратитесь к Ольге Петровне", "Ольга Петровна"),
        ("Вопрос к Ивану Петровичу", "Иван Петрович"),
        ("Этим занимается Смирнова Ольга", "Ольга Смирнова"),
        ("Этим занимается Артём Белый", "Артём Белый"),
        ("Пишите Евгении Достоевской", "Евгения Достоевская"),
        ("Please contact John Smith, our marketing manager", "John Smith"),
        ("Нет, спасибо", None),
    ],
)
def test_person_name_in_nominative(text: str, name: str | None) -> None:
    assert find_person_name(text) == name


def test_signature_name_is_not_the_referral() -> None:
    text = "Добрый день! Этим занимается Ольга, пишите ей.\n\nС уважением,\nПавел Громов"
    assert find_person_name(text) == "Ольга"


def test_name_nearest_to_the_trigger_wins() -> None:
    text = "Анна, добрый день! Этим занимается наш маркетолог Ольга Смирнова."
    assert find_person_name(text) == "Ольга Смирнова"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("к нашему директору по маркетингу Сергею", "директор по маркетингу"),
        ("Этим занимается маркетолог Ольга", "маркетолог"),
        ("коммерческому директору Ивану", "коммерческий директор"),
        ("генеральному директору", "генеральный директор"),
        ("руководителю отдела маркетинга", "руководитель отдела маркетинга"),
        ("our marketing manager", "marketing manager"),
        ("Этим занимается наш отдел маркетинга", "отдел маркетинга"),
        ("Коллеги, добрый день! Передам коллеге", "коллега"),
        ("Спасибо", None),
    ],
)
def test_role(text: str, role: str | None) -> None:
    assert find_role(text) == role


def test_extract_person() -> None:
    text = "Добрый день! Этим у нас занимается маркетолог Ольга Смирнова, напишите ей: olga.smirnova@volna-hotel.ru"
    assert extract_person(text) == Person(
        name="Ольга Смирнова", email="olga.smirnova@volna-hotel.ru", role="маркетолог"
    )
    assert extract_person("обратитесь к @petrov_ivan") == Person(telegram="@petrov_ivan")
    assert extract_person("Спасибо, не нужно") is None


def test_the_clients_own_telegram_offered_for_the_conversation() -> None:
    from agent.understanding.entities import own_telegram

    assert own_telegram("Мой телеграм @ivan_utro, там быстрее отвечу") == "@ivan_utro"
    assert own_telegram("Не пишите сюда, лучше в тг @ivan_utro") == "@ivan_utro"
    assert own_telegram("My telegram is @ivan_utro") == "@ivan_utro"
    assert own_telegram("Пишите @ivan_utro") is None  # no cue that it is theirs
    assert own_telegram("Мой телеграм @ivan_utro, а коллеги — @anna_mkt") is None  # two handles: a person reads it
