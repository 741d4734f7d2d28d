"""MIME structure: a bounded walk over the parts, decoded text of a part, the message's own
text/plain and text/html bodies (not those of attached messages), format=flowed unwrapping."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import Message

from channels.email.charsets import decode_bytes

MAX_PARTS = 300
MAX_DEPTH = 12
MAX_PART_BYTES = 2_000_000  # decoded text of one part; the rest is attachments or history
_BOUNDARY_LINE = re.compile(r"^--([0-9A-Za-z'()+_,./:=?-]{1,70})[ \t\r]*$", re.MULTILINE)


def walk(msg: Message, into_messages: bool = False) -> Iterator[Message]:
    """Parts in document order, at most MAX_PARTS and MAX_DEPTH deep; attached messages
    (message/rfc822) are entered only when asked."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    count = 0
    while stack and count < MAX_PARTS:
        part, depth = stack.pop()
        count += 1
        yield part
        payload = part.get_payload()
        if not isinstance(payload, list) or depth >= MAX_DEPTH:
            continue
        if part.get_content_maintype() == "message" and not into_messages and part is not msg:
            continue
        children = [child for child in payload if isinstance(child, Message)]
        stack.extend((child, depth + 1) for child in reversed(children))


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # a header the email package cannot split
        return "text/plain"


def param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return str(value or "").strip().lower()[:100]


def is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "") or "").lower()
    return disposition.strip().startswith("attachment")


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (base64 / quoted-printable undone), bounded."""
    data: bytes | None
    try:
        decoded = part.get_payload(decode=True)
        data = decoded if isinstance(decoded, bytes) else None
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return bytes(data[:MAX_PART_BYTES])


def part_text(part: Message) -> str:
    """The text of a leaf part in its (checked) charset; format=flowed lines rejoined."""
    text = decode_bytes(part_bytes(part), param(part, "charset") or None)
    if param(part, "format") == "flowed":
        text = unflow(text, delsp=param(part, "delsp") == "yes")
    return text


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676: a line ending in a space continues on the next line of the same quote depth."""
    out: list[tuple[str, int]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        if out and out[-1][1] == depth and out[-1][0].endswith(" ") and out[-1][0].rstrip() != "--":
            previous = out[-1][0][:-1] if delsp else out[-1][0]
            out[-1] = (previous + body, depth)
        else:
            out.append((body, depth))
    return "\n".join(("> " * depth if depth else "") + body for body, depth in out)


def repair_boundary(msg: Message) -> Message | None:
    """A multipart whose declared boundary never appears, re-read with the boundary its body uses."""
    if not content_type(msg).startswith("multipart/") or not isinstance(msg.get_payload(), str):
        return None
    body = part_bytes(msg)
    found = _BOUNDARY_LINE.search(body[:200_000].decode("ascii", "replace"))
    if found is None:
        return None
    head = f'Content-Type: {content_type(msg)}; boundary="{found.group(1)}"\n\n'.encode()
    repaired = email.message_from_bytes(head + body, policy=email.policy.compat32)
    return repaired if isinstance(repaired.get_payload(), list) else None


def bodies(msg: Message) -> tuple[str | None, str | None]:
    """(text/plain, text/html) of the message itself: the first inline part of each kind."""
    msg = repair_boundary(msg) or msg
    plain: str | None = None
    html: str | None = None
    for part in walk(msg):
        if part.is_multipart() or is_attachment(part):
            continue
        kind = content_type(part)
        if part is not msg and kind.startswith("message/"):
            continue
        if kind.startswith("multipart/"):
            kind = "text/plain"  # a multipart whose boundary never appears: its body is text
        if kind == "text/plain" and plain is None:
            plain = part_text(part)
        elif kind == "text/html" and html is None:
            html = part_text(part)
        if plain is not None and html is not None:
            break
    return plain, html
