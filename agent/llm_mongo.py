"""A LangChain chat model that reaches Ollama through MongoDB (`LLM_TRANSPORT=mongo`).

`MongoRelayChat` writes the request ChatOllama would have sent (messages, model, options, the
JSON-schema `format`) into `llm_requests` and polls for the answer that `sales-agent llm-relay`
writes on the GPU host. It supports `with_structured_output(method="json_schema")` the same way
ChatOllama does (the schema goes as Ollama's `format`), so `StructuredLlm` and everything above
it work unchanged. Failures are raised as the exceptions ChatOllama raises (`ollama.ResponseError`,
`TimeoutError`), so `agent.llm` classifies them the same way.

SecantusDB has no change streams, so the answer is polled (`RELAY_POLL_S`, 50 ms by default).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from ollama import ResponseError
from pydantic import BaseModel, ConfigDict

from agent.llm import Provider
from agent.settings import Settings
from agent.store.llm_requests import DONE, EXPIRED, FAILED, LlmRequestRepo, host_is_up, model_aliases

DEFAULT_KEEP_ALIVE = "30m"


def ollama_role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, ToolMessage):
        return "tool"
    raise ValueError(f"cannot relay a {type(message).__name__}")


def to_ollama_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": ollama_role(m), "content": m.text} for m in messages]


class MongoRelayChat(BaseChatModel):
    """Chat through `llm_requests`; `repo` is the store's `LlmRequestRepo`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    repo: LlmRequestRepo
    model: str
    temperature: float | None = 0.0
    keep_alive: str | None = DEFAULT_KEEP_ALIVE
    num_ctx: int | None = None  # OLLAMA_NUM_CTX of the agent: the relay passes it on to Ollama
    format: dict[str, Any] | str | None = None
    timeout_s: float = 120.0  # the request expires after this
    poll_s: float = 0.05
    host_timeout_s: float = 20.0  # a relay host whose heartbeat is older is down
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def _llm_type(self) -> str:
        return "mongo-relay-ollama"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "transport": "mongo"}

    def with_structured_output(
        self, schema: type[BaseModel] | dict[str, Any], *, method: str = "json_schema",
        include_raw: bool = False, **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """As ChatOllama: the JSON schema goes as Ollama's `format`; the reply is parsed with it."""
        if method != "json_schema" or not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise NotImplementedError("the relay supports method='json_schema' with a pydantic schema")
        llm = self.bind(format=schema.model_json_schema())
        parser: PydanticOutputParser[Any] = PydanticOutputParser(pydantic_object=schema)
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        fallback = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parsed.with_fallbacks([fallback], exception_key="parsing_error")

    def request_for(self, messages: Sequence[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        options: dict[str, Any] = {"temperature": self.temperature} if self.temperature is not None else {}
        if self.num_ctx is not None:
            options["num_ctx"] = self.num_ctx
        if stop:
            options["stop"] = stop
        options.update(kwargs.get("options") or {})
        return {
            "model": kwargs.get("model", self.model),
            "messages": to_ollama_messages(messages),
            "options": options,
            "format": kwargs.get("format", self.format),
            "keep_alive": self.keep_alive,
        }

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        request = self.request_for(messages, stop, **kwargs)
        await self._check_hosts(request["model"])
        request_id = uuid.uuid4().hex
        now = self.now()
        await self.repo.submit(request_id, request, now, now + timedelta(seconds=self.timeout_s))
        try:
            doc = await self._wait(request_id, now + timedelta(seconds=self.timeout_s))
        except BaseException:  # cancelled (StructuredLlm's deadline) or timed out: nobody waits any more
            await asyncio.shield(self.repo.abandon(request_id, self.now(), "the asker gave up"))
            raise
        return _result(doc)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        raise NotImplementedError("MongoRelayChat is async only: use ainvoke")

    async def _check_hosts(self, model: str) -> None:
        """Fail fast when no live relay host has the model, instead of waiting for the expiry."""
        hosts = await self.repo.all_hosts()
        live = [h for h in hosts if host_is_up(h, self.now(), self.host_timeout_s)]
        if any(model in model_aliases(h.get("models") or []) for h in live):
            return
        if not live:
            known = ", ".join(h["_id"] for h in hosts) or "none registered"
            raise ResponseError(f"no relay host is up (hosts: {known}); start `sales-agent llm-relay`", 503)
        listing = "; ".join(f"{h['_id']}: {', '.join(h.get('models') or []) or 'no models'}" for h in live)
        raise ResponseError(f"model {model} is not on any relay host; hosts: {listing}", 404)

    async def _wait(self, request_id: str, deadline: datetime) -> dict[str, Any]:
        while True:
            doc = await self.repo.get(request_id)
            if doc is None:
                raise ResponseError(f"relay request {request_id} disappeared", 500)
            if doc["status"] in (DONE, FAILED, EXPIRED):
                return doc
            if self.now() >= deadline:
                raise TimeoutError(f"no relay answered within {self.timeout_s:g} s")
            await asyncio.sleep(self.poll_s)


def _result(doc: dict[str, Any]) -> ChatResult:
    if doc["status"] == EXPIRED:
        raise TimeoutError(doc.get("error") or "the request expired")
    if doc["status"] == FAILED:
        raise ResponseError(doc.get("error") or "relay error", int(doc.get("status_code") or 500))
    answer = doc["answer"]
    prompt, completion = int(answer.get("prompt_eval_count") or 0), int(answer.get("eval_count") or 0)
    usage = UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)
    meta = {k: answer.get(k) for k in ("model", "done_reason", "prompt_eval_count", "eval_count", "total_duration")}
    message = AIMessage(content=answer.get("content") or "", usage_metadata=usage,
                        response_metadata={**meta, "relay_host": doc.get("answered_by")})
    return ChatResult(generations=[ChatGeneration(message=message)])


def build_relay_model(settings: Settings, repo: LlmRequestRepo) -> MongoRelayChat:
    return MongoRelayChat(
        repo=repo, model=settings.ollama_model, timeout_s=settings.ollama_timeout_s, num_ctx=settings.ollama_num_ctx,
        poll_s=settings.relay_poll_s, host_timeout_s=settings.relay_host_timeout_s,
    )


async def resolve_relay_provider(settings: Settings, repo: LlmRequestRepo) -> tuple[Provider, str | None]:
    """`auto` over the relay: the model when a live relay host has it, else rules with a notice."""
    if settings.llm_provider != "auto":
        return ("rules" if settings.llm_provider == "rules" else "ollama"), None
    model = settings.ollama_model
    live = await repo.live_hosts(datetime.now(UTC), settings.relay_host_timeout_s)
    if any(model in model_aliases(h.get("models") or []) for h in live):
        return "ollama", None
    where = f"live hosts: {', '.join(h['_id'] for h in live)}" if live else "no relay host is up"
    return "rules", (f"LLM: rules mode (LLM_TRANSPORT=mongo: model {model} is not on any relay host; {where}). "
                     "Start `sales-agent llm-relay` on the GPU host, or set LLM_PROVIDER=ollama to wait for it.")
