"""A scripted LangChain chat model for graph tests: answers from a list (dicts become JSON) and
records every prompt it was sent. It counts as a real `BaseChatModel` for `StructuredLlm`."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.llm import StructuredLlm


class ScriptedChat(FakeMessagesListChatModel):
    script: list[Any]
    responses: list[BaseMessage] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    repeat_last: bool = False

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(messages)
        item = self.script[0] if self.repeat_last and len(self.script) == 1 else self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


def scripted_llm(*answers: Any, repeat_last: bool = False) -> tuple[StructuredLlm, ScriptedChat]:
    model = ScriptedChat(script=list(answers), repeat_last=repeat_last)
    return StructuredLlm(model, retries=1, backoff_s=0), model
