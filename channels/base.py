"""The channel interface: every channel turns its raw input into `InboundMessage` and sends
`OutboundMessage` documents taken from the outbox. Nothing else crosses a channel boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

ChannelName = Literal["email", "telegram", "console", "system"]
EventKind = Literal["message", "timer", "outreach", "restart"]
TimerKind = Literal["outreach", "follow_up", "pause_end", "close"]
InboundFlag = Literal["auto_reply", "bounce", "bounce_soft", "start"]


class InboundMessage(BaseModel):
    """One normalised trigger for the graph: a client message, a timer, an outreach or a restart."""

    key: str = Field(description="unique per source: email Message-ID, Telegram update id, timer id")
    kind: EventKind = "message"
    channel: ChannelName = "console"
    contact_id: str | None = None
    sender: str | None = None
    text: str = ""
    quoted: str = ""
    subject: str | None = None
    timer_kind: TimerKind | None = None
    timer_id: str | None = None
    flags: list[InboundFlag] = Field(default_factory=list)
    received_at: datetime
    meta: dict[str, Any] = Field(default_factory=dict)


class OutboundMessage(BaseModel):
    """One message to send. `key` is the idempotency key derived from the inbound event."""

    key: str
    contact_id: str
    channel: ChannelName
    to: str
    kind: str = "reply"
    subject: str | None = None
    text: str
    attachments: list[str] = Field(default_factory=list)
    in_reply_to: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class SendResult(BaseModel):
    """What a channel says after trying to send. `permanent` failures are not retried."""

    ok: bool
    provider_id: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after_s: float | None = None
    unreachable: bool = False


class Channel(Protocol):
    """A transport the sender loop drives. Listeners ingest into the inbox on their own."""

    name: ChannelName

    async def send(self, message: OutboundMessage) -> SendResult: ...
