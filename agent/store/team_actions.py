"""`team_actions`: the buttons under a team notice (approve, edit, reject, take over).

A button carries only a short random token; the action it stands for (which draft or contact, what
to do) lives here, so callback data stays under Telegram's 64 bytes and reveals nothing. The
channel signs the token, so a forged one is refused before it is even looked up. The token is
derived from the notice's outbox key, so a replayed turn makes the same buttons.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from agent.store.leases import insert_once

ACTIONS = ("approve", "edit", "reject", "take")


def action_token(notice_key: str, action: str) -> str:
    return hashlib.sha256(f"{notice_key}|{action}".encode()).hexdigest()[:20]


class TeamActionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["team_actions"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index("edit_prompt", sparse=True)

    async def offer(self, notice_key: str, action: str, *, contact_id: str, draft_id: str | None,
                    now: datetime) -> str:
        token = action_token(notice_key, action)
        await insert_once(self.col, {"_id": token, "action": action, "contact_id": contact_id,
                                     "draft_id": draft_id, "created_at": now})
        return token

    async def get(self, token: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": token})

    async def note(self, token: str, **fields: Any) -> None:
        await self.col.update_one({"_id": token}, {"$set": fields})

    async def awaiting_edit(self, prompt_message_id: int, chat_id: str) -> dict[str, Any] | None:
        """The edit action whose "send the new text" prompt has this message id in this chat."""
        return await self.col.find_one({"edit_prompt": f"{chat_id}:{prompt_message_id}"})
