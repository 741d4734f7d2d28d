"""Graph state. The input is one normalised inbound event; the rest is the conversation."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from agent.tools.effects import effects_reducer

HISTORY_KEEP = 40  # turns kept in the checkpoint (the model sees the last `llm_history_turns`)
PROCESSED_KEEP = 64  # recent event keys: a replayed event is skipped


def per_turn(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    """Accumulates within a turn; `None` (written by load_context) starts the next turn empty."""
    if right is None:
        return []
    return [*(left or []), *right]


def with_turn(history: list[dict[str, Any]] | None, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The history with one more turn, capped."""
    return [*(history or []), entry][-HISTORY_KEEP:]


class InputState(TypedDict):
    event: dict[str, Any]  # agent.contracts.InboundMessage, dumped


class ConversationState(InputState, total=False):
    contact: dict[str, Any]
    history: list[dict[str, Any]]  # recent turns {role, text, at, intent}
    understanding: dict[str, Any] | None
    handoff_reason: str | None
    actions: Annotated[list[str], per_turn]  # DIALOGS.md action names of this turn
    parts: Annotated[list[dict[str, Any]], per_turn]  # reply pieces {order, text, source}
    effects: Annotated[list[dict[str, Any]], effects_reducer]  # agent.tools.effects, dumped; deliver applies
    reply: str | None
    guard_violations: list[str]
    review: dict[str, Any] | None  # review mode: the person's decision on this turn's draft
    followups_sent: int
    processed: list[str]  # recent event keys: a replayed event is skipped
    skip: str | None  # why this event needs no action
