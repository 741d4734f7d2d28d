""""Stop writing to me, write to X" (`redirect.stop_and_refer`): each condition on both sides."""

from __future__ import annotations

import pytest

from agent.understanding.redirect import stop_and_refer
from agent.understanding.schema import Understanding
from agent.understanding.stop_signal import StopVerdict, stop_outcome

REFERRAL = Understanding(intent="referral")


def beside(*clauses: str) -> StopVerdict:
    return StopVerdict("possible", "stop word next to an address", beside_address=clauses)


def test_a_stop_for_the_writer_next_to_a_referral_is_a_redirect() -> None:
    assert stop_and_refer(beside("мне больше не пишите"), REFERRAL)


@pytest.mark.parametrize("intent", ["other", "opt_out", "presentation", "not_interested"])
def test_only_a_referral_reading_redirects(intent: str) -> None:
    assert stop_and_refer(beside("мне больше не пишите"), Understanding(intent=intent)) is None


def test_a_stop_with_no_address_beside_it_is_not_a_redirect() -> None:
    assert stop_and_refer(StopVerdict("possible", "a weak stop signal"), REFERRAL) is None
    assert stop_and_refer(StopVerdict("certain", "stop", beside_address=("не пишите",)), REFERRAL) is None


@pytest.mark.parametrize("clause", [
    "исключите info@garage24.ru из рассылки",      # the address is what is to be stopped
    "@napoleon_it больше сюда не пишите",
    "не пишите нам больше",                         # a group, not the writer
    "прошу не писать всем сотрудникам",
    "please remove all our addresses",
])
def test_a_stop_clause_naming_an_address_or_a_group_is_for_a_person(clause: str) -> None:
    assert stop_and_refer(beside("мне не пишите", clause), REFERRAL) is None


@pytest.mark.parametrize("text", [
    "Мне не пишите, я кассир. С отзывами к Семёну: semen.k@avtodom-nord.ru",
    "Please remove me from this thread and write to Anna instead: anna.k@brightsmile.com",
])
def test_the_stop_analysis_gives_the_clauses_next_to_an_address(text: str) -> None:
    verdict = stop_outcome(text)
    assert verdict.band == "possible" and verdict.beside_address
    assert stop_and_refer(verdict, REFERRAL)


@pytest.mark.parametrize("text", [
    "Please take me off this thread and loop in Priya, our CX lead: priya@harborgyms.com",
    "Забудьте этот адрес — я тут больше не работаю. Отзывами занимается Семён, semen.k@avtodom-nord.ru",
])
def test_a_stop_phrased_only_by_the_phrase_rules_gives_its_words_too(text: str) -> None:
    """No stop-word clause here ("take me off", «забудьте этот адрес»): the phrase itself is what
    the redirect reads."""
    verdict = stop_outcome(text)
    assert verdict.band == "possible" and verdict.beside_address
    assert stop_and_refer(verdict, REFERRAL)


def test_a_phrase_stop_for_a_group_next_to_an_address_is_for_a_person() -> None:
    verdict = stop_outcome("Take us off your list. For reviews write to Priya: priya@harborgyms.com")
    assert verdict.band == "possible" and verdict.beside_address
    assert stop_and_refer(verdict, REFERRAL) is None


def test_a_phrase_stop_without_an_address_gives_no_clauses() -> None:
    assert stop_outcome("Please take me off this thread.").beside_address == ()
