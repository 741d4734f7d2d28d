"""One eval run end to end: load → replay through the agent → score → report (used by the CLI and CI)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agent.llm import StructuredLlm, build_chat_model
from agent.prompts import PromptLibrary
from agent.settings import Settings
from evals.loader import Dialog, load_dialogs
from evals.recording import RecordingChatModel, ReplayChatModel, Tape
from evals.report import build_report
from evals.runner import DialogResult, Progress, run_suite
from evals.scoring import Scorer, Summary, summarise
from evals.thresholds import breaches

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

LlmMode = Literal["rules", "ollama"]
OWN_DIALOGS = Path(__file__).resolve().parent / "dialogs"


@dataclass
class Outcome:
    results: list[DialogResult]
    summary: Summary
    report: dict[str, Any]
    breaches: list[str]
    judge: dict[str, Any] | None = None


def product_facts(settings: Settings) -> str:
    return PromptLibrary(settings.prompts_dir, settings.product_facts_path).text("product_facts")


def chat_model_for(settings: Settings, llm: LlmMode, *, record: Path | None = None,
                   replay: Path | None = None, model: BaseChatModel | None = None) -> BaseChatModel | None:
    """The chat model the agent gets: none (rules), the recorded answers, or the live host (timed,
    and recorded when `record` is given). `model` replaces ChatOllama (tests)."""
    if replay is not None:
        return ReplayChatModel(tape=Tape("replay", replay))
    if llm == "rules":
        return None
    tape = Tape("record", record) if record is not None else Tape("live")
    return RecordingChatModel(inner=model if model is not None else build_chat_model(settings), tape=tape)


async def evaluate(dialogs: Sequence[Dialog], settings: Settings, mongo_uri: str, *,
                   chat_model: BaseChatModel | None = None, judge: bool = False,
                   progress: Progress | None = None, meta: dict[str, Any] | None = None,
                   concurrency: int | None = None) -> Outcome:
    """Run and score `dialogs`; the deterministic scores first, then (optionally) the judge.
    Dialogs overlap two at a time (rules, replay), one at a time against a live model."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    if concurrency is None:  # a live model answers one call at a time: keep its latency honest
        concurrency = 1 if isinstance(chat_model, RecordingChatModel) else 2
    results = await run_suite(dialogs, settings, mongo_uri, chat_model=chat_model, progress=progress,
                              concurrency=concurrency)
    facts = product_facts(settings)
    max_words = settings.max_reply_words if chat_model is not None else settings.max_template_reply_words  # as the guard
    scorer = Scorer(facts, max_words, settings.default_timezone)
    summary = summarise(scorer.score(results))
    judged = None
    if judge:
        if chat_model is None:
            raise ValueError("the judge needs a model: use --llm ollama or --replay")
        from evals.judge import judge_replies, judge_summary

        judged = judge_summary(await judge_replies(results, StructuredLlm.from_settings(settings, model=chat_model),
                                                   facts))
    found = breaches(summary.overall)
    info = {"llm": "rules" if chat_model is None else chat_model._llm_type, "dialogs": len(dialogs),
            "started_at": started_at, "duration_s": round(time.perf_counter() - started, 2), **(meta or {})}
    report = build_report(summary, results, info, found, judged)
    return Outcome(results, summary, report, found, judged)


def load(paths: Sequence[Path | str] | None = None) -> list[Dialog]:
    """The dialogs under `paths` (default: the project's own set)."""
    return load_dialogs(paths or [OWN_DIALOGS])
