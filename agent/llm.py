"""The model layer: choose the provider, build ChatOllama, make one retried structured call.

Nothing here touches the network at import time. Every failure of a model call surfaces as
`LlmUnavailable` (transport: timeout, refused, HTTP error) or `LlmBadAnswer` (the answer did not
parse into the schema), so callers fall back to the rules layer with a single `except LlmError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.utils.json import parse_json_markdown
from ollama import ResponseError
from pydantic import BaseModel

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable
    from langchain_ollama import ChatOllama

    from agent.settings import Settings

log = logging.getLogger(__name__)

Provider = Literal["ollama", "rules"]
T = TypeVar("T", bound=BaseModel)

DEFAULT_KEEP_ALIVE = "30m"  # a 72B model takes long to load: keep it resident between replies
_ROLES = dict(user=HumanMessage, human=HumanMessage, assistant=AIMessage, ai=AIMessage, system=SystemMessage)
_PLAIN_SCHEMA_HINT = "\n\nReply with only one JSON object that matches this JSON schema:\n"


class LlmError(Exception):
    """Base of the two errors a model call can end with."""


class LlmUnavailable(LlmError):
    """The model host did not answer usefully: timeout, refused connection, HTTP error."""


class LlmCallFailed(LlmUnavailable):
    """The call failed in an unexpected way (not the host's transport): retried and then handed off
    like before, never waited out as an outage (waiting would not fix it)."""


class LlmBadAnswer(LlmError):
    """The model answered, but not with JSON that validates against the schema."""


@dataclass(frozen=True)
class UsageInfo:
    """Cost of one `ask`: tokens over every attempt that got an answer back."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    elapsed_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


# --- provider choice ------------------------------------------------------------------------


def _with_scheme(url: str) -> str:
    return (url if "://" in url else f"http://{url}").rstrip("/")


def _redact(url: str) -> str:
    """`url` without user:password, for messages."""
    parts = urlsplit(_with_scheme(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _one_line(text: object, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _model_listed(model: str, tags: Any) -> bool:
    names = {m.get(key) for m in (tags or {}).get("models", []) for key in ("name", "model")}
    names.discard(None)
    return any(model == n or n.startswith(f"{model}:") for n in names)


def _connect_detail(exc: BaseException) -> str:
    """'connection refused' / 'unknown host' from the cause chain (httpx hides it)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "unknown host"
        seen = seen.__cause__ or seen.__context__
    return _one_line(exc, 80) or "cannot connect"


async def probe_ollama(base_url: str, model: str, timeout_s: float) -> str | None:
    """None when the host answers and has `model`; else a one-line human reason."""
    url = _redact(base_url)
    try:
        async with httpx.AsyncClient(base_url=_with_scheme(base_url), timeout=timeout_s) as client:
            tags = await client.get("/api/tags")
            if tags.status_code == 200 and _model_listed(model, tags.json()):
                return None
            show = await client.post("/api/show", json={"model": model})
            if show.status_code == 200:
                return None
            if tags.status_code != 200:
                return f"{url} answered HTTP {tags.status_code} to GET /api/tags; is it an Ollama server?"
            return f"model {model} not pulled on {url}; run `ollama pull {model}` on that host"
    except httpx.ConnectError as exc:
        return f"no answer from {url} ({_connect_detail(exc)})"
    except httpx.TimeoutException:
        return f"no answer from {url} within {timeout_s:g} s"
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return f"no answer from {url} ({type(exc).__name__}: {_one_line(exc, 80)})"
    except ValueError:  # the body was not JSON
        return f"{url} does not look like an Ollama server (GET /api/tags is not JSON)"


async def resolve_provider(settings: Settings) -> tuple[Provider, str | None]:
    """Which layer understands messages, plus a one-line notice when `auto` fell back to rules."""
    if settings.llm_provider == "rules":
        return "rules", None
    if settings.llm_provider == "ollama":
        return "ollama", None  # explicit: no probe, failures surface per call
    if not settings.ollama_base_url:
        return "rules", (
            "LLM: rules mode (no Ollama host configured). Set OLLAMA_BASE_URL=http://gpu-host:11434 "
            f"and OLLAMA_MODEL={settings.ollama_model} to use the model."
        )
    reason = await probe_ollama(
        settings.ollama_base_url, settings.ollama_model, settings.ollama_probe_timeout_s
    )
    if reason is None:
        return "ollama", None
    return "rules", _one_line(
        f"LLM: rules mode ({reason}). Fix OLLAMA_BASE_URL / OLLAMA_MODEL, "
        "or set LLM_PROVIDER=rules to silence this.",
        limit=400,
    )


def build_chat_model(settings: Settings) -> ChatOllama:
    """ChatOllama for the configured host. No request is made here (no model validation on init).

    `ollama_timeout_s` bounds each HTTP read (the gap between streamed chunks); connecting is
    bounded by `ollama_probe_timeout_s`. Neither the ollama client nor httpx retries:
    `StructuredLlm` does.
    """
    from langchain_ollama import ChatOllama

    timeout = httpx.Timeout(
        settings.ollama_timeout_s,
        connect=min(settings.ollama_probe_timeout_s, settings.ollama_timeout_s),
    )
    return ChatOllama(
        base_url=settings.ollama_base_url,
        model=settings.ollama_model,
        temperature=0,
        keep_alive=getattr(settings, "ollama_keep_alive", DEFAULT_KEEP_ALIVE),
        num_ctx=settings.ollama_num_ctx,
        client_kwargs={"timeout": timeout},
        validate_model_on_init=False,
    )


# --- structured calls -----------------------------------------------------------------------


def _to_messages(system: str, messages: list[tuple[str, str]]) -> list[BaseMessage]:
    out: list[BaseMessage] = [SystemMessage(system)]
    for role, text in messages:
        cls = _ROLES.get(role)
        if cls is None:
            raise ValueError(f"unknown message role {role!r}; use user/assistant/system")
        out.append(cls(text))
    return out


def _usage(raw: Any) -> tuple[int, int]:
    """(prompt, completion) tokens from LangChain usage_metadata or Ollama's own counters."""
    usage = getattr(raw, "usage_metadata", None)
    if usage:
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    meta = getattr(raw, "response_metadata", None) or {}
    return int(meta.get("prompt_eval_count") or 0), int(meta.get("eval_count") or 0)


def _classify(exc: BaseException, timeout_s: float | None) -> tuple[LlmError, bool]:
    """Map any failure of one attempt to (error to raise, worth retrying)."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        limit = f" within {timeout_s:g} s" if timeout_s else ""
        return LlmUnavailable(f"no answer from the model{limit}"), True
    if isinstance(exc, ResponseError):
        code = exc.status_code
        retry = code >= 500 or code in (-1, 408, 429)  # -1: error reported mid-stream
        status = f"HTTP {code}" if code > 0 else "stream error"
        return LlmUnavailable(f"model host error ({status}): {_one_line(exc.error)}"), retry
    if isinstance(exc, ConnectionError | httpx.TransportError | OSError):
        return LlmUnavailable(f"cannot reach the model host: {_one_line(exc)}"), True
    if isinstance(exc, ValueError):  # JSON / pydantic / output-parser errors, empty stream
        return LlmBadAnswer(f"malformed answer: {_one_line(exc)}"), True
    log.debug("unexpected model failure", exc_info=exc)
    return LlmCallFailed(f"model call failed: {type(exc).__name__}: {_one_line(exc)}"), True


class StructuredLlm:
    """One structured model call at a time, with retries and usage counters.

    Works with any LangChain chat model. Models with `with_structured_output(method="json_schema")`
    (ChatOllama sends the schema as Ollama's `format`) are used natively. Models that raise
    NotImplementedError there (e.g. LangChain's scripted fake chat models) run in *plain* mode:
    the JSON schema is appended to the system prompt. Either way the raw reply is parsed as
    strict JSON (code fences allowed) and validated with the schema.
    """

    def __init__(
        self,
        model: BaseChatModel,
        *,
        retries: int = 2,
        timeout_s: float | None = None,
        backoff_s: float = 0.5,
        max_backoff_s: float = 4.0,
    ) -> None:
        self.model = model
        self.retries = max(0, retries)
        self.timeout_s = timeout_s  # whole-attempt deadline; None = only the client's own
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.calls = 0  # `ask` invocations
        self.requests = 0  # attempts sent to the model, retries included
        self.failures = 0  # `ask` invocations that raised
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._structured: dict[type[BaseModel], Runnable[Any, Any] | None] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, model: BaseChatModel | None = None, **kwargs: Any
    ) -> StructuredLlm:
        return cls(
            model if model is not None else build_chat_model(settings),
            retries=settings.llm_retries,
            timeout_s=settings.ollama_timeout_s,
            **kwargs,
        )

    async def ask(self, system: str, messages: list[tuple[str, str]], schema: type[T]) -> tuple[T, UsageInfo]:
        """Send `system` + `messages` (role, text) and parse the answer into `schema`.

        Raises only LlmUnavailable / LlmBadAnswer (and ValueError for an unknown role).
        """
        prompt = _to_messages(system, messages)
        self.calls += 1
        attempts = 1 + self.retries
        started = time.monotonic()
        prompt_tokens = completion_tokens = 0
        error: LlmError = LlmUnavailable("no attempt made")
        for attempt in range(1, attempts + 1):
            self.requests += 1
            try:
                raw, parsed, parse_error = await self._attempt(prompt, schema)
            except Exception as exc:
                error, retry = _classify(exc, self.timeout_s)
            else:
                p, c = _usage(raw)
                prompt_tokens, completion_tokens = prompt_tokens + p, completion_tokens + c
                self.prompt_tokens += p
                self.completion_tokens += c
                if isinstance(parsed, schema):
                    usage = UsageInfo(prompt_tokens, completion_tokens, attempt, time.monotonic() - started)
                    return parsed, usage
                error = LlmBadAnswer(f"malformed answer: {_one_line(parse_error or 'no object')}")
                retry = True
            log.warning("LLM attempt %d/%d failed: %s", attempt, attempts, error)
            if not retry or attempt == attempts:
                break
            await asyncio.sleep(min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))
        self.failures += 1
        raise error

    def _structured_for(self, schema: type[BaseModel]) -> Runnable[Any, Any] | None:
        if schema not in self._structured:
            try:
                runnable = self.model.with_structured_output(schema, method="json_schema", include_raw=True)
            except (NotImplementedError, ValueError) as exc:
                log.info("no native structured output (%s); plain JSON mode", exc)
                runnable = None
            self._structured[schema] = runnable
        return self._structured[schema]

    async def _attempt(self, prompt: list[BaseMessage], schema: type[T]) -> tuple[Any, T | None, object]:
        """(raw message, parsed object or None, parse error or None) of one model call."""
        structured = self._structured_for(schema)
        async with asyncio.timeout(self.timeout_s):
            if structured is not None:
                raw = (await structured.ainvoke(prompt))["raw"]
            else:
                hint = json.dumps(schema.model_json_schema(), ensure_ascii=False)
                system = SystemMessage(f"{prompt[0].content}{_PLAIN_SCHEMA_HINT}{hint}")
                raw = await self.model.ainvoke([system, *prompt[1:]])
        try:
            return raw, _parse_strict(raw, schema), None
        except ValueError as exc:  # JSONDecodeError and pydantic ValidationError are ValueErrors
            return raw, None, exc


def _parse_strict(raw: Any, schema: type[T]) -> T:
    """The answer as `schema`. Strict JSON: LangChain's own parser silently completes truncated
    JSON (e.g. an answer cut by the context limit), which could drop a referral's address."""
    tool_calls = getattr(raw, "tool_calls", None)
    if tool_calls:  # models whose structured output goes through function calling
        return schema.model_validate(tool_calls[0]["args"])
    text = raw.text if isinstance(raw, BaseMessage) else str(raw)
    return schema.model_validate(parse_json_markdown(text, parser=json.loads))
