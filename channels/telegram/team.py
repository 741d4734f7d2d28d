"""The sales team's chat: notices with inline buttons (approve, edit, reject, take over).

Only listed team members (`TEAM_TELEGRAM_USER_IDS`) may press them. Callback data is
`<token>.<signature>`: the token names a `team_actions` record, the signature (HMAC-SHA256 with a
key derived from the bot token, cut to 16 hex characters) proves the bot made the button, so a
forged or altered press is refused before anything is looked up. Every press becomes the same
operation the CLI runs (`agent/operations.py`), recorded with who pressed it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from agent.clock import Clock
from agent.operations import decide_draft, take_over
from agent.store import Store
from agent.store.errors import StoreError
from agent.tools import review

log = logging.getLogger(__name__)

LABELS = {"approve": "✅ Отправить", "edit": "✏️ Исправить", "reject": "🚫 Не отправлять", "take": "🙋 Беру"}
SIGNATURE_HEX = 16


class TeamAccess:
    """Who may press the buttons, and the key that signs them."""

    def __init__(self, bot_token: str, chat_id: str | None, user_ids: set[int]) -> None:
        self.key = hashlib.sha256(b"seed-team-callbacks:" + bot_token.encode()).digest()
        self.chat_id = chat_id
        self.user_ids = user_ids

    def sign(self, token: str) -> str:
        mac = hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]
        return f"{token}.{mac}"

    def verify(self, data: str | None) -> str | None:
        token, _, mac = (data or "").partition(".")
        if not token or len(mac) != SIGNATURE_HEX:
            return None
        expected = hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]
        return token if hmac.compare_digest(expected, mac) else None

    def allowed(self, user: User | None) -> bool:
        return user is not None and user.id in self.user_ids

    def keyboard(self, actions: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
        buttons = [InlineKeyboardButton(text=LABELS.get(a["action"], a["action"]), callback_data=self.sign(a["token"]))
                   for a in actions if a.get("token")]
        return InlineKeyboardMarkup(inline_keyboard=[buttons[i:i + 2] for i in range(0, len(buttons), 2)]) \
            if buttons else None


def who(user: User) -> str:
    return f"telegram:@{user.username}" if user.username else f"telegram:{user.id}"


async def carry_out(store: Store, clock: Clock, action: dict[str, Any], user: User) -> str:
    """Run the pressed action; the answer shown to the person who pressed."""
    kind, by = action["action"], who(user)
    if kind == "take":
        await take_over(store, clock, action["contact_id"], by)
        return "Переписка у Вас. Ответить: sales-agent reply " + action["contact_id"]
    draft_id = action.get("draft_id") or ""
    if kind == "approve":
        await decide_draft(store, clock, draft_id, dict(review.accept()), by)
        return "Отправляю."
    if kind == "reject":
        await decide_draft(store, clock, draft_id, dict(review.reject(f"отклонено в Telegram ({by})")), by)
        return "Не отправлю. Переписка передана команде."
    return "Неизвестное действие."


def team_router(store: Store, clock: Clock, access: TeamAccess) -> Router:
    """Handles the team chat only; the bot never reads it as a lead's chat."""
    router = Router(name="team")
    in_team = F.chat.id == int(access.chat_id) if access.chat_id else F.chat.id.is_(None)

    @router.callback_query(F.message.chat.id == int(access.chat_id) if access.chat_id else F.message.is_(None))
    async def on_press(query: CallbackQuery) -> None:
        if not access.allowed(query.from_user):
            log.warning("team button pressed by %s, who is not in TEAM_TELEGRAM_USER_IDS", query.from_user.id)
            await query.answer("Нет прав на это действие.", show_alert=True)
            return
        token = access.verify(query.data)
        action = await store.team_actions.get(token) if token else None
        if action is None:
            log.warning("team button with a forged or unknown token from %s", query.from_user.id)
            await query.answer("Кнопка недействительна.", show_alert=True)
            return
        if action["action"] == "edit":
            message = query.message
            if not isinstance(message, Message):
                await query.answer("Сообщение недоступно.", show_alert=True)
                return
            prompt = await message.answer("Пришлите исправленный текст ответом на это сообщение.",
                                          reply_markup=ForceReply(selective=True))
            await store.team_actions.note(token or "", edit_prompt=f"{prompt.chat.id}:{prompt.message_id}",
                                          edit_by=query.from_user.id)
            await query.answer()
            return
        try:
            text = await carry_out(store, clock, action, query.from_user)
        except StoreError as exc:
            text = str(exc)
        await query.answer(text[:190], show_alert=False)

    @router.message(in_team)
    async def on_team_message(message: Message) -> None:
        reply_to = message.reply_to_message
        if reply_to is None or not message.text or not access.allowed(message.from_user):
            return  # the team's own talk: not a lead, not for the agent
        action = await store.team_actions.awaiting_edit(reply_to.message_id, str(message.chat.id))
        if action is None or message.from_user is None:
            return
        try:
            await decide_draft(store, clock, action.get("draft_id") or "", dict(review.edit(message.text)),
                               who(message.from_user))
            await message.reply("Отправляю исправленный текст.")
        except StoreError as exc:
            await message.reply(str(exc)[:400])

    return router
