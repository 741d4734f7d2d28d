"""Header fields as clean one-line values: RFC 2047 encoded words (with wrong or missing charsets),
raw 8-bit headers, addresses, message ids and dates. Every value is stripped of control characters,
so nothing taken from a header can inject a line into a reply."""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from channels.email.charsets import decode_bytes

MAX_HEADER_CHARS = 16_000  # longer values are cut before parsing (hostile or broken input)
MAX_VALUE_CHARS = 998  # what we keep of a one-line value (RFC 5322 line limit)

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_MSG_ID = re.compile(r"<[^<>\s]{1,900}>")
_BARE_ID = re.compile(r"^[^<>\s@]{1,400}@[^<>\s@]{1,400}$")
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9\u00a0-\uffff](?:[A-Za-z0-9\u00a0-\uffff.-]{0,252})$")


def one_line(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    """Collapse control characters and line breaks into single spaces, drop invisible marks."""
    value = _INVISIBLE.sub("", _CONTROL.sub(" ", value))
    return " ".join(value.split())[:limit]


def _raw(msg: Message, name: str) -> str | None:
    """The first raw value of a header (8-bit bytes kept as surrogate escapes), cut to a safe size."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if isinstance(key, str) and key.lower() == wanted:
            return str(value)[:MAX_HEADER_CHARS]
    return None


def _raw_all(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(v)[:MAX_HEADER_CHARS] for k, v in msg.raw_items() if isinstance(k, str) and k.lower() == wanted]


def _to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    data = payload.encode("ascii", "ignore")
    try:
        if encoding.lower() == "b":
            return base64.b64decode(data + b"=" * (-len(data) % 4), validate=False)
        return quopri.decodestring(data, header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_value(value: str | None) -> str:
    """Decode a raw header value to one clean line of text. Adjacent encoded words in one charset
    are decoded together (some clients split a character across two words)."""
    if not value:
        return ""
    value = _BETWEEN_WORDS.sub(r"\1\2", value.replace("\r", "").replace("\n", " "))
    parts: list[str] = []
    pending: tuple[str, bytearray] | None = None  # (charset, bytes) of the words being joined
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset, encoding, payload = match.groups()
        charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix
        data = _word_bytes(encoding, payload)
        if pending is not None and (between or data is None or pending[0] != charset):
            parts.append(decode_bytes(bytes(pending[1]), pending[0]))
            pending = None
        parts.append(decode_bytes(_to_bytes(between)))
        if data is None:
            parts.append(match.group(0))
        elif pending is None:
            pending = (charset, bytearray(data))
        else:
            pending[1].extend(data)
        position = match.end()
    if pending is not None:
        parts.append(decode_bytes(bytes(pending[1]), pending[0]))
    parts.append(decode_bytes(_to_bytes(value[position:])))
    return one_line("".join(parts))


def header_text(msg: Message, name: str) -> str:
    return decode_header_value(_raw(msg, name))


def clean_address(address: str | None) -> str | None:
    """A plausible lower-cased mailbox address, or None."""
    if not address:
        return None
    candidate = one_line(decode_header_value(address)).strip().strip("<>").strip().lower()
    return candidate if _ADDRESS.match(candidate) else None


def from_header(msg: Message) -> tuple[str | None, str | None]:
    """(address, display name) of the first From mailbox."""
    raw = _raw(msg, "from")
    if not raw:
        return None, None
    raw = raw.replace("\r", "").replace("\n", " ")
    name, address = parseaddr(raw)
    cleaned = clean_address(address)
    if cleaned is None and "@" not in raw:  # "From: Сергей Обухов": a name and no address
        return None, decode_header_value(raw).strip("\"'<> ")[:200] or None
    shown = decode_header_value(name).strip("\"' ") if name else ""
    return cleaned, (shown[:200] or None)


def address_list(msg: Message, *names: str) -> list[str]:
    """Clean addresses from one or more address headers, in order, without duplicates."""
    found: list[str] = []
    for name in names:
        values = [v.replace("\r", "").replace("\n", " ") for v in _raw_all(msg, name)]
        for _display, address in getaddresses(values):
            cleaned = clean_address(address)
            if cleaned and cleaned not in found:
                found.append(cleaned)
    return found


def message_ids(value: str | None) -> list[str]:
    """Every `<id>` in a Message-ID / In-Reply-To / References value (a bare `x@y` is bracketed)."""
    if not value:
        return []
    text = one_line(value.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), MAX_HEADER_CHARS)
    ids = _MSG_ID.findall(text)
    if not ids and _BARE_ID.match(text.strip()):
        ids = [f"<{text.strip()}>"]
    return list(dict.fromkeys(ids))


def message_id(msg: Message, name: str = "message-id") -> str | None:
    ids = message_ids(_raw(msg, name))
    return ids[0] if ids else None


def references(msg: Message) -> list[str]:
    return message_ids(_raw(msg, "references"))[:100]


def date_header(msg: Message) -> datetime | None:
    """The Date header as an aware datetime (naive dates are taken as UTC), or None."""
    raw = header_text(msg, "date")
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def has_header(msg: Message, name: str) -> bool:
    return _raw(msg, name) is not None
