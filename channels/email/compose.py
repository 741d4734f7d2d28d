"""OutboundMessage → `email.message.EmailMessage` with every header the issue asks for.

The Message-ID is a pure function of the outbox key (`message_id_for`), so it is fixed the moment
the outbox document is written: every retry and every recovery check uses the same id.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from urllib.parse import quote

from agent.contracts import OutboundMessage
from channels.email.wire import WIRE

log = logging.getLogger(__name__)

RE_PREFIX = re.compile(r"^\s*(re|aw|ответ)\s*(\[\d+\])?\s*:", re.IGNORECASE)
UNSUBSCRIBE_WORD = "unsubscribe"
MAX_REFERENCES = 20


def token_of(message_id: str) -> str:
    """The hash part of one of our Message-IDs (used in the unsubscribe mailto)."""
    return message_id.strip("<>").split("@", 1)[0]


def normalise_id(value: str | None) -> str | None:
    """`<id@host>` form of a Message-ID / In-Reply-To value; None when empty."""
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    return text if text.startswith("<") else f"<{text.strip('<>')}>"


def unsubscribe_address(sender_email: str, configured: str | None = None) -> str:
    """EMAIL_UNSUBSCRIBE_MAILBOX, or `<local>+unsubscribe@<domain>` of the sender address."""
    if configured:
        return configured.strip()
    local, _, domain = sender_email.partition("@")
    return f"{local}+{UNSUBSCRIBE_WORD}@{domain}"


def unsubscribe_header(address: str, message_id: str, url: str | None = None) -> str:
    """RFC 2369 `<mailto:…>`, then the RFC 8058 `<https://…>` one-click link when there is one."""
    subject = quote(f"{UNSUBSCRIBE_WORD} {token_of(message_id)}")
    mailto = f"<mailto:{address}?subject={subject}>"
    return f"{mailto}, <{url}>" if url else mailto


def reply_subject(subject: str | None, fallback: str | None = None) -> str:
    """"Re: <subject>", never "Re: Re: …"."""
    base = (subject or fallback or "").strip()
    if not base:
        return "Re:"
    return base if RE_PREFIX.match(base) else f"Re: {base}"


def reference_chain(references: list[str], in_reply_to: str | None) -> list[str]:
    """The References of a reply: the parent's chain (deduplicated, capped) then the parent."""
    parent = normalise_id(in_reply_to)
    if parent is None:
        return []
    chain = [r for r in (normalise_id(x) for x in references) if r and r != parent]
    return [*[*dict.fromkeys(chain)][-(MAX_REFERENCES - 1):], parent]


@dataclass
class Envelope:
    """What compose needs besides the outbox message itself."""

    sender_email: str
    from_name: str
    message_id: str
    unsubscribe: str
    now: datetime
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    thread_subject: str | None = None
    unsubscribe_url: str | None = None  # https one-click link (RFC 8058), when PUBLIC_BASE_URL is set
    invite: bytes | None = None
    cancel: bytes | None = None  # METHOD:CANCEL of a moved demo's old time (cancel.ics)
    extra_attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def build_email(message: OutboundMessage, env: Envelope) -> EmailMessage:
    """The full message: headers, plain-text body, file attachments and the optional invite."""
    mail = EmailMessage(policy=WIRE)
    mail["From"] = formataddr((env.from_name, env.sender_email))
    mail["To"] = message.to
    in_reply_to = normalise_id(env.in_reply_to)
    if in_reply_to:
        mail["Subject"] = reply_subject(message.subject, env.thread_subject)
    else:
        mail["Subject"] = (message.subject or env.thread_subject or "").strip() or "Napoleon IT"
    mail["Date"] = format_datetime(env.now)
    mail["Message-ID"] = env.message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = " ".join(reference_chain(env.references, in_reply_to))
    mail["List-Unsubscribe"] = unsubscribe_header(env.unsubscribe, env.message_id, env.unsubscribe_url)
    if env.unsubscribe_url:
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(message.text, subtype="plain", charset="utf-8")
    for path in message.attachments:
        attach_file(mail, Path(path))
    for name, data, mime in env.extra_attachments:
        maintype, _, subtype = mime.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if env.cancel is not None:  # before the new invite: a calendar applying them in order ends right
        mail.add_attachment(env.cancel, maintype="text", subtype="calendar", filename="cancel.ics",
                            params={"method": "CANCEL", "charset": "UTF-8"})
    if env.invite is not None:
        mail.add_attachment(env.invite, maintype="text", subtype="calendar", filename="invite.ics",
                            params={"method": "REQUEST", "charset": "UTF-8"})
    return mail


def attach_file(mail: EmailMessage, path: Path) -> None:
    """Attach a file; a missing file is logged and skipped (the text carries the link)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.warning("attachment %s not sent: %s", path, exc.strerror or exc)
        return
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)


def to_bytes(mail: EmailMessage) -> bytes:
    """Wire form (CRLF line ends): what SMTP sends and what is appended to the Sent folder."""
    return mail.as_bytes(policy=WIRE)
