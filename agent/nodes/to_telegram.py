"""to_telegram: the client offers their own Telegram for the conversation («мой телеграм @ivan,
там быстрее отвечу»). A bot cannot write first, so the reply carries the contact's deep link; the
handle is kept on the contact, so their first message to the bot binds the chat even without the
link. With no bot configured, or when the handle belongs to another contact, a person writes to
them (a hand-off that says so)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.handoff import handoff_update
from agent.nodes.outreach import telegram_invite
from agent.state import ConversationState
from agent.store.contacts import normalise_address
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.understanding.entities import own_telegram


async def to_telegram(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact = state["contact"]
    handle = normalise_address("telegram", own_telegram(str(state["event"].get("text") or "")) or "") or ""
    owner = await ctx.store.contacts.find_by_address("telegram", handle)
    taken = owner is not None and owner["_id"] != contact["_id"]
    invite = None if taken else await telegram_invite(ctx, contact)
    if invite is None:
        why = (" (этот Telegram уже у другого контакта)" if taken
               else " (клиент заблокировал бота)" if "telegram" in contact.get("unreachable", [])
               else " (бот Telegram не настроен)")
        update = handoff_update(ctx, state, f"клиент просит писать ему в Telegram {handle}{why}",
                                "telegram/own_handle_person")
        if not taken:
            update["effects"].append(effects.contact_update(order=9, telegram=handle))
        return update
    url, issued = invite
    text = ctx.prompts.render("telegram/own_handle", reply_language(state), telegram_link=url)
    turn_effects: list[Any] = [effects.contact_update(order=2, telegram=handle, status="active"),
                               effects.fact("telegram_offered", handle=handle), cadence_timer(ctx, state)]
    if issued is not None:
        turn_effects.append(issued)
    return {"parts": [effects.part(text, "ack")], "effects": turn_effects}  # «just answer» (DIALOGS.md)
