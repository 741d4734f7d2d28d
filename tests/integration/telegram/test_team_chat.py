"""The team chat: notices with inline buttons that only listed team members may press, callback
data signed so a forged press does nothing — against the local fake Bot API with aiogram polling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from io import StringIO

import pytest
from aiogram import Bot
from rich.console import Console

from agent.clock import SimulatedClock
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.console import ConsoleChannel
from channels.telegram.bot import announce, build_dispatcher, run_polling
from channels.telegram.sender import TelegramChannel
from tests.integration.telegram.conftest import make_settings
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.integration

TEAM_CHAT, MEMBER, STRANGER = -100777, 501, 666


class Desk:
    def __init__(self, rt: AgentRuntime, api: FakeBotApi, channel: TelegramChannel, console: ConsoleChannel) -> None:
        self.rt, self.api, self.channel, self.console = rt, api, channel, console

    async def pump(self) -> None:
        await pump(self.rt, [self.channel, self.console])

    async def handled(self, update_id: int) -> None:
        await self.api.wait_handled(update_id)
        await self.pump()

    def team_notes(self) -> list[dict[str, object]]:
        return [c.params for c in self.api.delivered(TEAM_CHAT) if c.method == "sendmessage"]

    def buttons(self) -> dict[str, str]:
        """label → callback data of the last notice with buttons."""
        with_markup = [n for n in self.team_notes() if n.get("reply_markup")]
        rows = json.loads(str(with_markup[-1]["reply_markup"]))["inline_keyboard"]
        return {b["text"]: b["callback_data"] for row in rows for b in row}


@pytest.fixture
async def desk(runtime: AgentRuntime, api: FakeBotApi, shared_bot: Bot) -> AsyncIterator[Desk]:
    runtime.settings.approval = "outreach"
    runtime.settings.team_channel = "telegram"
    runtime.settings.team_telegram_chat_id = str(TEAM_CHAT)
    settings = make_settings(api, team_telegram_chat_id=str(TEAM_CHAT), team_telegram_user_ids=f"{MEMBER}, 502")
    dp = build_dispatcher(runtime.store, settings, runtime.clock, runtime.prompts)
    await announce(shared_bot, runtime.store, settings, runtime.clock)
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(shared_bot, dp, settings, stop))
    channel = TelegramChannel(shared_bot, runtime.store, settings, clock=runtime.clock)
    try:
        yield Desk(runtime, api, channel, ConsoleChannel(Console(file=StringIO())))
    finally:
        stop.set()
        await polling


async def drafted(desk: Desk) -> dict[str, object]:
    rt = desk.rt
    assert isinstance(rt.clock, SimulatedClock)
    await add_contact(rt.store, rt.settings, rt.clock, {"name": "Ольга", "company": "Аптеки", "channel": "console"})
    await desk.pump()
    [draft] = await rt.store.drafts.list()
    return draft


async def test_a_draft_notice_has_buttons_and_a_member_approves_it(desk: Desk) -> None:
    draft = await drafted(desk)
    [note] = desk.team_notes()
    assert str(draft["_id"]) in str(note["text"])
    buttons = desk.buttons()
    assert set(buttons) == {"✅ Отправить", "✏️ Исправить", "🚫 Не отправлять", "🙋 Беру"}
    assert all(len(data.encode()) <= 64 for data in buttons.values())
    await desk.handled(desk.api.press(TEAM_CHAT, MEMBER, buttons["✅ Отправить"]))
    assert desk.console.sent and desk.console.sent[-1].text == draft["text"]  # sent to the lead
    stored = await desk.rt.store.drafts.get(str(draft["_id"]))
    assert stored is not None and stored["status"] == "approved" and stored["decided_by"] == f"telegram:@user{MEMBER}"
    await desk.handled(desk.api.press(TEAM_CHAT, MEMBER, buttons["✅ Отправить"]))  # pressed again
    assert [m.text for m in desk.console.sent if m.kind != "team"] == [draft["text"]]  # sent once
    answers = [c.params.get("text") for c in desk.api.calls("answerCallbackQuery")]
    assert any("already" in str(a) for a in answers)


async def test_a_stranger_and_a_forged_token_are_refused(desk: Desk) -> None:
    draft = await drafted(desk)
    buttons = desk.buttons()
    await desk.handled(desk.api.press(TEAM_CHAT, STRANGER, buttons["✅ Отправить"]))
    token, _, mac = buttons["✅ Отправить"].partition(".")
    forged = f"{token}.{'0' * len(mac)}"
    await desk.handled(desk.api.press(TEAM_CHAT, MEMBER, forged))
    reject_token = buttons["🚫 Не отправлять"].partition(".")[0]
    await desk.handled(desk.api.press(TEAM_CHAT, MEMBER, f"{reject_token}.{mac}"))  # another button's signature
    stored = await desk.rt.store.drafts.get(str(draft["_id"]))
    assert stored is not None and stored["status"] == "pending"
    assert [m for m in desk.console.sent if m.kind != "team"] == []
    answers = [str(c.params.get("text")) for c in desk.api.calls("answerCallbackQuery")]
    assert answers == ["Нет прав на это действие.", "Кнопка недействительна.", "Кнопка недействительна."]


async def test_edit_by_replying_in_the_team_chat(desk: Desk) -> None:
    draft = await drafted(desk)
    await desk.handled(desk.api.press(TEAM_CHAT, MEMBER, desk.buttons()["✏️ Исправить"]))
    prompt = [c for c in desk.api.delivered(TEAM_CHAT) if "исправленный текст" in str(c.params.get("text"))]
    assert prompt
    prompt_id = int(prompt[-1].result["message_id"])
    await desk.handled(desk.api.group_message(TEAM_CHAT, MEMBER, "Ольга, добрый день! Короткий вопрос про отзывы.",
                                              reply_to=prompt_id))
    await desk.pump()
    assert [m.text for m in desk.console.sent if m.kind != "team"] == ["Ольга, добрый день! Короткий вопрос про отзывы."]
    stored = await desk.rt.store.drafts.get(str(draft["_id"]))
    assert stored is not None and stored["status"] == "edited"


async def test_take_over_from_the_team_chat(desk: Desk) -> None:
    draft = await drafted(desk)
    await desk.handled(desk.api.press(TEAM_CHAT, 502, desk.buttons()["🙋 Беру"]))
    contact = await desk.rt.store.contacts.require(str(draft["contact_id"]))
    assert contact["status"] == "handoff" and contact["taken_by"] == "telegram:@user502"
