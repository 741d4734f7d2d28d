"""compose: one reply from the turn's parts — greeting, parts in order, signature on email."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.tools.effects import first_name, one_closing
from agent.understanding.language import LANGUAGES, conversation_language


def outbound_channel(state: ConversationState) -> str:
    event = state["event"]
    if event["kind"] == "message" and event["channel"] == "telegram" and (state.get("understanding") or {}).get("new_address"):
        return "email"  # «пишите мне на почту …» in a chat: the reply goes to that email
    if event["kind"] in ("message", "notice") and event["channel"] != "system":
        return event["channel"]
    return state["contact"].get("channel") or "console"


def reply_language(state: ConversationState) -> str:
    """The language every client-facing part of this turn is written in: the client's, by the one
    detector (agent/understanding/language.py) over their messages so far; the contact's own
    `language` (or Russian) before they wrote anything."""
    contact = state.get("contact") or {}
    seed = str(contact["language"]) if contact.get("language") in LANGUAGES else "ru"
    texts = [t.get("text") or "" for t in state.get("history") or [] if t.get("role") == "client"]
    return conversation_language(texts, fallback=seed)


def compose_text(ctx: AgentContext, state: ConversationState, parts: list[dict[str, Any]]) -> str | None:
    if not parts:
        return None
    contact = state["contact"]
    body = "\n\n".join(p["text"] for p in sorted(one_closing(parts), key=lambda p: p["order"]) if p["text"])
    channel = outbound_channel(state)
    event = state["event"]
    sections = [body]
    if event["kind"] == "operator":  # a person's text goes out exactly as written
        return body
    if event["kind"] != "notice" or event.get("meta", {}).get("greet"):
        name, lang = first_name(contact), reply_language(state)
        greeting = (ctx.prompts.render("greeting", lang, first_name=name) if name
                    else ctx.prompts.render("greeting_no_name", lang))
        sections.insert(0, greeting)
    if channel == "email":
        settings = ctx.settings
        sections.append(ctx.prompts.render("signature", reply_language(state), sender_name=settings.sender_name,
                                           sender_company=settings.sender_company))
    return "\n\n".join(sections)


def body_of(parts: list[dict[str, Any]]) -> str:
    return "\n\n".join(p["text"] for p in one_closing(parts))


async def compose(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    if state.get("skip") or "opt_out" in state.get("actions", []):
        return {"reply": None}
    return {"reply": compose_text(runtime.context, state, state.get("parts", []))}
