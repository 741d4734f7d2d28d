"""Stored text (names, messages, errors) printed safely: rich markup escaped, control characters
shown as visible escapes, so a lead named `[/red] Мария` or a message with `\\x1b[31m` can neither
crash nor repaint the terminal."""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

# C0 controls except \n and \t, DEL, and C1 controls (which include the 8-bit CSI)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: Any, multiline: bool = True) -> str:
    """`value` as text that is safe to hand to rich: markup escaped, controls made visible."""
    text = "" if value is None else str(value)
    text = CONTROL.sub(_visible, text)
    if not multiline:
        text = text.replace("\n", "\\n").replace("\t", " ")
    return escape(text)
