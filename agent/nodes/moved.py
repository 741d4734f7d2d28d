"""moved: the client gave their own new email («Этот ящик отключат, пишите мне на новый: …»), with
no stop signal beside it (`understand` decides; beside one a person does). The conversation moves
there: `deliver` changes the contact's address before the reply is queued (the old one is kept in
`former_emails`, and suppressed when the client asked us to stop writing there), so this turn's
reply and everything after it go to the new address. A short thanks says so; the cadence goes on
as it was, and any other wish of the message is answered beside it."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects


async def moved(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    reading = reading_of(state)
    address = reading.new_address or ""
    text = runtime.context.prompts.render("address_moved", reply_language(state), address=address)
    return {"parts": [effects.part(text, "ack")],
            "effects": [effects.move_address(address, stop_old=reading.new_address_stop_here)]}
