"""Outgoing text for Telegram: split at 4,096 characters on natural boundaries, escaped for HTML.

Telegram counts the limit after entity parsing, in UTF-16 code units (an emoji outside the BMP is
two), so chunks are measured that way on the plain text and escaped afterwards: `&lt;` is one
character to Telegram.
"""

from __future__ import annotations

import html
import re

LIMIT = 4096
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…])\s+"), re.compile(r"\s+"))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix length (in Python characters) whose UTF-16 length is within `limit`."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Chunks of at most `limit` UTF-16 units, cut at a paragraph, then a line, a sentence, a space,
    and only as a last resort inside a word. Blank chunks are dropped."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if utf16_len(rest) <= limit:
            chunks.append(rest)
            break
        window = rest[: _fit(rest, limit)]
        cut = end = len(window)
        for pattern in _BREAKS:
            found = [m for m in pattern.finditer(window) if m.start() > len(window) // 4]
            if found:
                cut, end = found[-1].start(), found[-1].end()
                break
        piece = rest[:cut].rstrip()
        if piece:
            chunks.append(piece)
        rest = rest[end:].lstrip()
    return chunks


def to_html(text: str) -> str:
    """Plain text made safe for `parse_mode=HTML`: only `&`, `<` and `>` are special there."""
    return html.escape(text, quote=False)
