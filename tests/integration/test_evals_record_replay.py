"""`--llm ollama --record DIR` against the scripted fake Ollama server (real HTTP, real ChatOllama),
then `--replay DIR` with no host: the same readings, actions, replies and token counts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from agent.settings import Settings
from cli.eval import eval_command
from evals.suite import chat_model_for, evaluate, load
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama

pytestmark = pytest.mark.integration

QUESTION = "А с какими площадками вы работаете? Нам важен 2ГИС."
ANSWER = "Мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp."
DIALOGS = {
    "rr-question-01": f"""\
id: rr-question-01
channel: email
now: 2026-11-25T10:00:00+03:00
contact: {{name: Иван Петров, company: Сеть клиник «Здоровье», email: ivan@zdorovie.ru}}
start: outreach
turns:
- client: "{QUESTION}"
  after: PT2H
  expect: {{intent: question, actions: [], reply: true, reply_must: ['2ГИС']}}
- client: "Звучит интересно, у нас восемь клиник."
  after: PT1H
  expect: {{intent: interested, actions: [], reply: true}}
- wait: P7D
  expect: {{actions: [follow_up], reply: true}}
""",
    "rr-optout-01": """\
id: rr-optout-01
channel: telegram
now: 2026-11-26T11:00:00+03:00
contact: {name: Ольга Белова, company: Кофейни «Зерно», telegram: "700100200"}
start: outreach
turns:
- client: "Не пишите мне больше."
  after: PT1H
  expect: {intent: opt_out, actions: [opt_out], reply: false}
""",
}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The scripted model: a reading for the agent, a verdict for the judge."""
    if (body.get("format") or {}).get("title") == "Verdict":
        return {"score": 4, "answers_the_client": True, "grounded": True, "polite_and_natural": True,
                "problems": [], "summary": "по делу"}
    last = body["messages"][-1]["content"]
    if "площадк" in last:
        return {"intent": "question", "question": last, "topics": ["platforms"], "answer": ANSWER}
    return {"intent": "interested", "answer": "Рада, что тема актуальна: расскажу подробнее на демо."}


@pytest.fixture
def dialogs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "dialogs"
    folder.mkdir()
    for name, text in DIALOGS.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama(default=answer) as server:
        yield server


def ollama_settings(base_url: str | None, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, llm_provider="ollama", ollama_base_url=base_url,  # type: ignore[call-arg]
                    ollama_model=DEFAULT_MODEL, ollama_timeout_s=5.0, llm_retries=1, data_dir=tmp_path / "data")


def got(report: dict[str, Any]) -> list[Any]:
    return [[(t["got"], [m["text"] for m in t["messages"]], t["llm"]["calls"], t["llm"]["prompt_tokens"],
              t["llm"]["completion_tokens"]) for t in d["turns"]] for d in report["dialogs"]]


async def test_record_then_replay_without_a_host(mongo_uri: str, fake: FakeOllama, dialogs_dir: Path,
                                                 tmp_path: Path) -> None:
    dialogs = load([dialogs_dir])
    record = tmp_path / "recordings"
    settings = ollama_settings(fake.base_url, tmp_path)
    recorded = await evaluate(dialogs, settings, mongo_uri,
                              chat_model=chat_model_for(settings, "ollama", record=record))
    assert recorded.summary.failures == [], recorded.summary.failures
    bodies = fake.chat_bodies
    assert len(bodies) == 2 and all(b["format"]["title"] == "ModelReading" for b in bodies)  # opt-out: rules only
    assert sorted(p.relative_to(record).as_posix() for p in record.rglob("*.json")) == [
        "rr-question-01/t01-01.json", "rr-question-01/t02-01.json"]
    entry = json.loads((record / "rr-question-01" / "t01-01.json").read_text(encoding="utf-8"))
    assert json.loads(entry["answer"])["answer"] == ANSWER and entry["usage"]["prompt_tokens"] > 0
    overall = recorded.report["overall"]
    assert overall["llm"]["calls"] == 2 and overall["llm"]["prompt_tokens"] > 0
    question = next(d for d in recorded.report["dialogs"] if d["id"] == "rr-question-01")
    assert any(ANSWER in m["text"] for m in question["turns"][1]["messages"])

    fake.stop()  # no host from here on
    replayed = await evaluate(dialogs, ollama_settings(None, tmp_path), mongo_uri,
                              chat_model=chat_model_for(settings, "ollama", replay=record))
    assert replayed.summary.failures == []
    assert got(replayed.report) == got(recorded.report)
    assert replayed.report["overall"]["llm"]["completion_tokens"] == overall["llm"]["completion_tokens"]
    assert replayed.report["meta"]["llm"] == "replay"


async def test_a_missing_recording_is_reported_on_its_turn(mongo_uri: str, fake: FakeOllama, dialogs_dir: Path,
                                                           tmp_path: Path) -> None:
    dialogs = load([dialogs_dir / "rr-question-01.yaml"])
    record = tmp_path / "recordings"
    settings = ollama_settings(fake.base_url, tmp_path)
    await evaluate(dialogs, settings, mongo_uri, chat_model=chat_model_for(settings, "ollama", record=record))
    (record / "rr-question-01" / "t02-01.json").unlink()
    replay_settings = ollama_settings(None, tmp_path).model_copy(update={"worker_max_attempts": 2})
    outcome = await evaluate(dialogs, replay_settings, mongo_uri,
                             chat_model=chat_model_for(replay_settings, "ollama", replay=record))
    errors = [f for f in outcome.summary.failures if f.check == "error"]
    assert errors and errors[0].turn == 2 and "no recorded model answer rr-question-01/t02-01.json" in errors[0].got
    assert {f.turn for f in errors} == {2}
    [turn] = [t for t in outcome.results[0].turns if t.index == 2]
    assert turn.actions == ["handoff"]  # the model "failed" on every try: the last attempt hands off


def test_cli_record_judge_and_replay(fake: FakeOllama, dialogs_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OLLAMA_BASE_URL", fake.base_url)
    monkeypatch.setenv("OLLAMA_MODEL", DEFAULT_MODEL)
    monkeypatch.setenv("LLM_RETRIES", "1")
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.callback()(lambda: None)
    runner = CliRunner()
    record, first, second = tmp_path / "rec", tmp_path / "first.json", tmp_path / "second.json"
    result = runner.invoke(app, ["eval", str(dialogs_dir), "--llm", "ollama", "--record", str(record), "--judge",
                                 "--report", str(first)])
    assert result.exit_code == 0, result.output
    assert "judge: mean score 4.0" in result.output
    assert (record / "rr-question-01" / "judge-t01-01.json").exists()
    requests = len(fake.chat_bodies)

    monkeypatch.setenv("OLLAMA_BASE_URL", "http://127.0.0.1:9")  # nothing listens: replay must not call it
    shutil.copytree(record, tmp_path / "copy")
    result = runner.invoke(app, ["eval", str(dialogs_dir), "--replay", str(tmp_path / "copy"), "--judge",
                                 "--report", str(second)])
    assert result.exit_code == 0, result.output
    assert len(fake.chat_bodies) == requests
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (first, second))
    assert got(a) == got(b)
    assert a["judge"]["mean_score"] == b["judge"]["mean_score"] == 4.0
    assert b["meta"]["mode"] == "ollama" and b["meta"]["replay"] == str(tmp_path / "copy")
    assert (tmp_path / "second.html").exists()
