"""Inbound email, from raw bytes to what the agent reads: `parse_message` returns the client's own
new words (quoted history and signature set apart), the headers the conversation is matched by,
and the auto-reply / bounce flags; `to_inbound` turns that into the channel-neutral
`InboundMessage`. A message that cannot be parsed raises `EmailParseError` with a one-line reason
for the quarantine — never another exception."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import Message
from typing import Literal

from pydantic import BaseModel, Field

from agent.contracts import InboundMessage
from channels.email import auto_reply, bounces, mime, quotes
from channels.email import headers as h
from channels.email.html_text import html_to_text

MAX_MESSAGE_BYTES = 40 * 1024 * 1024
MAX_HEADER_FIELDS = 2000
MAX_QUOTED_CHARS = 100_000
MAX_NOTICE_CHARS = 5_000

EmailFlag = Literal["auto_reply", "bounce", "bounce_soft"]


class EmailParseError(ValueError):
    """The message cannot be read; str(error) is a one-line reason for the quarantine."""


class ParsedEmail(BaseModel):
    """One inbound email as the agent needs it."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    from_address: str | None = None
    from_name: str | None = None
    to: list[str] = Field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    quoted: str = ""
    html_only: bool = False
    flags: list[EmailFlag] = Field(default_factory=list)
    bounce_recipients: list[str] = Field(default_factory=list)
    bounced_message_id: str | None = None


def parse_message(raw: bytes) -> ParsedEmail:
    """Parse one raw RFC 5322 message. Raises EmailParseError (and nothing else) when it cannot."""
    try:
        return _parse(raw)
    except EmailParseError:
        raise
    except RecursionError as exc:
        raise EmailParseError("message structure is nested too deeply") from exc
    except Exception as exc:  # the quarantine must get a reason, the listener must not crash
        detail = h.one_line(str(exc), 160)
        raise EmailParseError(f"unreadable message ({type(exc).__name__}: {detail})") from exc


def _load(raw: bytes) -> Message:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise EmailParseError(f"expected the raw message as bytes, got {type(raw).__name__}")
    data = bytes(raw)
    if len(data) > MAX_MESSAGE_BYTES:
        raise EmailParseError(f"message too large: {len(data)} bytes (limit {MAX_MESSAGE_BYTES})")
    data = data.lstrip(b"\r\n")  # blank lines before the headers (mbox and copy-paste artefacts)
    if not data.strip():
        raise EmailParseError("empty message")
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    fields = len(msg.keys())
    if not fields:
        raise EmailParseError("no header fields: not an RFC 5322 message")
    if fields > MAX_HEADER_FIELDS:
        raise EmailParseError(f"too many header fields: {fields} (limit {MAX_HEADER_FIELDS})")
    return msg


def _body(msg: Message) -> tuple[str, str | None, bool]:
    """(readable body text, the HTML alternative, html_only): text/plain when it has words, else
    the HTML as text."""
    plain, html = mime.bodies(msg)
    html = html if html is not None and html.strip() else None
    if plain is not None and plain.strip():
        return plain, html, False
    if html is not None:
        return html_to_text(html), None, True
    return plain or "", None, False


def _reply(body: str, html: str | None, sender_name: str | None) -> quotes.Reply:
    """The reply from the text body; when that shows no history but the HTML alternative does
    (a plain part that dropped the ">" marks), the reply read from the HTML."""
    reply = quotes.extract_reply(body, sender_name)
    if html is not None and not reply.history:
        from_html = quotes.extract_reply(html_to_text(html), sender_name)
        if from_html.history:
            return from_html
    return reply


def _parse(raw: bytes) -> ParsedEmail:
    msg = _load(raw)
    subject = h.header_text(msg, "subject")
    from_address, from_name = h.from_header(msg)
    body, html, html_only = _body(msg)

    flags: list[EmailFlag] = []
    recipients: list[str] = []
    bounced_id: str | None = None
    bounce = bounces.detect(msg, from_address, from_name, subject, body)
    if bounce is not None:
        notice, copy = bounces.split_notice(quotes.normalize_text(body))
        text, quoted = notice[:MAX_NOTICE_CHARS], copy
        flags.append("bounce_soft" if bounce.soft else "bounce")
        recipients, bounced_id = bounce.recipients, bounce.original_message_id
    else:
        reply = _reply(body, html, from_name)
        text, quoted = reply.text, reply.quoted
        reason = auto_reply.detect(msg, subject, text, has_quote=reply.history)
        if reason:
            flags.append("auto_reply")
        if auto_reply.is_receipt(reason):  # read receipts carry our send date, not a return date
            text, quoted = "", quotes.normalize_text(body)

    if from_address is None and not text and not quoted and not flags:
        raise EmailParseError("no sender address and no readable text")
    return ParsedEmail(
        message_id=h.message_id(msg),
        in_reply_to=h.message_id(msg, "in-reply-to"),
        references=h.references(msg),
        from_address=from_address,
        from_name=from_name,
        to=h.address_list(msg, "to"),
        subject=subject,
        date=h.date_header(msg),
        text=text,
        quoted=quoted[:MAX_QUOTED_CHARS],
        html_only=html_only,
        flags=flags,
        bounce_recipients=recipients,
        bounced_message_id=bounced_id,
    )


def to_inbound(
    parsed: ParsedEmail, raw_key: str, received_at: datetime, contact_id: str | None = None
) -> InboundMessage:
    """The channel-neutral inbox event; its key is "email:" + Message-ID (or + raw_key without one)."""
    ident = parsed.message_id or raw_key
    return InboundMessage(
        key=ident if ident.startswith("email:") else f"email:{ident}",
        kind="message",
        channel="email",
        contact_id=contact_id,
        sender=parsed.from_address,
        text=parsed.text,
        quoted=parsed.quoted,
        subject=parsed.subject,
        flags=list(parsed.flags),
        received_at=received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC),
        meta={
            "message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references),
            "bounce_recipients": list(parsed.bounce_recipients),
            "bounced_message_id": parsed.bounced_message_id,
        },
    )
