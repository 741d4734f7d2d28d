"""Opt-out recall (must be 100 %) and near-misses that must not be read as opt-out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.opt_out import is_opt_out
from agent.understanding.rules import classify, detect_certain
from agent.understanding.stop_signal import stop_outcome

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=MSK)

OPT_OUTS = [
    "Пожалуйста, не пишите мне больше.",
    "не пишите мне больше",
    "Отпишите меня",
    "отпишите",
    "Удалите из рассылки",
    "Удалите меня из базы, пожалуйста",
    "Больше не беспокойте",
    "Не беспокойте меня.",
    "Прекратите присылать эти письма",
    "Хватит спамить!",
    "Отписаться",
    "Не присылайте ничего",
    "Уберите меня из базы",
    "Уберите мой адрес из списка рассылки",
    "Прошу больше не писать",
    "Можете больше не писать",
    "Нам не пишите, мы не заинтересованы",
    "Не пишите и не звоните",
    "Больше не пишите мне на эту почту",
    "Перестаньте мне писать",
    "Не хочу получать ваши письма",
    "Отказываюсь от рассылки",
    "Как отписаться от рассылки?",
    "Исключите нас из списка адресатов",
    "Это спам. Не пишите больше",
    "Не интересно, не пишите",
    "Прошу удалить мои данные",
    "Не надо мне больше ничего присылать",
    "Больше не пишите мне об этом",
    "Удалите, пожалуйста, мой адрес из рассылки",
    "Никогда мне больше не пишите",
    "Отстаньте уже",
    "Хватит мне писать",
    "стоп",
    "unsubscribe",
    "stop",
    "STOP.",
    "Please unsubscribe me",
    "Please remove me from your mailing list",
    "Take me off your list",
    "Stop emailing me",
    "Don't contact me again",
    "Do not email me anymore",
    "I don't want to receive these emails",
    "Leave me alone",
    "No more emails please",
    "opt me out",
    "Please stop",
]

# (text, the intent it should get instead; None where only "not opt-out" is clear)
NEAR_MISSES = [
    ("не пишите в выходные", None),
    ("можете не писать подробно, просто пришлите презентацию", "presentation"),
    ("отписался от вашей рассылки по ошибке, верните", None),
    ("Случайно нажал «отписаться», верните меня в рассылку", None),
    ("я не против, пишите", "interested"),
    ("напишите мне в телеграм", None),
    ("stop by our office", None),
    ("не интересно сейчас, напишите через месяц", "pause"),
    ("Спасибо, но нам это не интересно", "not_interested"),
    ("Не беспокойтесь, мы сами вам напишем", None),
    ("не беспокойте до января", "pause"),
    ("пока не пишите, вернёмся к вопросу после праздников", "pause"),
    ("уже пользуемся другим сервисом", "not_interested"),
    ("no thanks", "not_interested"),
    ("Not interested, thanks", "not_interested"),
    ("don't email me on weekends", None),
    ("можно не присылать презентацию, давайте сразу созвонимся завтра в 11", "demo"),
    ("не звоните, лучше пишите на почту", None),
    ("Перестаньте писать так часто, раз в месяц достаточно", None),
    ("Не хочу отписываться, просто пришлите презентацию", "presentation"),
    ("Как вы фильтруете спам в отзывах?", "question"),
    ("хватит с нас обещаний, покажите демо", "demo"),
    ("Удалите, пожалуйста, негативный отзыв — это вы умеете?", "question"),
    ("отпишите мне, когда будет готово КП", None),
    ("Отпишитесь, пожалуйста, по стоимости", None),
    ("We will stop using our current tool next year", None),
    ("Больше не пишите мне на эту почту, мой новый адрес ivan@new-mail.ru", None),
    ("Не пишите мне сюда, пишите в телеграм @ivan_petrov", None),
    ("Не пишите мне сейчас, я на совещании", None),
    ("Can you stop negative reviews from showing up?", None),
    ("Не присылайте презентацию, лучше созвонимся в пятницу", "demo"),
    ("В выходные не пишите, пожалуйста", None),
    ("Пока не беспокойте, вернёмся к этому в январе", "pause"),
    ("Я больше не работаю в компании, пишите Ивану Сидорову i.sidorov@romashka.ru", "referral"),
    ("Больше не пишите мне об этом на эту почту, пишите Ольге: olga@volna-hotel.ru", "referral"),
]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_opt_out_phrasings(text: str) -> None:
    """Every stop is caught: certain (both readers agree: stop at once) or possible (a person decides)."""
    assert is_opt_out(text)
    verdict = stop_outcome(text)
    assert verdict.band in ("certain", "possible"), verdict
    understood = classify(text, NOW, MSK)
    if verdict.band == "certain":
        assert (understood.intent, understood.certain, understood.source) == ("opt_out", True, "rules")


def test_most_plain_stops_are_certain() -> None:
    certain = [t for t in OPT_OUTS if stop_outcome(t).band == "certain"]
    assert len(certain) >= len(OPT_OUTS) - 3, sorted(set(OPT_OUTS) - set(certain))


@pytest.mark.parametrize(("text", "intent"), NEAR_MISSES)
def test_near_misses_are_not_opt_out(text: str, intent: str | None) -> None:
    assert not is_opt_out(text)
    assert stop_outcome(text).band != "certain"  # never a silent stop for a near-miss
    understood = classify(text, NOW, MSK)
    assert understood.intent != "opt_out"
    if intent is not None:
        assert understood.intent == intent


def test_counts() -> None:
    assert len(OPT_OUTS) >= 25
    assert len(NEAR_MISSES) >= 25


@pytest.mark.parametrize(
    "text",
    [
        "Пришлите презентацию. Хотя нет, не пишите мне больше.",
        "Этим занимается Ольга, olga@volna-hotel.ru. А мне больше не пишите.",
        "Давайте созвонимся завтра в 11. Шучу, отпишите меня.",
        "How much does it cost? Anyway, unsubscribe me.",
    ],
)
def test_opt_out_wins_over_everything_in_the_message(text: str) -> None:
    if stop_outcome(text).band == "possible":  # held for a person: nothing is sent
        return
    understood = classify(text, NOW, MSK)
    assert understood.intent == "opt_out"
    assert understood.certain is True


def test_opt_out_wins_over_channel_flags() -> None:
    text = "Я в отпуске до 7 декабря. Не пишите мне больше."
    understood = detect_certain(text, ["auto_reply"], NOW, MSK)
    assert understood is not None
    assert understood.intent == "opt_out" or stop_outcome(text).band == "possible"


@pytest.mark.parametrize("text", ["/stop", "/stop@napoleon_otzyvy_bot", "  /unsubscribe"])
def test_telegram_stop_is_opt_out(text: str) -> None:
    understood = detect_certain(text, [], NOW, MSK)
    assert understood is not None
    assert understood.intent == "opt_out"
    assert understood.certain is True


def test_opt_out_flag_from_the_channel() -> None:
    understood = detect_certain("", ["unsubscribe"], NOW, MSK)
    assert understood is not None
    assert understood.intent == "opt_out"
