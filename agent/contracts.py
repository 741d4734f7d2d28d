"""The core's contracts with the channels: every channel turns its raw input into `InboundMessage`
and sends `OutboundMessage` documents taken from the outbox. Nothing else crosses a channel
boundary. The core owns these types; channels import them, never the other way round."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

ChannelName = Literal["email", "telegram", "console", "system"]
# `notice`: the channel asks for a short templated answer (`meta.notice` names the template under
# prompts/, `meta.greet` adds the greeting), e.g. to a Telegram voice message or /help.
# `decision`: a person decided on a draft (`meta.draft`, `meta.decision`); `operator`: a person's
# own message to send in the thread (`text`, `meta.by`).
EventKind = Literal["message", "timer", "outreach", "restart", "notice", "decision", "operator"]
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

    @property
    def name(self) -> str: ...

    async def send(self, message: OutboundMessage) -> SendResult: ...


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() or "localhost"


def message_id_for(key: str, sender_email: str) -> str:
    """The email Message-ID of the outbox document `key`: `<sha1(key)[:24]@sender-domain>`.

    A pure function of the key, so it is fixed the moment the outbox document is written, before
    any send, and a replayed turn produces the same one."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:24]
    return f"<{digest}@{domain_of(sender_email)}>"
