"""StructuredLlm with LangChain's scripted fake chat models (plain JSON mode, no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.llm import LlmBadAnswer, LlmUnavailable, StructuredLlm
from agent.understanding.schema import Understanding

SYSTEM = "Определи намерение клиента."
USER = [("user", "Добрый день, пришлите презентацию")]


def answer(content: object, prompt_tokens: int = 0, completion_tokens: int = 0) -> AIMessage:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    usage = {
        "input_tokens": prompt_tokens,
        "output_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    return AIMessage(text, usage_metadata=usage if prompt_tokens or completion_tokens else None)


class ScriptedChat(FakeMessagesListChatModel):
    """Answers (or raises) from a script and keeps what it was sent."""

    script: list[Any]
    responses: list[BaseMessage] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(messages)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return ChatResult(generations=[ChatGeneration(message=item)])


async def test_generic_fake_model_answer_is_parsed() -> None:
    model = GenericFakeChatModel(
        messages=iter([answer({"intent": "presentation", "wants_presentation": True})])
    )
    result, usage = await StructuredLlm(model, backoff_s=0).ask(SYSTEM, USER, Understanding)

    assert isinstance(result, Understanding)
    assert (result.intent, result.wants_presentation) == ("presentation", True)
    assert usage.attempts == 1


async def test_plain_mode_sends_schema_hint_and_history() -> None:
    model = ScriptedChat(script=[answer({"intent": "question", "topics": ["price"]}, 50, 12)])
    history = [("assistant", "Здравствуйте! Это Анна."), ("user", "Сколько стоит?")]
    llm = StructuredLlm(model, backoff_s=0)
    result, usage = await llm.ask(SYSTEM, history, Understanding)

    assert result.topics == ["price"]
    [sent] = model.seen
    assert isinstance(sent[0], SystemMessage) and str(sent[0].content).startswith(SYSTEM)
    assert '"intent"' in str(sent[0].content)  # the JSON schema rides in the system prompt
    assert [type(m) for m in sent[1:]] == [AIMessage, HumanMessage]
    assert (usage.prompt_tokens, usage.completion_tokens) == (50, 12)
    assert (llm.calls, llm.requests, llm.prompt_tokens, llm.completion_tokens) == (1, 1, 50, 12)


async def test_code_fenced_json_is_accepted() -> None:
    model = ScriptedChat(script=[answer('```json\n{"intent": "pause"}\n```')])
    result, _ = await StructuredLlm(model, backoff_s=0).ask(SYSTEM, USER, Understanding)
    assert result.intent == "pause"


async def test_truncated_json_is_not_repaired() -> None:
    model = ScriptedChat(script=[answer('{"intent": "referral", "referral": {"email": "ivan@')] * 2)
    with pytest.raises(LlmBadAnswer):
        await StructuredLlm(model, retries=1, backoff_s=0).ask(SYSTEM, USER, Understanding)


async def test_malformed_then_good_answer_succeeds() -> None:
    model = ScriptedChat(script=[answer("{intent: demo"), answer({"intent": "demo"})])
    result, usage = await StructuredLlm(model, retries=2, backoff_s=0).ask(SYSTEM, USER, Understanding)
    assert (result.intent, usage.attempts) == ("demo", 2)


async def test_malformed_every_time_raises_bad_answer_after_all_tries() -> None:
    model = FakeMessagesListChatModel(responses=[answer({"intent": "maybe"}, 10, 3)])
    llm = StructuredLlm(model, retries=2, backoff_s=0)
    with pytest.raises(LlmBadAnswer, match="malformed answer"):
        await llm.ask(SYSTEM, USER, Understanding)
    assert (llm.requests, llm.failures, llm.prompt_tokens, llm.completion_tokens) == (3, 1, 30, 9)


@pytest.mark.parametrize(
    "failure",
    [TimeoutError(), ConnectionError("refused"), RuntimeError("boom")],
    ids=["timeout", "connection", "unexpected"],
)
async def test_transport_failures_become_unavailable(failure: BaseException) -> None:
    model = ScriptedChat(script=[failure, failure])
    llm = StructuredLlm(model, retries=1, backoff_s=0)
    with pytest.raises(LlmUnavailable):
        await llm.ask(SYSTEM, USER, Understanding)
    assert len(model.seen) == 2


async def test_deadline_bounds_a_slow_fake_model() -> None:
    model = FakeMessagesListChatModel(responses=[answer({"intent": "demo"})], sleep=0.3)
    llm = StructuredLlm(model, retries=0, timeout_s=0.1)
    with pytest.raises(LlmUnavailable, match=r"within 0\.1 s"):
        await llm.ask(SYSTEM, USER, Understanding)


async def test_unknown_role_is_a_caller_error() -> None:
    llm = StructuredLlm(ScriptedChat(script=[]))
    with pytest.raises(ValueError, match="unknown message role"):
        await llm.ask(SYSTEM, [("client", "привет")], Understanding)
    assert llm.requests == 0
