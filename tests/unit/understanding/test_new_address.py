"""The client's own new address (`new_address.own_new_address`): each condition on both sides, on the
rules-mode reading and stop outcome the agent itself computes."""

from __future__ import annotations

import pytest

from agent.understanding.new_address import own_new_address, without_move
from agent.understanding.schema import Person, Understanding
from agent.understanding.stop_signal import StopVerdict, stop_outcome
from evals.phrases_report import rules_reading

OLD = "anna@lavka.ru"


def moved(text: str, current: str | None = OLD) -> tuple[str, bool] | None:
    found = own_new_address(text, rules_reading(text), stop_outcome(text), current)
    return (found.email, found.stop_here) if found else None


@pytest.mark.parametrize(("text", "stop_here"), [
    ("Сюда больше не пишите — ящик скоро закроют. Мой новый адрес: a.smirnova@lavka.ru, продолжим там.", True),
    ("Эту почту скоро удалят, пишите мне на новую — a.smirnova@lavka.ru.", True),
    ("На старую почту больше не пишите, её редко смотрят. Мой личный адрес: a.smirnova@lavka.ru.", True),
    ("Don't text me here, email me at a.smirnova@lavka.ru instead.", True),
    ("Моя новая почта — a.smirnova@lavka.ru, пишите туда.", False),
    ("Don't delete me from the list, I just changed jobs. New email: a.smirnova@lavka.ru", False),
    ("Отправьте описание в PDF на мой личный адрес a.smirnova@lavka.ru — рабочий режет вложения.", False),
])
def test_the_writers_own_new_address_is_taken(text: str, stop_here: bool) -> None:
    assert moved(text) == ("a.smirnova@lavka.ru", stop_here)


@pytest.mark.parametrize("text", [
    # a stop for the person, not for the place: a person decides
    "Мне больше не пишите. Мой новый адрес: a.smirnova@lavka.ru",
    # someone else is named or described beside the address: a referral or a redirect
    "Больше не пишите мне, я ушла из сети. Теперь всё решает Ольга: olga@lavka.ru",
    "Пишите на новый адрес нашего маркетолога: olga@lavka.ru",
    "Please don't email me about this. Forward it to our marketing team at team@lavka.ru.",
    # not an address of the writer's at all
    "Вы пишете с адреса robot@napoleon.ru, он точно ваш?",
    # two addresses, a Telegram handle or a phone: a person decides which is the writer's
    "Мой новый адрес: a@lavka.ru или b@lavka.ru",
    "Мой новый адрес a@lavka.ru, а в телеграме я @anna_lavka",
    "Мой новый адрес a@lavka.ru, телефон +7 916 123-45-67",
])
def test_anything_else_is_not_a_move(text: str) -> None:
    assert moved(text) is None


def test_the_current_address_is_not_a_move() -> None:
    assert moved(f"Мой новый адрес: {OLD}") is None
    assert moved(f"Мой новый адрес: {OLD.upper()}") is None
    assert moved(f"Мой новый адрес: {OLD}", current=None) == (OLD, False)


def test_a_quoted_address_is_not_the_clients_word() -> None:
    assert moved("Спасибо, получили.\n> Мой новый адрес: a.smirnova@lavka.ru") is None


@pytest.mark.parametrize("intent", ["opt_out", "not_interested", "bounce", "auto_reply"])
def test_a_stop_a_refusal_or_a_robot_is_never_moved(intent: str) -> None:
    text = "Мой новый адрес: a.smirnova@lavka.ru"
    assert own_new_address(text, Understanding(intent=intent), stop_outcome(text), OLD) is None


def test_a_named_referral_in_the_reading_is_not_a_move() -> None:
    text = "Мой новый адрес: a.smirnova@lavka.ru"
    reading = Understanding(intent="referral", referral=Person(name="Ольга", email="a.smirnova@lavka.ru"))
    assert own_new_address(text, reading, stop_outcome(text), OLD) is None


def test_a_certain_stop_or_a_possible_one_for_another_reason_is_not_a_move() -> None:
    text = "Мой новый адрес: a.smirnova@lavka.ru"
    reading = Understanding(intent="other")
    assert own_new_address(text, reading, StopVerdict("certain", "stop"), OLD) is None
    assert own_new_address(text, reading, StopVerdict("possible", "classifier opt_out probability 0.40"), OLD) is None
    place = StopVerdict("possible", "stop word", beside_address=("сюда больше не пишите",))
    assert own_new_address(text, reading, place, OLD) is not None


@pytest.mark.parametrize(("text", "intent"), [
    # «пишите мне на …» asks for the move, not for a letter later: the date is the mailbox's
    ("Этот ящик в декабре отключат, пишите мне на новый адрес: anna@lavka.ru", "other"),
    ("Отправьте описание в PDF на мой личный адрес anna@lavka.ru — рабочий режет вложения.", "presentation"),
    ("С января ящик закроют, мой новый адрес anna@lavka.ru. А созвониться давайте в четверг в 11.", "demo"),
])
def test_the_rest_of_the_message_is_read_on_its_own(text: str, intent: str) -> None:
    assert rules_reading(without_move(text, "anna@lavka.ru")).intent == intent
    assert "anna@lavka.ru" not in without_move(text, "anna@lavka.ru")
