"""guard: the reply must be in the client's language, short, and promise nothing outside the
product facts. A model-written answer gets one redraft; then the conversation is handed off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import body_of, compose_text, reply_language
from agent.nodes.handoff import handoff_update
from agent.state import ConversationState
from agent.tools.drafting import redraft_answer
from agent.tools.reply_rules import violations

PROMPTS = ("persona", "understand", "redraft")  # what a reply must not repeat


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def booked_times(ctx: AgentContext, state: ConversationState) -> list[datetime | None]:
    """The demo time of this turn's booking and the one already on the contact, in the contact's
    zone (the reply states local time)."""
    times = [_as_datetime(e.get("set", {}).get("demo_at")) for e in state.get("effects", []) or []
             if e.get("type") == "contact"]
    times.append(_as_datetime((state.get("contact") or {}).get("demo_at")))
    tz = ctx.tz(state["contact"])
    return [t.astimezone(tz) if t is not None and t.tzinfo else t for t in times]


def client_words(state: ConversationState) -> str:
    """This message and the client's recent turns: figures the client gave may be repeated."""
    recent = [t.get("text") or "" for t in (state.get("history") or [])[-6:] if t.get("role") == "client"]
    return "\n".join([*recent, state["event"].get("text") or ""])


def check(ctx: AgentContext, state: ConversationState, parts: list[dict[str, Any]]) -> list[str]:
    """Language and length bind the whole reply; figures, promises and prompt text bind what the
    model wrote (the templates are the team's own words)."""
    language = reply_language(state)
    drafted = "\n\n".join(p["text"] for p in parts if p.get("source") == "llm")
    # the team's templates answer each question asked, so a reply of several is longer than a model's
    max_words = ctx.settings.max_reply_words if drafted else ctx.settings.max_template_reply_words
    return violations(body_of(parts), language=language, max_words=max_words,
                      product_facts=ctx.prompts.text("product_facts"), client_text=client_words(state),
                      booked=booked_times(ctx, state), prompt_texts=[ctx.prompts.text(name) for name in PROMPTS],
                      figures_text=drafted)


async def guard(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    parts = state.get("parts", [])
    if state.get("reply") is None or not parts or state["event"]["kind"] == "operator":
        return {}  # a person's own text is theirs: not held to the rules that bind the model
    problems = check(ctx, state, parts)
    if not problems:
        return {}
    drafted = [p for p in parts if p["source"] == "llm"]
    if drafted:
        redraft = await redraft_answer(ctx, state, drafted[0]["text"], problems)
        if redraft:
            fixed = [{**p, "text": redraft} if p is drafted[0] else p for p in parts]
            if not check(ctx, state, fixed):
                return {"reply": compose_text(ctx, state, fixed), "guard_violations": problems}
    update = handoff_update(ctx, state, "ответ не прошёл проверку: " + "; ".join(problems), "handoff_client")
    update["reply"] = compose_text(ctx, state, update["parts"])
    update["guard_violations"] = problems
    del update["parts"]
    return update
