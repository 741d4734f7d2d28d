"""Record the production model's answers during an eval run, and replay them without a host.

`--record DIR` wraps the real chat model in `RecordingChatModel`: each answer (or failure) is saved
as ``DIR/<dialog id>/<turn>-<call>.json`` with the prompt, the usage counters and the time taken.
`--replay DIR` serves those files through `ReplayChatModel`, so a run made on a GPU machine can be
reviewed and re-scored anywhere. Both go through `agent.llm.StructuredLlm`, which parses and
validates the answer text exactly as in production.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict

from agent.llm import _PLAIN_SCHEMA_HINT as PLAIN_SCHEMA_HINT

TapeMode = Literal["live", "record", "replay"]
FORMAT_VERSION = 1
_SAFE = re.compile(r"[^\w.-]+")


class MissingRecording(LookupError):
    """Replay asked for an answer that was never recorded."""


class RecordedFailure(ConnectionError):
    """Replay of a model call that failed when it was recorded (HTTP error, refused, …)."""


@dataclass
class Position:
    """Where the run is: which dialog and turn; `calls` counts model calls made there."""

    dialog_id: str
    turn: str
    calls: int = 0
    model_s: float = 0.0
    problems: list[str] = field(default_factory=list)


_position: ContextVar[Position | None] = ContextVar("eval_tape_position", default=None)


def _message_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    return [{"role": m.type, "content": m.content} for m in messages]


def prompt_digest(messages: Sequence[BaseMessage]) -> str:
    """A digest of the prompt, without the schema hint StructuredLlm adds in plain-JSON mode (so a
    recording made through a model without native structured output matches its replay)."""
    dicts = _message_dicts(messages)
    if dicts and dicts[0]["role"] == "system" and isinstance(dicts[0]["content"], str):
        dicts[0] = {**dicts[0], "content": dicts[0]["content"].split(PLAIN_SCHEMA_HINT, 1)[0]}
    data = json.dumps(dicts, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def _usage(raw: Any) -> dict[str, int]:
    usage = getattr(raw, "usage_metadata", None) or {}
    meta = getattr(raw, "response_metadata", None) or {}
    prompt = usage.get("input_tokens") or meta.get("prompt_eval_count") or 0
    completion = usage.get("output_tokens") or meta.get("eval_count") or 0
    return {"prompt_tokens": int(prompt), "completion_tokens": int(completion)}


def _text(raw: Any) -> str:
    return raw.text if isinstance(raw, BaseMessage) else str(raw)


class Tape:
    """The recordings directory plus the current position (a context variable, so concurrent
    dialogs keep their own)."""

    def __init__(self, mode: TapeMode, directory: Path | None = None) -> None:
        if mode != "live" and directory is None:
            raise ValueError(f"{mode} needs a directory")
        self.mode = mode
        self.directory = Path(directory) if directory else None
        if mode == "replay" and self.directory is not None and not self.directory.is_dir():
            raise FileNotFoundError(f"no recordings directory {self.directory}")

    @staticmethod
    def begin(dialog_id: str, turn: str) -> Position:
        """Enter a turn; model calls from here on are numbered 1, 2, … within it."""
        position = Position(dialog_id, turn)
        _position.set(position)
        return position

    @staticmethod
    def current() -> Position:
        position = _position.get()
        if position is None:
            raise RuntimeError("no eval position set: call Tape.begin(dialog, turn) first")
        return position

    def path_for(self, position: Position, call: int) -> Path:
        assert self.directory is not None
        return self.directory / _SAFE.sub("_", position.dialog_id) / f"{_SAFE.sub('_', position.turn)}-{call:02d}.json"

    def next_call(self) -> tuple[Position, int]:
        position = self.current()
        position.calls += 1
        return position, position.calls

    def save(self, position: Position, call: int, entry: dict[str, Any]) -> None:
        if self.mode != "record":
            return
        path = self.path_for(position, call)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"version": FORMAT_VERSION, "dialog": position.dialog_id, "turn": position.turn, "call": call,
                 **entry}
        path.write_text(json.dumps(entry, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def load(self, position: Position, call: int) -> dict[str, Any]:
        path = self.path_for(position, call)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problem = f"no recorded model answer {path.relative_to(self.directory)}"  # type: ignore[arg-type]
            position.problems.append(problem)
            raise MissingRecording(problem) from None
        except ValueError as exc:
            problem = f"recording {path} is not valid JSON: {exc}"
            position.problems.append(problem)
            raise MissingRecording(problem) from None


class RecordingChatModel(BaseChatModel):
    """Passes every call to `inner` (e.g. ChatOllama) and saves the answer on the tape.

    Structured output is delegated to `inner`, so the request on the wire is the production one
    (for ChatOllama: the JSON schema as Ollama's `format`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    tape: Tape

    @property
    def _llm_type(self) -> str:
        return f"recording-{self.inner._llm_type}"

    def _model_name(self) -> str:
        return str(getattr(self.inner, "model", None) or getattr(self.inner, "model_name", None) or self.inner._llm_type)

    async def _call(self, messages: Sequence[BaseMessage], schema: str | None, invoke: Any) -> Any:
        position, call = self.tape.next_call()
        entry: dict[str, Any] = {"model": self._model_name(), "schema": schema, "prompt_sha256": prompt_digest(messages),
                                 "messages": _message_dicts(messages)}
        started = time.monotonic()
        try:
            raw = await invoke()
        except (Exception, asyncio.CancelledError) as exc:
            elapsed = time.monotonic() - started
            position.model_s += elapsed
            timeout = isinstance(exc, TimeoutError | asyncio.CancelledError)
            self.tape.save(position, call, {**entry, "answer": None, "error": f"{type(exc).__name__}: {exc}",
                                            "error_kind": "timeout" if timeout else "unavailable",
                                            "elapsed_s": round(elapsed, 3)})
            raise
        elapsed = time.monotonic() - started
        position.model_s += elapsed
        message = raw["raw"] if isinstance(raw, dict) else raw
        self.tape.save(position, call, {**entry, "answer": _text(message), "usage": _usage(message),
                                        "error": None, "elapsed_s": round(elapsed, 3)})
        return raw

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any) -> Runnable[Any, Any]:
        runnable = self.inner.with_structured_output(schema, include_raw=True, **kwargs)
        name = getattr(schema, "__name__", None)

        async def call(messages: list[BaseMessage]) -> Any:
            result = await self._call(messages, name, lambda: runnable.ainvoke(messages))
            return result if include_raw else result.get("parsed")

        return RunnableLambda(call)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        raise NotImplementedError("RecordingChatModel is async only (the agent uses ainvoke)")

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                         **kwargs: Any) -> ChatResult:
        raw = await self._call(messages, None, lambda: self.inner.ainvoke(messages, stop=stop, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=raw)])


class ReplayChatModel(BaseChatModel):
    """Serves recorded answers (text, token counts, failures) by dialog, turn and call index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    tape: Tape

    @property
    def _llm_type(self) -> str:
        return "replay"

    def _answer(self, messages: Sequence[BaseMessage], schema: str | None) -> AIMessage:
        position, call = self.tape.next_call()
        entry = self.tape.load(position, call)
        if entry.get("prompt_sha256") and entry["prompt_sha256"] != prompt_digest(messages):
            position.problems.append(f"prompt changed since recording ({position.turn} call {call})")
        if schema and entry.get("schema") and entry["schema"] != schema:
            position.problems.append(f"asked for {schema}, recorded {entry['schema']} ({position.turn} call {call})")
        position.model_s += float(entry.get("elapsed_s") or 0.0)
        if entry.get("error"):
            if entry.get("error_kind") == "timeout":
                raise TimeoutError(f"recorded: {entry['error']}")
            raise RecordedFailure(f"recorded: {entry['error']}")
        usage = entry.get("usage") or {}
        p, c = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        return AIMessage(content=entry.get("answer") or "",
                         usage_metadata={"input_tokens": p, "output_tokens": c, "total_tokens": p + c})

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any) -> Runnable[Any, Any]:
        name = getattr(schema, "__name__", None)

        async def call(messages: list[BaseMessage]) -> dict[str, Any]:
            # StructuredLlm parses and validates the raw text itself, exactly as with a live model
            return {"raw": self._answer(messages, name), "parsed": None, "parsing_error": None}

        return RunnableLambda(call)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages, None))])

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                         **kwargs: Any) -> ChatResult:
        return self._generate(messages, stop, run_manager, **kwargs)
