"""A promise to reply is read by verb form (first-person future), not by a list of phrases."""

from __future__ import annotations

import pytest

from agent.understanding.promise import promises_reply


@pytest.mark.parametrize("text", [
    "Посмотрю и отпишусь.",
    "Изучу и отвечу позже.",
    "Спасибо, почитаю на выходных и напишу.",
    "Обсудим с коллегами и вернёмся с ответом",
    "Дам знать на днях",
    "ок, гляну на неделе",
    "Подумаю, свяжусь с вами сама",
    "Ознакомлюсь с материалами и сообщу решение",
    "I will review it and get back to you.",
    "Thanks, let me discuss it with the team.",
    "We'll take a look and let you know",
])
def test_a_promise_to_reply(text):
    assert promises_reply(text)


@pytest.mark.parametrize("text", [
    "Не отвечу, не пишите мне",       # negated, and a stop
    "Посмотрю, а сколько это стоит?",  # a question wants an answer now
    "Отпишитесь от нас",               # an imperative, not a promise
    "Надо подумать",                   # no first person
    "Напишите мне в телеграм",
    "Нам это не интересно",
    "Я отписался от вашей рассылки",   # past tense
    "Пишу вам по поводу отзывов",      # present tense
    "",
])
def test_not_a_promise(text):
    assert not promises_reply(text)


def test_a_long_letter_is_not_read_as_a_bare_promise():
    letter = "Посмотрю. " + " ".join(["Мы сеть из двенадцати салонов в трёх городах."] * 5)
    assert not promises_reply(letter)
