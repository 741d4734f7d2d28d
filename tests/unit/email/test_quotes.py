"""Reply extraction on plain text: reply headers of each client (joined when wrapped), Outlook
header blocks, separators, interleaved and bottom-posted answers, signatures."""

from __future__ import annotations

import pytest

from channels.email.quotes import extract_reply
from channels.email.signatures import is_mobile_signature

QUOTE = "> Добрый день, Иван!\n> Если неактуально, напишите «не пишите мне».\n"


@pytest.mark.parametrize(
    "header",
    [
        "пн, 23 нояб. 2026 г. в 10:00, Анна Смирнова <otzyvy@napoleonit.ru>:",  # Gmail RU
        "23 нояб. 2026 г., в 10:00, Анна Смирнова <otzyvy@napoleonit.ru> написал(а):",  # Apple Mail RU
        '23.11.2026, 10:00, "Анна Смирнова" <otzyvy@napoleonit.ru>:',  # Yandex
        "Понедельник, 23 ноября 2026, 10:00 +03:00 от Анна Смирнова <otzyvy@napoleonit.ru>:",  # Mail.ru web
        "23.11.2026 10:00, Анна Смирнова пишет:",  # Thunderbird RU
        "понедельник, 23 ноября 2026 г. пользователь Анна Смирнова написал:",  # Gmail RU on Android
        "On Mon, Nov 23, 2026 at 10:00 AM Anna Smirnova <otzyvy@napoleonit.ru> wrote:",  # Gmail EN
        "Am 23.11.2026 um 10:00 schrieb Anna Smirnova <otzyvy@napoleonit.ru>:",
        "Le 23 nov. 2026 à 10:00, Anna Smirnova <otzyvy@napoleonit.ru> a écrit :",
    ],
)
def test_reply_headers_of_each_client(header: str) -> None:
    reply = extract_reply(f"Да, давайте.\n\n{header}\n\n{QUOTE}")
    assert reply.text == "Да, давайте."
    assert reply.quoted.startswith(header)
    assert reply.history


def test_a_reply_header_wrapped_over_lines_is_one_header() -> None:
    body = (
        "Да, давайте.\n\n23 нояб. 2026 г. 10:00 пользователь \"Анна Смирнова\" <\n"
        f"otzyvy@napoleonit.ru> написал:\n\n{QUOTE}"
    )
    assert extract_reply(body).text == "Да, давайте."


def test_a_header_followed_by_an_unquoted_original_cuts_the_rest() -> None:
    body = "Пришлите цены.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Anna <otzyvy@napoleonit.ru> wrote:\n\nДобрый день!\nТекст письма."
    reply = extract_reply(body)
    assert reply.text == "Пришлите цены."
    assert reply.quoted.endswith("Текст письма.")


def test_an_empty_reply_above_an_unquoted_original_has_no_new_words() -> None:
    body = "\n\nOn Mon, Nov 23, 2026 at 10:00 AM Anna <otzyvy@napoleonit.ru> wrote:\n\nЕсли неактуально, напишите «не пишите мне»."
    reply = extract_reply(body)
    assert reply.text == ""
    assert "не пишите мне" in reply.quoted


@pytest.mark.parametrize(
    "separator",
    [
        "-----Исходное сообщение-----",
        "-----Original Message-----",
        "-------- Пересылаемое сообщение --------",
        "---------- Forwarded message ---------",
        "Начало переадресованного сообщения:",
    ],
)
def test_separators_start_the_history(separator: str) -> None:
    body = f"Посмотрите, пожалуйста.\n\n{separator}\nОт: Анна <otzyvy@napoleonit.ru>\nТема: Отзывы\n\nТекст."
    reply = extract_reply(body)
    assert reply.text == "Посмотрите, пожалуйста."
    assert reply.quoted.startswith(separator)


def test_outlook_ru_header_block_without_a_separator() -> None:
    body = (
        "Добрый день! Интересно.\n\nОт: Анна Смирнова [mailto:otzyvy@napoleonit.ru]\n"
        "Отправлено: 25 ноября 2026 г. 10:00\nКому: Иван Петров\nТема: Отзывы\n\nДобрый день, Иван!"
    )
    assert extract_reply(body).text == "Добрый день! Интересно."


def test_a_forward_without_a_comment_has_no_new_words() -> None:
    reply = extract_reply("-------- Пересылаемое сообщение --------\nОт кого: Анна\nТема: Отзывы\n\nТекст.")
    assert reply.text == ""
    assert reply.history


def test_inline_answers_keep_the_clients_paragraphs_only() -> None:
    body = (
        "Добрый день.\n\n> Удобно ли созвониться в четверг?\n\nДа, в 15:00.\n\n"
        "> Прислать презентацию?\n\nДа, пришлите.\n"
    )
    reply = extract_reply(body)
    assert reply.text == "Добрый день.\n\nДа, в 15:00.\n\nДа, пришлите."
    assert "Удобно ли" in reply.quoted and "Прислать" in reply.quoted


def test_bottom_posting_keeps_the_text_below_the_quote() -> None:
    body = f"23.11.2026 10:00, Анна Смирнова пишет:\n{QUOTE}\nДа, в пятницу удобно."
    reply = extract_reply(body)
    assert reply.text == "Да, в пятницу удобно."
    assert "не пишите мне" in reply.quoted


def test_a_sentence_ending_in_a_colon_is_not_a_reply_header() -> None:
    body = "Коллега написал:\nнужно согласовать бюджет до пятницы.\n\nС уважением, Иван"
    assert extract_reply(body).text == body


def test_a_rule_inside_a_long_text_is_not_a_signature() -> None:
    body = "Вопросы:\n-----\n" + "\n".join(f"{n}. Вопрос номер {n} про интеграцию с нашей CRM?" for n in range(1, 15))
    assert extract_reply(body).text == body


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my iPhone",
        "Sent from my Verizon Wireless BlackBerry",
        "Sent from my HTC M8 Android phone.  Please excuse typoze",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Отправлено с iPhone",
        "Отправлено из мобильной Почты Mail.ru",
        "Отправлено из мобильной Яндекс Почты",
        "Von meinem iPhone gesendet",
    ],
)
def test_mobile_signatures(line: str) -> None:
    assert is_mobile_signature(line)
    assert extract_reply(f"Да, интересно.\n\n{line}").text == "Да, интересно."


@pytest.mark.parametrize(
    "line",
    ["Sent from my desk, is much easier than my mobile phone.", "Отправлено: 25 ноября 2026 г. 10:00", "Спасибо!"],
)
def test_lines_that_only_look_like_mobile_signatures(line: str) -> None:
    assert not is_mobile_signature(line)


def test_a_signature_block_after_a_valediction_is_removed() -> None:
    body = (
        "Добрый день!\n\nДавайте созвонимся в четверг.\n\nС уважением,\nИван Петров\n"
        "Директор по маркетингу\n+7 (495) 123-45-67"
    )
    reply = extract_reply(body)
    assert reply.text == "Добрый день!\n\nДавайте созвонимся в четверг."
    assert reply.quoted.startswith("С уважением,")
    assert not reply.history


def test_a_valediction_with_just_a_first_name_stays_unless_it_is_the_sender() -> None:
    body = "Пришлите презентацию.\n\nСпасибо,\nИван"
    assert extract_reply(body).text == body
    assert extract_reply(body, sender_name="Иван Петров").text == "Пришлите презентацию."


def test_a_valediction_before_more_sentences_is_not_a_signature() -> None:
    body = "Спасибо!\nПришлите, пожалуйста, презентацию.\nИ цены на 40 точек."
    assert extract_reply(body, sender_name="Иван Петров").text == body


def test_a_thank_you_before_short_lines_of_text_is_not_a_signature() -> None:
    body = "Да, давайте в четверг.\nСпасибо!\nЖду звонка\nИван"
    assert extract_reply(body).text == body
    assert extract_reply(body, sender_name="Иван Петров").text == "Да, давайте в четверг.\nСпасибо!\nЖду звонка"


def test_the_senders_name_block_at_the_end_is_a_signature() -> None:
    body = "Давайте в четверг.\n\nИван Петров\nivan.petrov@romashka.ru\n+7 (495) 123-45-67"
    assert extract_reply(body, sender_name="Иван Петров").text == "Давайте в четверг."


def test_a_referral_contact_block_is_kept() -> None:
    body = "Напишите моему коллеге:\n\nПётр Сидоров\np.sidorov@romashka.ru\n+7 (495) 123-45-69"
    assert extract_reply(body, sender_name="Иван Петров").text == body
