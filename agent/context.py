"""The runtime context every node receives (`context=` at invoke; never checkpointed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agent.clock import Clock
from agent.prompts import PromptLibrary
from agent.settings import Settings
from agent.store import Store
from agent.tools.calendar import zone

if TYPE_CHECKING:
    from agent.llm import StructuredLlm
    from agent.tools.deep_links import DeepLinkConfig


@dataclass
class AgentContext:
    store: Store
    settings: Settings
    clock: Clock
    prompts: PromptLibrary
    llm: StructuredLlm | None = None  # None = rules mode
    final_attempt: bool = False  # the worker's last try for this event: hand off instead of failing
    deep_links: DeepLinkConfig | None = None  # Telegram deep links in emails; None = no Telegram bot
    contact: dict[str, Any] | None = None  # the contact as the worker read it for this turn (saves a read)

    def now(self) -> datetime:
        return self.clock.now()

    def tz(self, contact: dict[str, Any]) -> ZoneInfo:
        return zone(contact.get("timezone"), self.settings)
