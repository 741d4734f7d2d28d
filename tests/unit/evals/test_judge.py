"""The optional judge: a typed verdict per reply, after the scores, never changing them."""

from __future__ import annotations

from evals.judge import Verdict, judge_replies, judge_summary
from evals.loader import Expect
from tests.support.scripted_chat import scripted_llm
from tests.unit.evals.helpers import dialog_result, reply, turn


async def test_each_reply_to_a_client_message_gets_a_verdict() -> None:
    verdict = {"score": 4, "answers_the_client": True, "grounded": True, "polite_and_natural": True,
               "problems": [], "summary": "ok"}
    llm, model = scripted_llm(verdict, {"score": 9}, {"score": 9})  # out of range twice: an error
    results = [dialog_result(
        "d1",
        turn(1, Expect(), text="Сколько стоит?", sent=[reply("Цену назовёт менеджер после демо.")]),
        turn(2, Expect(), kind="wait", sent=[reply("Напоминаю о себе.")]),
        turn(3, Expect(), text="А площадки?", sent=[reply("Яндекс Карты и 2ГИС.")]),
        turn(4, Expect(), text="Не пишите мне", sent=[]),
    )]
    items = await judge_replies(results, llm, "Факты о продукте.")
    assert [(i.turn, i.verdict is not None) for i in items] == [(1, True), (3, False)]
    assert isinstance(items[0].verdict, Verdict) and items[0].verdict.score == 4
    assert "malformed" in (items[1].error or "")
    assert "Факты о продукте." in model.seen[0][0].content
    summary = judge_summary(items)
    assert (summary["judged"], summary["errors"], summary["mean_score"]) == (1, 1, 4.0)
