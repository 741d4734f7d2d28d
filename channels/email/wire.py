"""How headers are written on the wire, where Python's default folding goes wrong.

* `List-Unsubscribe` / `List-Unsubscribe-Post` are written literally (RFC 2369 / RFC 8058): the
  default folder RFC 2047-encodes any value longer than a line, and clients then show no link.
* Non-ASCII `Subject`s are cut into whole encoded words, each holding its own spaces, so a
  decoder (which drops the whitespace between adjacent encoded words) gives back every space.
"""

from __future__ import annotations

import base64
from email.policy import EmailPolicy

LITERAL = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
ENCODED = frozenset({"subject"})
MAX_WORD_BYTES = 42  # 56 base64 chars + 12 of "=?utf-8?b??=" = 68; with "Subject: " a line stays < 78


def encoded_words(text: str, max_bytes: int = MAX_WORD_BYTES) -> list[str]:
    """RFC 2047 B-encoded words, each a whole number of characters and at most `max_bytes` of UTF-8."""
    chunks: list[bytes] = []
    chunk = b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > max_bytes:
            chunks.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode()}?=" for c in chunks]


def fold_literal(name: str, value: str, linesep: str) -> str:
    """`Name: value` unencoded, broken only after the commas between `<…>` items."""
    items = [item.strip() for item in value.replace("\r", "").replace("\n", "").split(">,")]
    parts = [item if item.endswith(">") else item + ">" for item in items[:-1]] + [items[-1]]
    return f"{name}: " + ("," + linesep + " ").join(parts) + linesep


def needs_encoding(value: str) -> bool:
    return not value.isascii()


class WirePolicy(EmailPolicy):
    """`email.policy.SMTP` with exact List-Unsubscribe and space-safe Subject folding."""

    def _wire(self, name: str, value: str) -> str | None:
        key = name.lower()
        text = str(value)
        if key in LITERAL and text.isascii():
            return fold_literal(name, text, self.linesep)
        if key in ENCODED and needs_encoding(text):
            flat = text.replace("\r", "").replace("\n", " ")
            return f"{name}: " + (self.linesep + " ").join(encoded_words(flat)) + self.linesep
        return None

    def fold(self, name: str, value: str) -> str:
        return self._wire(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        wire = self._wire(name, value)
        return wire.encode("ascii") if wire is not None else super().fold_binary(name, value)


WIRE = WirePolicy(linesep="\r\n")
