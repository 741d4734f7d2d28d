"""Record/replay of model answers, through the real StructuredLlm (no HTTP here; see
tests/integration/test_evals_record_replay.py for ChatOllama against the fake Ollama server)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.llm import LlmBadAnswer, LlmUnavailable, StructuredLlm
from evals.recording import RecordingChatModel, ReplayChatModel, Tape
from tests.support.scripted_chat import ScriptedChat


class Answer(BaseModel):
    intent: str
    answer: str | None = None


SYSTEM = "Определи намерение."


def recorder(tmp_path: Path, *script: object) -> StructuredLlm:
    inner = ScriptedChat(script=list(script))
    return StructuredLlm(RecordingChatModel(inner=inner, tape=Tape("record", tmp_path)), retries=1, backoff_s=0)


def replayer(tmp_path: Path) -> StructuredLlm:
    return StructuredLlm(ReplayChatModel(tape=Tape("replay", tmp_path)), retries=1, backoff_s=0)


async def test_answers_are_recorded_per_dialog_turn_and_call_and_replayed(tmp_path: Path) -> None:
    llm = recorder(tmp_path, {"intent": "question", "answer": "Да."}, "not json", {"intent": "demo"})
    Tape.begin("dlg-1", "t01")
    first, _ = await llm.ask(SYSTEM, [("user", "Вопрос?")], Answer)
    Tape.begin("dlg-1", "t02")
    second, _ = await llm.ask(SYSTEM, [("user", "Созвонимся?")], Answer)  # a bad answer, then a retry
    assert (first.intent, second.intent) == ("question", "demo")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert files == ["dlg-1/t01-01.json", "dlg-1/t02-01.json", "dlg-1/t02-02.json"]
    entry = json.loads((tmp_path / "dlg-1" / "t01-01.json").read_text(encoding="utf-8"))
    assert entry["answer"] == json.dumps({"intent": "question", "answer": "Да."}, ensure_ascii=False)
    assert entry["messages"][-1] == {"role": "human", "content": "Вопрос?"} and entry["error"] is None

    replay = replayer(tmp_path)
    Tape.begin("dlg-1", "t01")
    again, _ = await replay.ask(SYSTEM, [("user", "Вопрос?")], Answer)
    Tape.begin("dlg-1", "t02")
    position = Tape.current()
    again2, _ = await replay.ask(SYSTEM, [("user", "Созвонимся?")], Answer)
    assert (again, again2) == (first, second)
    assert position.calls == 2 and position.problems == []


async def test_replay_reports_a_missing_answer_and_a_changed_prompt(tmp_path: Path) -> None:
    llm = recorder(tmp_path, {"intent": "question"})
    Tape.begin("dlg-2", "t01")
    await llm.ask(SYSTEM, [("user", "Вопрос?")], Answer)

    replay = replayer(tmp_path)
    position = Tape.begin("dlg-2", "t01")
    await replay.ask(SYSTEM, [("user", "Другой вопрос?")], Answer)
    assert position.problems == ["prompt changed since recording (t01 call 1)"]
    position = Tape.begin("dlg-2", "t02")
    with pytest.raises(LlmUnavailable):
        await replay.ask(SYSTEM, [("user", "Вопрос?")], Answer)
    assert position.problems[0].startswith("no recorded model answer dlg-2/t02-01.json")


async def test_failures_are_recorded_and_replayed_as_failures(tmp_path: Path) -> None:
    llm = recorder(tmp_path, ConnectionError("refused"), ConnectionError("refused"))
    Tape.begin("dlg-3", "t01")
    with pytest.raises(LlmUnavailable):
        await llm.ask(SYSTEM, [("user", "Вопрос?")], Answer)
    entry = json.loads((tmp_path / "dlg-3" / "t01-02.json").read_text(encoding="utf-8"))
    assert entry["answer"] is None and "refused" in entry["error"]
    Tape.begin("dlg-3", "t01")
    with pytest.raises(LlmUnavailable):
        await replayer(tmp_path).ask(SYSTEM, [("user", "Вопрос?")], Answer)

    bad = recorder(tmp_path, "{broken", "{broken")
    Tape.begin("dlg-4", "t01")
    with pytest.raises(LlmBadAnswer):
        await bad.ask(SYSTEM, [("user", "Вопрос?")], Answer)
    Tape.begin("dlg-4", "t01")
    with pytest.raises(LlmBadAnswer):
        await replayer(tmp_path).ask(SYSTEM, [("user", "Вопрос?")], Answer)


async def test_concurrent_dialogs_keep_their_own_positions(tmp_path: Path) -> None:
    llm = recorder(tmp_path, {"intent": "a"}, {"intent": "b"})

    async def dialog(name: str) -> None:
        Tape.begin(name, "t01")
        await asyncio.sleep(0)
        await llm.ask(SYSTEM, [("user", name)], Answer)

    await asyncio.gather(asyncio.create_task(dialog("x")), asyncio.create_task(dialog("y")))
    assert {p.parent.name for p in tmp_path.rglob("*.json")} == {"x", "y"}


def test_replay_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Tape("replay", tmp_path / "missing")
    with pytest.raises(ValueError):
        Tape("record")
