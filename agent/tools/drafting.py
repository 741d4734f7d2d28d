"""Asking the model once more for an answer the guard can accept, with the redraft's own prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.llm import LlmBadAnswer, LlmUnavailable
from agent.understanding.reading import AnswerDraft, conversation, redraft_prompt

if TYPE_CHECKING:
    from agent.context import AgentContext
    from agent.state import ConversationState


async def redraft_answer(ctx: AgentContext, state: ConversationState, previous: str, problems: list[str]) -> str | None:
    """One corrective call; None when the model cannot help (the guard then hands off). A host
    that is down makes the whole event wait, unless this is its last chance."""
    if ctx.llm is None:
        return None
    system = redraft_prompt(ctx, previous, problems)
    try:
        draft, _usage = await ctx.llm.ask(system, conversation(state, ctx.settings.llm_history_turns), AnswerDraft)
    except LlmBadAnswer:
        return None
    except LlmUnavailable:
        if not ctx.final_attempt:
            raise  # the model host is down: the event waits for it (agent/worker.py), nothing is sent
        return None
    return draft.answer
