"""What the agent understood from one client message: the typed result of both layers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

Intent = Literal[
    "interested",
    "question",
    "presentation",
    "demo",
    "referral",
    "pause",
    "opt_out",
    "not_interested",
    "auto_reply",
    "bounce",
    "restart",
    "other",
]
INTENTS: tuple[str, ...] = get_args(Intent)

# What a turn did (../shared/DIALOGS.md `expect.actions`): the nodes report these; the eval scores them.
Action = Literal[
    "send_presentation",
    "book_demo",
    "create_contact",
    "pause_until",
    "opt_out",
    "handoff",
    "follow_up",
    "restart",
    "close",
]
ACTIONS: tuple[str, ...] = get_args(Action)

# Most committal first (../shared/DIALOGS.md): the single intent of a mixed message.
INTENT_PRIORITY: tuple[str, ...] = (
    "opt_out",
    "bounce",
    "auto_reply",
    "restart",
    "referral",
    "demo",
    "presentation",
    "pause",
    "question",
    "not_interested",
    "interested",
    "other",
)

# Question topics the rules layer recognises; templates in prompts/answers/ exist for each.
Topic = Literal[
    "why_us",
    "platforms",
    "features",
    "price",
    "how_to_start",
    "pilot",
    "integrations",
    "company",
    "ai_replies",
    "reports",
    "who_for",
    "unknown",
]


class Person(BaseModel):
    """A person the client pointed us to (referral)."""

    name: str | None = None
    email: str | None = None
    telegram: str | None = None
    phone: str | None = None
    role: str | None = None

    def has_address(self) -> bool:
        return bool(self.email or self.telegram or self.phone)


class Understanding(BaseModel):
    """One client message, understood. `intent` is the most committal; the flags list every wish."""

    intent: Intent
    wants_presentation: bool = False
    wants_demo: bool = False
    demo_at: datetime | None = Field(default=None, description="aware datetime, contact's zone")
    demo_day: date | None = Field(default=None, description="a day without a time: propose slots")
    demo_until: datetime | None = Field(default=None, description="end of a named window «с 10 до 12»")
    demo_invalid: bool = Field(default=False, description="the client named a date that does not exist")
    wants_pause: bool = False
    pause_until: date | datetime | None = None
    referral: Person | None = None
    question: str | None = Field(default=None, description="what the client asked, in their words")
    topics: list[Topic] = Field(default_factory=list)
    language: str = "ru"
    source: Literal["rules", "llm"] = "rules"
    certain: bool = Field(default=False, description="rules settled it; no model call needed")
    answer: str | None = Field(default=None, description="model-drafted answer text (ollama only)")
    opt_out_possible: str | None = Field(
        default=None, description="why this may be a request to stop (the possible band): nothing is sent, a person decides")
    new_address: str | None = Field(
        default=None, description="the client's own new email («мой новый адрес: …»): the conversation moves there")
    new_address_stop_here: bool = Field(
        default=False, description="the client asked us to stop writing to the old address: it is suppressed")
    opt_out_redirect: str | None = Field(
        default=None, description="the client asked us to stop writing to them and named someone else: "
                                  "their addresses are suppressed and the referral is followed")
